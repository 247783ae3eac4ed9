#!/usr/bin/env python3
"""(Re)create the board-detection fixtures in Tests/StrobeTests/Fixtures/boards/.

Each fixture is a fake root directory holding what strobe_detect() reads:

    <name>/proc/device-tree/compatible    NUL-separated, NUL-terminated strings
    <name>/proc/device-tree/model         NUL-terminated string
    <name>/proc/device-tree/soc/ranges    big-endian 32-bit cells
    <name>/proc/cpuinfo                   text
    <name>/expected.json                  what detection should report

On a real system /proc/device-tree is a symlink to /sys/firmware/devicetree/base;
here it is a plain directory.  The values are real ones (see README.md beside the
fixtures for where they came from); only the serial numbers are made up.

Usage: python3 scripts/make-board-fixtures.py [--out DIR]
Only the fixture directories named below are deleted and rewritten; README.md and
anything else in the output directory are left alone.  Standard library only.
"""

import argparse
import json
import shutil
import struct
import sys
from pathlib import Path

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "Tests" / "StrobeTests" / "Fixtures" / "boards"

# ---------------------------------------------------------------------------
# Encoding helpers
# ---------------------------------------------------------------------------


def cells(*values):
    """Big-endian 32-bit device-tree cells."""
    return b"".join(struct.pack(">I", v) for v in values)


def strlist(*strings):
    """A device-tree string list: every string NUL-terminated (as the kernel exposes it)."""
    return b"".join(s.encode("ascii") + b"\0" for s in strings)


def dtstring(s):
    return s.encode("ascii") + b"\0"


# soc/ranges exactly as the downstream (Raspberry Pi OS) device trees define them and as
# `hexdump -C /proc/device-tree/soc/ranges` shows on real boards.
#   bcm2835: soc #address-cells=1, parent #address-cells=1, #size-cells=1 -> (child, parent, size)
RANGES_BCM2835 = cells(0x7E000000, 0x20000000, 0x02000000)
#   bcm2836 / bcm2837: same layout, plus the ARM-local block
RANGES_BCM2836_7 = cells(0x7E000000, 0x3F000000, 0x01000000,
                         0x40000000, 0x40000000, 0x00001000)
#   bcm2711: the root has #address-cells=2, so each entry is (child, parent-hi, parent-lo, size);
#   the cell at byte offset 4 is 0 and the base is the cell at byte offset 8.
RANGES_BCM2711 = cells(0x7E000000, 0x0, 0xFE000000, 0x01800000,
                       0x7C000000, 0x0, 0xFC000000, 0x02000000,
                       0x40000000, 0x0, 0xFF800000, 0x00800000)
#   bcm2712 (Pi 5), rpi-6.1.y/6.6.y kernels: node /soc, ranges <0x7c000000 0x10 0x7c000000 0x4000000>.
#   The cell at offset 4 is 0x10 (the upper half of 0x10_7c000000), which is why
#   bcm_host_get_peripheral_address() answers 0x10 on a Pi 5.  GPIO is on RP1 anyway.
RANGES_BCM2712_V66 = cells(0x7C000000, 0x10, 0x7C000000, 0x04000000)
#   bcm2712, rpi-6.12.y kernels: the node is /soc@107c000000 (there is no /soc any more),
#   ranges <0x00000000 0x10 0x00000000 0x80000000>.
RANGES_BCM2712_V612 = cells(0x00000000, 0x10, 0x00000000, 0x80000000)

# ---------------------------------------------------------------------------
# Revision-code decoding (official table, raspberrypi/documentation revision-codes.adoc)
# ---------------------------------------------------------------------------

NEW_STYLE_TYPES = {
    0x00: "A", 0x01: "B", 0x02: "A+", 0x03: "B+", 0x04: "2B", 0x05: "Alpha",
    0x06: "CM1", 0x08: "3B", 0x09: "Zero", 0x0A: "CM3", 0x0C: "Zero W",
    0x0D: "3B+", 0x0E: "3A+", 0x10: "CM3+", 0x11: "4B", 0x12: "Zero 2 W",
    0x13: "400", 0x14: "CM4", 0x15: "CM4S", 0x17: "5", 0x18: "CM5",
    0x19: "500", 0x1A: "CM5 Lite", 0x1B: "CM0",
}
NEW_STYLE_MEMORY_MB = {0: 256, 1: 512, 2: 1024, 3: 2048, 4: 4096, 5: 8192, 6: 16384}
PROCESSORS = {0: "bcm2835", 1: "bcm2836", 2: "bcm2837", 3: "bcm2711", 4: "bcm2712"}
# Old-style codes (0002..0015) used by this file: code -> (model, memory MB).
OLD_STYLE = {0x000E: ("B", 512)}


def decode_revision(code):
    """-> (revisionName, memoryMB, processor name or None)."""
    if code & (1 << 23):
        rtype = (code >> 4) & 0xFF
        mem = (code >> 20) & 0x7
        proc = (code >> 12) & 0xF
        return NEW_STYLE_TYPES[rtype], NEW_STYLE_MEMORY_MB[mem], PROCESSORS[proc]
    name, mem = OLD_STYLE[code & 0xFFFFFF]
    return name, mem, "bcm2835"


LAYOUT = {"bcm2835": "bcm2835", "bcm2836": "bcm2835", "bcm2837": "bcm2835",
          "bcm2711": "bcm2711", "bcm2712": "rp1"}
# Names the SoCs had in early device trees: the Pi 4's rpi-4.19 kernels said brcm,bcm2838
# (arch/arm/boot/dts/bcm2838.dtsi) before it became brcm,bcm2711 upstream.
SOC_ALIAS = {"bcm2838": "bcm2711"}

# ---------------------------------------------------------------------------
# /proc/cpuinfo, in the shapes real kernels print
# ---------------------------------------------------------------------------

ARM64_A53 = dict(bogomips="38.40", features="fp asimd evtstrm crc32 cpuid",
                 variant="0x0", part="0xd03", revision="4")
ARM64_A72 = dict(bogomips="108.00", features="fp asimd evtstrm crc32 cpuid",
                 variant="0x0", part="0xd08", revision="3")
ARM64_A76 = dict(bogomips="108.00",
                 features="fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp "
                          "cpuid asimdrdm lrcpc dcpop asimddp",
                 variant="0x4", part="0xd0b", revision="1")


def _pi_tail(hardware, revision, serial, model):
    out = ""
    if hardware is not None:
        out += "Hardware\t: %s\n" % hardware
    if revision is not None:
        out += "Revision\t: %s\n" % revision
    out += "Serial\t\t: %s\n" % serial
    if model is not None:
        out += "Model\t\t: %s\n" % model
    return out


def cpuinfo_arm64(cores, cpu, hardware, revision, serial, model):
    """arm64 Raspberry Pi OS kernel.  Downstream kernels before Nov 2023 print
    'Hardware : BCM2835'; raspberrypi/linux#5690 removed that line, so current
    kernels print only Revision / Serial / Model after the CPU blocks."""
    out = ""
    for n in range(cores):
        out += ("processor\t: %d\nBogoMIPS\t: %s\nFeatures\t: %s\nCPU implementer\t: 0x41\n"
                "CPU architecture: 8\nCPU variant\t: %s\nCPU part\t: %s\nCPU revision\t: %s\n\n"
                % (n, cpu["bogomips"], cpu["features"], cpu["variant"], cpu["part"], cpu["revision"]))
    return out + _pi_tail(hardware, revision, serial, model)


def cpuinfo_arm32(cores, model_name, bogomips, features, part, cpu_rev,
                  hardware, revision, serial, model):
    """32-bit ARM Raspberry Pi OS kernel (features are printed with a trailing space)."""
    out = ""
    for n in range(cores):
        out += ("processor\t: %d\nmodel name\t: %s\nBogoMIPS\t: %s\nFeatures\t: %s \n"
                "CPU implementer\t: 0x41\nCPU architecture: 7\nCPU variant\t: 0x0\n"
                "CPU part\t: %s\nCPU revision\t: %s\n\n"
                % (n, model_name, bogomips, features, part, cpu_rev))
    return out + _pi_tail(hardware, revision, serial, model)


ARMV6 = dict(cores=1, model_name="ARMv6-compatible processor rev 7 (v6l)", bogomips="697.95",
             features="half thumb fastmult vfp edsp java tls", part="0xb76", cpu_rev="7")
ARMV7_A7 = dict(cores=4, model_name="ARMv7 Processor rev 5 (v7l)", bogomips="38.40",
                features="half thumb fastmult vfp edsp neon vfpv3 tls vfpv4 idiva idivt vfpd32 lpae evtstrm",
                part="0xc07", cpu_rev="5")
ARMV7_A72 = dict(cores=4, model_name="ARMv7 Processor rev 3 (v7l)", bogomips="144.00",
                 features="half thumb fastmult vfp edsp neon vfpv3 tls vfpv4 idiva idivt vfpd32 lpae evtstrm crc32",
                 part="0xd08", cpu_rev="3")

# An x86_64 machine (AMD EPYC VM): the shape of /proc/cpuinfo on the machine these fixtures were
# written on.  No Hardware / Revision / Serial lines.
X86_FLAGS = ("fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr "
             "sse sse2 ht syscall nx mmxext fxsr_opt pdpe1gb rdtscp lm constant_tsc rep_good nopl "
             "xtopology nonstop_tsc cpuid extd_apicid tsc_known_freq pni pclmulqdq ssse3 fma cx16 pcid "
             "sse4_1 sse4_2 x2apic movbe popcnt tsc_deadline_timer aes xsave avx f16c rdrand hypervisor "
             "lahf_lm cmp_legacy cr8_legacy abm sse4a misalignsse 3dnowprefetch osvw topoext vmmcall "
             "fsgsbase tsc_adjust bmi1 avx2 smep bmi2 erms invpcid rdseed adx smap clflushopt clwb "
             "sha_ni xsaveopt xsavec xgetbv1 xsaves clzero xsaveerptr arat umip vaes vpclmulqdq rdpid fsrm")


def cpuinfo_x86():
    out = ""
    for n in range(2):
        out += ("processor\t: %d\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel\t\t: 1\n"
                "model name\t: AMD EPYC\nstepping\t: 1\nmicrocode\t: 0x1000065\ncpu MHz\t\t: 2445.426\n"
                "cache size\t: 512 KB\nphysical id\t: 0\nsiblings\t: 2\ncore id\t\t: %d\ncpu cores\t: 2\n"
                "apicid\t\t: %d\ninitial apicid\t: %d\nfpu\t\t: yes\nfpu_exception\t: yes\n"
                "cpuid level\t: 13\nwp\t\t: yes\nflags\t\t: %s\n"
                "bugs\t\t: sysret_ss_attrs null_seg spectre_v1 spectre_v2 spec_store_bypass srso spectre_v2_user\n"
                "bogomips\t: 4890.85\nTLB size\t: 2560 4K pages\nclflush size\t: 64\ncache_alignment\t: 64\n"
                "address sizes\t: 48 bits physical, 48 bits virtual\npower management:\n\n"
                % (n, n, n, n, X86_FLAGS))
    return out


def cpuinfo_rk3328():
    """Mainline arm64 kernel on a Rockchip RK3328 (4x Cortex-A53): no Hardware/Revision lines."""
    out = ""
    for n in range(4):
        out += ("processor\t: %d\nBogoMIPS\t: 48.00\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 cpuid\n"
                "CPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x0\nCPU part\t: 0xd03\n"
                "CPU revision\t: 4\n\n" % n)
    return out

# ---------------------------------------------------------------------------
# The boards
# ---------------------------------------------------------------------------


def pi_board(model, compatible, ranges, cpuinfo, revision_code, peripheral_base,
             soc_node="soc"):
    """Files and expected.json for a real Raspberry Pi."""
    name, mem, proc = decode_revision(revision_code)
    soc = compatible[-1].split(",", 1)[1]            # "brcm,bcm2711" -> "bcm2711"
    soc = SOC_ALIAS.get(soc, soc)
    assert soc == proc, (model, soc, proc)           # DT and revision code agree
    files = {
        "proc/device-tree/compatible": strlist(*compatible),
        "proc/device-tree/model": dtstring(model),
        "proc/device-tree/%s/ranges" % soc_node: ranges,
        "proc/cpuinfo": cpuinfo.encode("ascii"),
    }
    expected = {
        "model": model,
        "compatible0": compatible[0],
        "soc": soc,
        "layout": LAYOUT[soc],
        "revision": "0x%x" % revision_code,
        "revisionName": name,
        "memoryMB": mem,
        "peripheralBase": None if peripheral_base is None else "0x%x" % peripheral_base,
        "error": None,
    }
    return files, expected


def failure(error):
    return {"model": None, "compatible0": None, "soc": None, "layout": None, "revision": None,
            "revisionName": None, "memoryMB": None, "peripheralBase": None, "error": error}


def build():
    boards = {}

    boards["pi1-model-b"] = pi_board(
        "Raspberry Pi Model B Rev 2", ["raspberrypi,model-b", "brcm,bcm2835"], RANGES_BCM2835,
        cpuinfo_arm32(**ARMV6, hardware="BCM2835", revision="000e",
                      serial="00000000c0ffee01", model="Raspberry Pi Model B Rev 2"),
        0x000E, 0x20000000)

    boards["pi-zero-w"] = pi_board(
        "Raspberry Pi Zero W Rev 1.1", ["raspberrypi,model-zero-w", "brcm,bcm2835"], RANGES_BCM2835,
        cpuinfo_arm32(**ARMV6, hardware="BCM2835", revision="9000c1",
                      serial="00000000c0ffee02", model="Raspberry Pi Zero W Rev 1.1"),
        0x9000C1, 0x20000000)

    boards["pi2-model-b"] = pi_board(
        "Raspberry Pi 2 Model B Rev 1.1", ["raspberrypi,2-model-b", "brcm,bcm2836"], RANGES_BCM2836_7,
        cpuinfo_arm32(**ARMV7_A7, hardware="BCM2835", revision="a01041",
                      serial="00000000c0ffee03", model="Raspberry Pi 2 Model B Rev 1.1"),
        0xA01041, 0x3F000000)

    boards["pi3-model-b"] = pi_board(
        "Raspberry Pi 3 Model B Rev 1.2", ["raspberrypi,3-model-b", "brcm,bcm2837"], RANGES_BCM2836_7,
        cpuinfo_arm64(4, ARM64_A53, hardware="BCM2835", revision="a02082",
                      serial="00000000c0ffee04", model="Raspberry Pi 3 Model B Rev 1.2"),
        0xA02082, 0x3F000000)

    boards["pi3-model-b-plus"] = pi_board(
        "Raspberry Pi 3 Model B Plus Rev 1.3", ["raspberrypi,3-model-b-plus", "brcm,bcm2837"],
        RANGES_BCM2836_7,
        cpuinfo_arm64(4, ARM64_A53, hardware="BCM2835", revision="a020d3",
                      serial="00000000c0ffee05", model="Raspberry Pi 3 Model B Plus Rev 1.3"),
        0xA020D3, 0x3F000000)

    boards["pi-zero-2-w"] = pi_board(
        "Raspberry Pi Zero 2 W Rev 1.0", ["raspberrypi,model-zero-2-w", "brcm,bcm2837"],
        RANGES_BCM2836_7,
        cpuinfo_arm64(4, ARM64_A53, hardware="BCM2835", revision="902120",
                      serial="00000000c0ffee06", model="Raspberry Pi Zero 2 W Rev 1.0"),
        0x902120, 0x3F000000)

    pi4_model = "Raspberry Pi 4 Model B Rev 1.4"
    pi4_compat = ["raspberrypi,4-model-b", "brcm,bcm2711"]
    pi4_cpuinfo = cpuinfo_arm64(4, ARM64_A72, hardware=None, revision="c03114",
                                serial="10000000c0ffee07", model=pi4_model)
    boards["pi4-model-b"] = pi_board(pi4_model, pi4_compat, RANGES_BCM2711, pi4_cpuinfo,
                                     0xC03114, 0xFE000000)

    # The same board family on a 2019 rpi-4.19 kernel (Raspbian Buster, 32-bit): the SoC's
    # compatible was still brcm,bcm2838 and every core printed "Hardware : BCM2835".
    boards["pi4-model-b-4.19"] = pi_board(
        "Raspberry Pi 4 Model B Rev 1.1", ["raspberrypi,4-model-b", "brcm,bcm2838"], RANGES_BCM2711,
        cpuinfo_arm32(**ARMV7_A72, hardware="BCM2835", revision="c03111",
                      serial="10000000c0ffee0b", model="Raspberry Pi 4 Model B Rev 1.1"),
        0xC03111, 0xFE000000)

    boards["pi400"] = pi_board(
        "Raspberry Pi 400 Rev 1.0", ["raspberrypi,400", "brcm,bcm2711"], RANGES_BCM2711,
        cpuinfo_arm64(4, ARM64_A72, hardware=None, revision="c03130",
                      serial="10000000c0ffee08", model="Raspberry Pi 400 Rev 1.0"),
        0xC03130, 0xFE000000)

    boards["cm4"] = pi_board(
        "Raspberry Pi Compute Module 4 Rev 1.0", ["raspberrypi,4-compute-module", "brcm,bcm2711"],
        RANGES_BCM2711,
        cpuinfo_arm32(**ARMV7_A72, hardware="BCM2711", revision="b03140",
                      serial="10000000c0ffee09", model="Raspberry Pi Compute Module 4 Rev 1.0"),
        0xB03140, 0xFE000000)

    pi5_model = "Raspberry Pi 5 Model B Rev 1.0"
    pi5_compat = ["raspberrypi,5-model-b", "brcm,bcm2712"]
    pi5_cpuinfo = cpuinfo_arm64(4, ARM64_A76, hardware=None, revision="d04170",
                                serial="c0ffee0a5a5a5a5a", model=pi5_model)
    # rpi-6.6.y kernel: /proc/device-tree/soc/ranges exists but its "base" is meaningless.
    boards["pi5-model-b"] = pi_board(pi5_model, pi5_compat, RANGES_BCM2712_V66, pi5_cpuinfo,
                                     0xD04170, None)
    # rpi-6.12.y kernel: the soc node carries its unit address, so there is no soc/ranges at all.
    boards["pi5-model-b-6.12"] = pi_board(pi5_model, pi5_compat, RANGES_BCM2712_V612, pi5_cpuinfo,
                                          0xD04170, None, soc_node="soc@107c000000")

    boards["x86-pc"] = ({"proc/cpuinfo": cpuinfo_x86().encode("ascii")}, failure("notPi"))

    boards["arm-not-pi"] = ({
        "proc/device-tree/compatible": strlist("pine64,rock64", "rockchip,rk3328"),
        "proc/device-tree/model": dtstring("Pine64 Rock64"),
        "proc/cpuinfo": cpuinfo_rk3328().encode("ascii"),
    }, failure("notPi"))

    # --- malformed variants of real boards --------------------------------------------------
    pi3_files, _ = boards["pi3-model-b"]
    pi4_files, _ = boards["pi4-model-b"]

    f = dict(pi4_files)
    f["proc/device-tree/compatible"] = strlist(*pi4_compat)[:-1]        # final NUL missing
    boards["bad-compatible-unterminated"] = (f, failure("malformed"))

    f = dict(pi3_files)
    f["proc/device-tree/soc/ranges"] = RANGES_BCM2836_7[:6]               # 6 bytes
    boards["bad-ranges-short"] = (f, failure("malformed"))

    f = dict(pi3_files)
    f["proc/device-tree/model"] = b""                                     # zero bytes
    boards["bad-model-empty"] = (f, failure("malformed"))

    f = dict(pi4_files)
    f["proc/cpuinfo"] = pi4_files["proc/cpuinfo"].replace(b"Revision\t: c03114\n", b"Revision\t: zzzz\n")
    assert f["proc/cpuinfo"] != pi4_files["proc/cpuinfo"]
    boards["bad-revision-garbage"] = (f, failure("malformed"))

    # A Revision line with no code, only blanks (found by Tests/Fuzz/fuzz-board.c: it read as
    # revision 0, "absent"), and one whose code is on the next line (strtoul skipped the newline).
    f = dict(pi4_files)
    f["proc/cpuinfo"] = pi4_files["proc/cpuinfo"].replace(b"Revision\t: c03114\n", b"Revision\t: \n")
    assert f["proc/cpuinfo"] != pi4_files["proc/cpuinfo"]
    boards["bad-revision-empty"] = (f, failure("malformed"))
    f = dict(pi4_files)
    f["proc/cpuinfo"] = pi4_files["proc/cpuinfo"].replace(b"Revision\t: c03114\n", b"Revision\t:\nc03114\n")
    assert f["proc/cpuinfo"] != pi4_files["proc/cpuinfo"]
    boards["bad-revision-next-line"] = (f, failure("malformed"))

    f = dict(pi4_files)
    f["proc/device-tree/compatible"] = b""                                # zero bytes
    boards["bad-compatible-empty"] = (f, failure("malformed"))

    return boards


EXPECTED_KEYS = ["model", "compatible0", "soc", "layout", "revision", "revisionName",
                 "memoryMB", "peripheralBase", "error"]


def write(out_dir, boards):
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, (files, expected) in boards.items():
        assert list(expected) == EXPECTED_KEYS, name
        board_dir = out_dir / name
        if board_dir.exists():
            shutil.rmtree(board_dir)
        for rel, data in files.items():
            path = board_dir / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        (board_dir / "expected.json").write_text(json.dumps(expected, indent=2) + "\n", encoding="ascii")


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory (default: %(default)s)")
    args = parser.parse_args(argv)
    boards = build()
    write(args.out, boards)
    for name in boards:
        print(args.out / name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
