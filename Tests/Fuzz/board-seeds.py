#!/usr/bin/env python3
"""Write fuzz-board's seeds (Tests/Fuzz/corpus/board/) from the detection fixtures
(Tests/StrobeTests/Fixtures/boards/): each fixture's compatible, model, soc/ranges and the
cpuinfo lines detection looks at, in fuzz-board.c's input format. Run from the repository root.
"""
import os

FIXTURES = "Tests/StrobeTests/Fixtures/boards"
OUT = "Tests/Fuzz/corpus/board"
SEP = b"\n====\n"
PARTS = ["proc/device-tree/compatible", "proc/device-tree/model", "proc/device-tree/soc/ranges", "proc/cpuinfo"]
# cpuinfo trimmed to one core and the lines around the revision, to keep seeds small.
KEEP = ("processor", "model name", "BogoMIPS", "Hardware", "Revision", "Serial", "Model")

os.makedirs(OUT, exist_ok=True)
for name in sorted(os.listdir(FIXTURES)):
    d = os.path.join(FIXTURES, name)
    if not os.path.isdir(d):
        continue
    flags, parts = 0, []
    for i, rel in enumerate(PARTS):
        path = os.path.join(d, rel)
        if not os.path.isfile(path):
            flags |= 1 << i
            parts.append(b"")
            continue
        data = open(path, "rb").read()
        if rel == "proc/cpuinfo":
            seen, lines = set(), []
            for line in data.split(b"\n"):
                key = line.split(b":")[0].strip().decode(errors="replace")
                if key.startswith(KEEP) and key not in seen:
                    seen.add(key)
                    lines.append(line)
            data = b"\n".join(lines) + b"\n"
        parts.append(data)
    # The Pi 4 and the broken compatible also go through real files (flags bit 7).
    if name in ("pi4-model-b", "bad-compatible-unterminated"):
        flags |= 0x80
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(bytes([flags, 200]) + SEP.join(parts))
