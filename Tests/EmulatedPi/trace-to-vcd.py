#!/usr/bin/env python3
"""trace-to-vcd.py: QEMU's trace of stores to the BCM2835 GPIO block, turned into VCD files.

QEMU logs every MMIO store with `-trace memory_region_ops_write`, one line each:

    [PID@SEC.USEC:]memory_region_ops_write cpu N mr 0x... addr 0x3f20001c value 0x800 size 4 name 'bcm2835_gpio'

(the `PID@SEC.USEC:` prefix, host wall-clock time, only with `-msg timestamp=on`). This script
replays the GPIO block's stores from the start of the trace, from the model's reset state (every
GPFSEL field 000, every latch 0; QEMU's bcm2835_gpio_reset), and keeps, per pin:

  - the function, from stores to GPFSEL0-5 at 0x00-0x14 (ten 3-bit fields per word, GPIO 10n+k
    in bits 3k+2:3k; 000 input, 001 output): BCM2835 ARM Peripherals §6.1, table 6-1 (register
    offsets) and the GPFSELn register descriptions;
  - the output latch, from GPSET0/1 at 0x1c/0x20 (a 1 bit sets the pin's latch, a 0 bit does
    nothing) and GPCLR0/1 at 0x28/0x2c (a 1 bit clears it): §6.1, the GPSETn and GPCLRn
    descriptions.

The level a pin shows on the wire: its latch while it is an output; high while it is an input
(released, as if the line had a pull-up; QEMU itself models no pads or pulls). A pin named with
--open-drain is a line of an open-drain bus such as I2C (UM10204 §3.1.1): its direction alone
decides, low while it is an output (the master pulling the line down) and high while it is an
input (released to the pull-up), whatever its latch holds. Any other function shows as `x`.

The ring marks stretches of the trace with a store of 0x5354PPNN to offset 0xFFC (past the last
register, which the model ignores): phase PP, item NN; a mark with another phase (the ring uses
0) ends the stretch. For each stretch of the phase asked for, this writes OUTDIR/PREFIX-NN.vcd
with the pins asked for, named GPIOn.

Time: the trace's timestamps (when present) are host time in whole microseconds, several stores
share one and they say nothing about the guest, so the VCD uses store order instead: each GPIO
store of the stretch is one tick of a synthetic timebase (1 us per store by default). Stores that
change several pins at once (one GPSET0 mask) land on the same tick. A decoder that needs only
the order of edges (sigrok's spi and i2c) reads it as it reads a real capture.

stdout: one line per file written: `NAME STORES HOST_US`, the number of GPIO stores in the
stretch and its span in host microseconds (`-` without timestamps).

Usage: trace-to-vcd.py TRACE OUTDIR --phase PP --pins 8,9,10,11 [--open-drain 5,6] [--prefix spi]
       [--period-us 1] [--base 0x3f200000] [--region bcm2835_gpio]
"""
import argparse
import os
import re
import sys

# BCM2835 ARM Peripherals §6.1, table 6-1: offsets from the GPIO block's base.
GPFSEL0, GPFSEL5 = 0x00, 0x14
GPSET0, GPSET1 = 0x1C, 0x20
GPCLR0, GPCLR1 = 0x28, 0x2C
FSEL_INPUT, FSEL_OUTPUT = 0b000, 0b001
NPINS = 54  # §6.1: GPIO 0-53
MARK_OFFSET = 0xFFC  # the ring's phase marks (Tests/EmulatedPi/ring.c, trace_mark)
MARK_TAG = 0x5354  # "ST"

LINE = re.compile(
    r"^(?:\d+@(?P<sec>\d+)\.(?P<usec>\d{6}):)?memory_region_ops_write .*"
    r"addr 0x(?P<addr>[0-9a-fA-F]+) value 0x(?P<value>[0-9a-fA-F]+) size (?P<size>\d+) name '(?P<name>[^']*)'"
)


class Pins:
    """The GPIO block as QEMU's model keeps it: function fields and output latches."""

    def __init__(self, open_drain=()):
        self.fsel = [FSEL_INPUT] * NPINS
        self.latch = [0] * NPINS
        self.open_drain = set(open_drain)

    def store(self, offset, value):
        if GPFSEL0 <= offset <= GPFSEL5 and offset % 4 == 0:
            word = offset // 4
            for k in range(10):
                pin = word * 10 + k
                if pin < NPINS:
                    self.fsel[pin] = (value >> (3 * k)) & 7
        elif offset in (GPSET0, GPSET1, GPCLR0, GPCLR1):
            bank = 0 if offset in (GPSET0, GPCLR0) else 1
            level = 1 if offset in (GPSET0, GPSET1) else 0
            for bit in range(32):
                pin = bank * 32 + bit
                if value >> bit & 1 and pin < NPINS:
                    self.latch[pin] = level

    def wire(self, pin):
        """What the pin shows: the latch (open drain: low) when an output, high (released) when an input."""
        if self.fsel[pin] == FSEL_OUTPUT:
            return "0" if pin in self.open_drain else str(self.latch[pin])
        if self.fsel[pin] == FSEL_INPUT:
            return "1"
        return "x"


def vcd_id(i):
    """A short VCD identifier: printable ASCII 33-126."""
    chars = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 94)
        chars = chr(33 + r) + chars
    return chars


class Stretch:
    def __init__(self, name, pins, state, period):
        self.name, self.pins, self.period = name, pins, period
        self.ids = {p: vcd_id(i) for i, p in enumerate(pins)}
        self.now = {p: state.wire(p) for p in pins}
        self.start = dict(self.now)
        self.changes = []  # (tick, [(pin, level)])
        self.stores = 0
        self.host = []

    def after_store(self, state, host_us):
        self.stores += 1
        if host_us is not None:
            self.host.append(host_us)
        moved = []
        for p in self.pins:
            w = state.wire(p)
            if w != self.now[p]:
                self.now[p] = w
                moved.append((p, w))
        if moved:
            self.changes.append((self.stores, moved))

    def write(self, path):
        with open(path, "w") as f:
            f.write("$comment QEMU memory_region_ops_write trace of the BCM2835 GPIO block, one tick per store $end\n")
            f.write(f"$timescale {self.period} us $end\n$scope module gpio $end\n")
            for p in self.pins:
                f.write(f"$var wire 1 {self.ids[p]} GPIO{p} $end\n")
            f.write("$upscope $end\n$enddefinitions $end\n#0\n$dumpvars\n")
            for p in self.pins:
                f.write(f"{self.start[p]}{self.ids[p]}\n")
            f.write("$end\n")
            for tick, moved in self.changes:
                f.write(f"#{tick}\n")
                for p, w in moved:
                    f.write(f"{w}{self.ids[p]}\n")
            f.write(f"#{self.stores + 1}\n")  # one idle tick after the last store

    def host_span(self):
        return f"{self.host[-1] - self.host[0]}" if len(self.host) >= 2 else "-"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("trace")
    ap.add_argument("outdir")
    ap.add_argument("--phase", required=True, type=lambda s: int(s, 0), help="the mark's PP to write files for")
    ap.add_argument("--pins", required=True, help="GPIO numbers, comma-separated")
    ap.add_argument("--open-drain", default="", help="the pins among --pins that are open-drain lines")
    ap.add_argument("--prefix", default="phase")
    ap.add_argument("--period-us", type=int, default=1, help="synthetic time per store, in us")
    ap.add_argument("--base", type=lambda s: int(s, 0), default=0x3F200000, help="the GPIO block's physical address")
    ap.add_argument("--region", default="bcm2835_gpio", help="QEMU's name for the block's memory region")
    a = ap.parse_args()
    try:
        pins = [int(p) for p in a.pins.split(",")]
        open_drain = [int(p) for p in a.open_drain.split(",")] if a.open_drain else []
    except ValueError:
        ap.error(f"--pins and --open-drain take GPIO numbers, not {a.pins!r} / {a.open_drain!r}")
    if any(p not in pins for p in open_drain):
        ap.error("--open-drain: only pins that --pins names")
    if not pins or any(not 0 <= p < NPINS for p in pins) or len(set(pins)) != len(pins):
        ap.error(f"--pins: distinct GPIO numbers 0-{NPINS - 1}")
    if not 0 <= a.phase <= 0xFF or a.period_us < 1:
        ap.error("--phase takes 0-255, --period-us at least 1")
    os.makedirs(a.outdir, exist_ok=True)

    state = Pins(open_drain)
    cur = None
    written = set()

    def close():
        nonlocal cur
        if cur is not None:
            cur.write(os.path.join(a.outdir, cur.name + ".vcd"))
            print(cur.name, cur.stores, cur.host_span())
            written.add(cur.name)
        cur = None

    with open(a.trace, errors="replace") as f:
        for line in f:
            m = LINE.match(line.strip())
            if not m or m["name"] != a.region:
                continue
            offset = int(m["addr"], 16) - a.base
            value = int(m["value"], 16)
            if not 0 <= offset < 0x1000 or m["size"] != "4":
                continue
            if offset == MARK_OFFSET:
                close()
                if value >> 16 == MARK_TAG and (value >> 8) & 0xFF == a.phase:
                    name = f"{a.prefix}-{value & 0xFF:02d}"
                    if name in written:
                        sys.exit(f"trace-to-vcd: {name} is marked twice in {a.trace}")
                    cur = Stretch(name, pins, state, a.period_us)
                continue
            state.store(offset, value)
            if cur is not None:
                host = int(m["sec"]) * 1000000 + int(m["usec"]) if m["sec"] else None
                cur.after_store(state, host)
    close()


if __name__ == "__main__":
    main()
