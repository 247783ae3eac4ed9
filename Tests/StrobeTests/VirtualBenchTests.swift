import CStrobe
import Foundation
import Testing
@testable import Strobe
@testable import StrobeSimulator

@Suite("Virtual bench")
struct VirtualBenchTests {
    @Test("write-1-to-set and write-1-to-clear touch only the written bits", arguments: [Layout.bcm2835, .bcm2711, .rp1])
    func writeOneSemantics(layout: Layout) throws {
        let board = try Board.virtual(layout)
        let a = try board.output(5), b = try board.output(6)
        a.set()
        b.set()
        #expect(board.bench!.level(of: 5) == .high && board.bench!.level(of: 6) == .high)
        a.clear()
        #expect(board.bench!.level(of: 5) == .low && board.bench!.level(of: 6) == .high, "clearing 5 leaves 6 alone")
        #expect(a.read() == .low && b.read() == .high)
    }

    @Test("an input reads what the test drives; undriven, its pull decides", arguments: [Layout.bcm2835, .bcm2711, .rp1])
    func inputsAndPulls(layout: Layout) throws {
        let board = try Board.virtual(layout)
        let bench = try #require(board.bench)
        let up = try board.input(22, pull: .up)
        var level = up.read()
        #expect(level == .high, "pull-up on a floating input")
        try bench.drive(22, to: .low)
        level = up.read()
        #expect(level == .low, "a driver beats the pull")
        try bench.undrive(22)
        level = up.read()
        #expect(level == .high)
        let down = try board.input(23, pull: .down)
        level = down.read()
        #expect(level == .low)
        try bench.drive(23, to: .high)
        let high = down.isHigh
        #expect(high)
    }

    @Test("an output drives the pin regardless of what the bench drives")
    func outputsWin() throws {
        let board = try Board.virtual(.bcm2711)
        try board.bench!.drive(4, to: .low)
        let out = try board.output(4, initial: .high)
        #expect(board.bench!.level(of: 4) == .high)
        _ = consume out
        #expect(board.bench!.level(of: 4) == .low, "back to an input, the driver shows again")
    }

    @Test("BCM2835 pulls go through GPPUD and GPPUDCLK and are latched per pin")
    func bcm2835PullSequence() throws {
        let board = try Board.virtual(.bcm2835)
        let bench = try #require(board.bench)
        #expect(bench.pull(of: 17) == .down, "reset default ([BCM2835] table 6-31)")
        try board.setPull(.up, pin: 17)
        #expect(bench.pull(of: 17) == .up)
        #expect(bench.pull(of: 18) == .down, "only the clocked pin latched")
        #expect(register(board, STROBE_BCM_GPPUD) == 0 && register(board, STROBE_BCM_GPPUDCLK0) == 0, "sequence ends with control and clock removed")
        #expect(try board.state(of: 17).pull == .up, "the bench knows what BCM2835 cannot report")
        var pull: Int32 = 0
        #expect(strobe_gpio_get_pull(board.gpio, 17, &pull) == 0 && pull == Int32(STROBE_PULL_UNKNOWN.rawValue), "the register path can't read BCM2835 pulls")
    }

    @Test("BCM2835 pull change: GPPUD, ≥ 1 µs, GPPUDCLK, ≥ 1 µs, then both removed, timed on the bench's clock")
    func bcm2835PullTiming() throws {
        let board = try Board.virtual(.bcm2835)
        let bench = try #require(board.bench)
        let start = bench.registerWriteCount
        let t0 = bench.now
        try board.setPull(.up, pin: 40)
        let pud = Int(STROBE_BCM_GPPUD), clk1 = Int(STROBE_BCM_GPPUDCLK0) + 4
        let seq = bench.registerWrites(from: start).filter { $0.offset == pud || $0.offset == clk1 }
        try #require(seq.count == 4)
        #expect(seq.map(\.offset) == [pud, clk1, pud, clk1])
        #expect(seq.map(\.value) == [STROBE_BCM_GPPUD_UP, 1 << 8, STROBE_BCM_GPPUD_OFF, 0], "GPIO 40 is bit 8 of GPPUDCLK1")
        // The kernel's pinctrl-bcm2835.c waits udelay(1) at each step; a 150-iteration loop
        // (≈ 0.5 µs on a Pi 3) would show here as no virtual time at all.
        #expect(seq[1].time - seq[0].time >= 1_000, "set-up: control stable ≥ 1 µs before the clock")
        #expect(seq[2].time - seq[1].time >= 1_000, "hold: clock held ≥ 1 µs before the control goes")
        #expect(bench.now - t0 >= 2_000 && bench.now - t0 < 3_000, "the waits are spins on the virtual clock, exact")
        #expect(bench.pull(of: 40) == .up)
    }

    @Test("the bench's clock: sleep and spin move virtual time forward to the deadline, never back")
    func virtualClock() throws {
        let bench = try VirtualBench(layout: .rp1)
        var clock = bench.clock
        #expect(clock.virtual_time)
        try bench.advance(nanoseconds: 500)
        strobe_clock_sleep_until(&clock, 2_000)
        #expect(strobe_clock_now(&clock) == 2_000 && bench.now == 2_000)
        strobe_clock_spin_until(&clock, 1_000)
        #expect(bench.now == 2_000, "a deadline in the past is no wait")
        strobe_clock_spin_for(&clock, 250)
        #expect(bench.now == 2_250)
        var real = strobe_clock_monotonic()
        #expect(!real.virtual_time)
        let r0 = strobe_clock_now(&real)
        strobe_clock_sleep_until(&real, r0 + 200_000)
        #expect(strobe_monotonic_ns() >= r0 + 200_000, "the real clock never wakes early")
        strobe_clock_spin_for(&real, 10_000)
        #expect(strobe_monotonic_ns() >= r0 + 210_000)
    }

    @Test("timespec and ns convert both ways; nothing negative becomes a huge ns count")
    func timespecConversions() {
        let ts = strobe_ns_to_timespec(3_000_000_123)
        #expect(ts.tv_sec == 3 && ts.tv_nsec == 123)
        #expect(strobe_timespec_to_ns(ts) == 3_000_000_123)
        #expect(strobe_timespec_to_ns(timespec(tv_sec: -1, tv_nsec: 0)) == 0)
        #expect(strobe_timespec_to_ns(timespec(tv_sec: 1, tv_nsec: 1_000_000_000)) == 0)
        #expect(Duration.seconds(2).clampedNanoseconds == 2_000_000_000)
        #expect(Duration.nanoseconds(-5).clampedNanoseconds == 0)
        #expect(Duration.seconds(Int64.max).clampedNanoseconds == .max)
    }

    @Test("BCM edge detect latches into GPEDS0 and clears on writing 1")
    func edgeDetect() throws {
        let board = try Board.virtual(.bcm2711)
        let bench = try #require(board.bench)
        let pin = try board.input(27, pull: .down)
        let block = strobe_gpio_block(board.gpio)!
        strobe_w32(strobe_reg(block, STROBE_BCM_GPREN0), 1 << 27)   // rising edges on 27
        #expect(register(board, STROBE_BCM_GPEDS0) & (1 << 27) == 0)
        try bench.drive(27, to: .high)
        #expect(register(board, STROBE_BCM_GPEDS0) & (1 << 27) != 0, "rising edge latched")
        try bench.drive(27, to: .low)
        #expect(register(board, STROBE_BCM_GPEDS0) & (1 << 27) != 0, "stays latched until cleared")
        strobe_w32(strobe_reg(block, STROBE_BCM_GPEDS0), 1 << 27)
        #expect(register(board, STROBE_BCM_GPEDS0) & (1 << 27) == 0, "write 1 to clear")
        strobe_w32(strobe_reg(block, STROBE_BCM_GPFEN0), 1 << 27)
        try bench.drive(27, to: .high)
        strobe_w32(strobe_reg(block, STROBE_BCM_GPEDS0), 1 << 27)
        try bench.drive(27, to: .low)
        #expect(register(board, STROBE_BCM_GPEDS0) & (1 << 27) != 0, "falling edge latched")
        _ = pin.read()
    }

    @Test("RP1 atomic aliases apply to any register: XOR, SET, CLR")
    func rp1Aliases() throws {
        let board = try Board.virtual(.rp1)
        let block = strobe_gpio_block(board.gpio)!
        let pad = strobe_rp1_pad(3)
        let before = register(board, pad)
        strobe_w32(strobe_reg(block, pad + STROBE_RP1_ALIAS_XOR), 0x30)
        #expect(register(board, pad) == before ^ 0x30)
        strobe_w32(strobe_reg(block, pad + STROBE_RP1_ALIAS_SET), 0x1)
        #expect(register(board, pad) == (before ^ 0x30) | 0x1)
        strobe_w32(strobe_reg(block, pad + STROBE_RP1_ALIAS_CLR), 0x31)
        #expect(register(board, pad) == before & ~0x31)
    }

    @Test("every pin change is recorded at its virtual time and exported as VCD")
    func recorderAndVCD() throws {
        let board = try Board.virtual(.bcm2711)
        let bench = try #require(board.bench)
        let pin = try board.output(18)
        bench.clearChanges()
        try bench.advance(nanoseconds: 1000)
        pin.set()
        try bench.advance(nanoseconds: 250)
        pin.clear()
        try bench.setStoreCost(nanoseconds: 10)
        pin.set()
        #expect(bench.changes == [
            .init(time: 1000, pin: 18, level: .high),
            .init(time: 1250, pin: 18, level: .low),
            .init(time: 1260, pin: 18, level: .high),
        ])
        #expect(bench.storeCount >= 3)
        let dir = try TempDir()
        defer { dir.cleanup() }
        let path = dir.path + "/trace.vcd"
        try bench.writeVCD(to: path)
        let vcd = try String(contentsOfFile: path, encoding: .utf8)
        #expect(vcd.contains("$timescale 1ns $end"))
        #expect(vcd.contains("$var wire 1 ! GPIO18 $end"))
        #expect(vcd.contains("#1000\n1!\n#1250\n0!\n#1260\n1!"))
    }

    @Test("stores of any width and read-modify-write instructions reach the model")
    func storeWidths() throws {
        let board = try Board.virtual(.bcm2711)
        let block = strobe_gpio_block(board.gpio)!
        let raw = UnsafeMutableRawPointer(block)
        // A byte store to GPFSEL1's top byte, then a 16-bit one, then a 64-bit one over GPFSEL2/3.
        (raw + 0x07).storeBytes(of: UInt8(0x12), as: UInt8.self)
        #expect(register(board, 0x04) >> 24 == 0x12)
        (raw + 0x04).storeBytes(of: UInt16(0xBEEF), as: UInt16.self)
        #expect(register(board, 0x04) == 0x1200_BEEF)
        (raw + 0x08).storeBytes(of: UInt64(0x0000_0008_0000_0001), as: UInt64.self)
        #expect(register(board, 0x08) == 1 && register(board, 0x0C) == 8)
        // A volatile read-modify-write the C way.
        let r = strobe_reg(block, 0x10)!
        strobe_w32(r, strobe_r32(r) | 0x40)
        #expect(register(board, 0x10) == 0x40)
    }

    @Test("state survives a save and load, and files of another layout are refused")
    func stateFiles() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let path = dir.path + "/bench.state"
        do {
            let board = try Board.virtual(.bcm2711)
            try board.drive(17, to: .high)
            try board.setPull(.up, pin: 4)
            try board.bench!.saveState(to: path)
        }
        let again = try Board.virtual(.bcm2711)
        try again.bench!.loadState(from: path)
        #expect(try again.state(of: 17) == PinState(pin: 17, function: .output, level: .high, pull: .down, functionName: nil))
        #expect(try again.state(of: 4).pull == .up)
        let other = try Board.virtual(.rp1)
        #expect(throws: StrobeError.invalidArgument("\(path) holds a virtual bench of another layout; start from the reset state, or use another state file")) {
            try other.bench!.loadState(from: path)
        }
        try "garbage".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: StrobeError.invalidArgument("\(path) is not a Strobe virtual bench state file (damaged or foreign): delete it to start from the reset state, or use another state file")) {
            try again.bench!.loadState(from: path)
        }
    }

    @Test("several benches live side by side")
    func independentBenches() throws {
        let a = try Board.virtual(.bcm2711), b = try Board.virtual(.bcm2711)
        try a.drive(17, to: .high)
        #expect(a.bench!.level(of: 17) == .high && b.bench!.level(of: 17) == .low)
    }
}
