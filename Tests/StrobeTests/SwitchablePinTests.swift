import CStrobe
#if Libgpiod
import CStrobeGpiod
#endif
import Foundation
import Testing
@testable import Strobe
@testable import StrobeSimulator

/// The GPIO function the registers select for `pin`: BCM's 3-bit GPFSELn field, or RP1's
/// FUNCSEL (5 = SYS_RIO) with its SYS_RIO0 OE bit.
private func fsel(_ board: Board, _ pin: UInt32) -> UInt32 {
    (register(board, strobe_bcm_fsel_offset(pin)) >> strobe_bcm_fsel_shift(pin)) & 7
}
private func rp1OE(_ board: Board, _ pin: UInt32) -> Bool {
    (register(board, STROBE_RP1_SYS_RIO0 + STROBE_RP1_RIO_OE) >> pin) & 1 == 1
}
private func rp1Funcsel(_ board: Board, _ pin: UInt32) -> UInt32 {
    register(board, strobe_rp1_gpio_ctrl(pin)) & STROBE_RP1_CTRL_FUNCSEL_MASK
}

/// Whether `pin` is an output by its registers, checking that RP1 kept FUNCSEL at SYS_RIO.
private func isOutput(_ board: Board, _ pin: Int) -> Bool {
    let p = UInt32(pin)
    if board.layout == .rp1 {
        #expect(rp1Funcsel(board, p) == STROBE_RP1_FUNCSEL_SYS_RIO, "RP1 direction changes keep FUNCSEL = SYS_RIO")
        return rp1OE(board, p)
    }
    let code = fsel(board, p)
    #expect(code == STROBE_BCM_FSEL_INPUT || code == STROBE_BCM_FSEL_OUTPUT, "GPFSEL field is 000 or 001")
    return code == STROBE_BCM_FSEL_OUTPUT
}

/// A fake class/gpio tree with line `offset` of gpiochip458 ready to export, and its SysfsGPIO.
private func withSysfsLine(_ offset: Int, _ body: (FakeSysfs, SysfsGPIO) throws -> Void) throws {
    let fake = try FakeSysfs()
    defer { fake.dir.cleanup() }
    try fake.makeLine(458 + offset)
    try body(fake, try SysfsGPIO(root: fake.root))
}

@Suite("Switchable and open-drain pins")
struct SwitchablePinTests {
    static let layouts: [Layout] = [.bcm2835, .bcm2711, .rp1]

    @Test("a switchable pin's direction changes show in GPFSEL (BCM) or SYS_RIO OE (RP1), and levels follow", arguments: layouts)
    func switchDirection(layout: Layout) throws {
        let board = try Board.virtual(layout)
        let bench = try #require(board.bench)
        let pin = try board.switchable(17, as: .output(initial: .high))
        #expect(isOutput(board, 17))
        #expect(bench.level(of: 17) == .high && pin.read() == .high)
        pin.clear()
        #expect(bench.level(of: 17) == .low)
        try pin.makeInput()
        #expect(!isOutput(board, 17))
        try bench.drive(17, to: .high)
        #expect(pin.read() == .high, "as an input it reads what the bench drives")
        try bench.drive(17, to: .low)
        #expect(pin.read() == .low)
        try pin.makeOutput(.high)
        #expect(isOutput(board, 17))
        #expect(bench.level(of: 17) == .high, "the output beats the bench's driver")
        pin.write(.low)
        #expect(pin.read() == .low)
    }

    @Test("a switchable input keeps its pull across direction changes", arguments: layouts)
    func pullKept(layout: Layout) throws {
        let board = try Board.virtual(layout)
        let pin = try board.switchable(22, as: .input(pull: .up))
        #expect(pin.read() == .high, "pull-up on a floating input")
        try pin.makeOutput(.low)
        #expect(pin.read() == .low)
        try pin.makeInput()
        #expect(pin.read() == .high, "back to an input, the pull-up shows again")
        #expect(try board.state(of: 22).pull == .up)
    }

    @Test("makeOutput drives its level with no glitch to the other one", arguments: layouts)
    func noGlitch(layout: Layout) throws {
        let board = try Board.virtual(layout)
        let bench = try #require(board.bench)
        let pin = try board.switchable(5, as: .input(pull: .up))
        bench.clearChanges()
        try pin.makeOutput(.high)
        try pin.makeInput()
        #expect(bench.changes.filter { $0.pin == 5 }.isEmpty, "pulled high, driven high, released: the line never moved")
        try pin.makeOutput(.low)
        #expect(bench.changes.filter { $0.pin == 5 }.map(\.level) == [.low])
    }

    @Test("one register store per direction change: GPFSELn (BCM) or the SYS_RIO0 OE SET/CLR alias (RP1)", arguments: layouts)
    func oneStore(layout: Layout) throws {
        let board = try Board.virtual(layout)
        let bench = try #require(board.bench)
        let line = try board.openDrain(13, pull: .up)
        let start = bench.registerWriteCount
        try line.driveLow()
        let low = bench.registerWrites(from: start)
        try line.release()
        let released = bench.registerWrites(from: start).dropFirst(low.count)
        if layout == .rp1 {
            #expect(low.map(\.offset) == [Int(STROBE_RP1_SYS_RIO0 + STROBE_RP1_ALIAS_SET + STROBE_RP1_RIO_OE)])
            #expect(released.map(\.offset) == [Int(STROBE_RP1_SYS_RIO0 + STROBE_RP1_ALIAS_CLR + STROBE_RP1_RIO_OE)])
            #expect(low.map(\.value) == [1 << 13] && released.map(\.value) == [1 << 13])
        } else {
            #expect(low.map(\.offset) == [Int(strobe_bcm_fsel_offset(13))])
            #expect(released.map(\.offset) == [Int(strobe_bcm_fsel_offset(13))])
        }
    }

    @Test("open drain: released it reads high through the pull-up, driven it reads low, and the latch stays low", arguments: layouts)
    func openDrainLevels(layout: Layout) throws {
        let board = try Board.virtual(layout)
        let bench = try #require(board.bench)
        let sda = try board.openDrain(2, pull: .up)
        #expect(!isOutput(board, 2), "claimed released: an input")
        #expect(sda.read() == .high && bench.level(of: 2) == .high)
        try sda.driveLow()
        #expect(isOutput(board, 2))
        #expect(sda.read() == .low && bench.level(of: 2) == .low)
        try sda.release()
        #expect(!isOutput(board, 2))
        #expect(sda.read() == .high)
        try sda.write(.low)
        #expect(sda.read() == .low)
        try sda.write(.high)
        #expect(sda.read() == .high)
    }

    @Test("open drain: another device pulling the released line low reads low; driven low beats a device driving high", arguments: layouts)
    func openDrainSharedBus(layout: Layout) throws {
        let board = try Board.virtual(layout)
        let bench = try #require(board.bench)
        let scl = try board.openDrain(3, pull: .up)
        try bench.drive(3, to: .low)   // a slave stretching the clock
        #expect(scl.read() == .low)
        try bench.undrive(3)
        #expect(scl.read() == .high)
        try bench.drive(3, to: .high)
        try scl.driveLow()
        #expect(scl.read() == .low && bench.level(of: 3) == .low)
    }

    @Test("an open-drain pin never drives high, even if the latch was high before the claim", arguments: layouts)
    func openDrainPresetLow(layout: Layout) throws {
        let board = try Board.virtual(layout)
        let bench = try #require(board.bench)
        try board.drive(6, to: .high)  // left as an output at 1 by someone else
        let line = try board.openDrain(6, pull: .down)
        #expect(line.read() == .low, "released: an input, the pull-down decides")
        bench.clearChanges()
        try line.driveLow()
        try line.release()
        #expect(bench.changes.filter { $0.pin == 6 }.allSatisfy { $0.level == .low }, "no high edge")
    }

    @Test("dropping a switchable or open-drain pin restores the function and pull it had", arguments: layouts)
    func restore(layout: Layout) throws {
        let board = try Board.virtual(layout)
        try board.setFunction(.alt(0), pin: 8)
        try board.setPull(.down, pin: 8)
        do {
            let pin = try board.switchable(8, as: .input(pull: .up))
            try pin.makeOutput(.high)
            #expect(try board.state(of: 8).function == .output)
        }
        #expect(try board.state(of: 8).function == .alt(0))
        #expect(try board.state(of: 8).pull == .down)
        do {
            let line = try board.openDrain(8)
            try line.driveLow()
            #expect(throws: StrobeError.pinInUse(8)) { _ = try board.switchable(8, as: .input()) }
        }
        #expect(try board.state(of: 8).function == .alt(0))
        try board.switchable(8, as: .output(initial: .low)).keep()
        #expect(try board.state(of: 8).function == .output, "keep() leaves it as it is")
    }

    @Test("bad pins are clear errors, not traps", arguments: layouts)
    func badPins(layout: Layout) throws {
        let board = try Board.virtual(layout)
        #expect(throws: StrobeError.invalidPin(99, layout: layout)) { _ = try board.switchable(99, as: .input()) }
        #expect(throws: StrobeError.invalidPin(-1, layout: layout)) { _ = try board.openDrain(-1) }
        #expect(throws: StrobeError.invalidPin(layout.pinCount, layout: layout)) { _ = try board.openDrain(layout.pinCount) }
        var line = strobe_pin_state()
        #expect(strobe_gpio_set_direction(board.gpio, 99, 1) == -EINVAL)
        #expect(strobe_gpio_pin_state(board.gpio, 0, &line) == 0)
    }

    @Test("generic code drives an open-drain pin on any controller")
    func generic() throws {
        func pulse<C: GPIOController>(_ controller: C) throws -> [Level] {
            let line = try controller.openDrain(4)
            var seen = [line.read()]
            try line.driveLow()
            seen.append(line.read())
            try line.release()
            seen.append(line.read())
            return seen
        }
        let controller: any GPIOController = try Board.virtual(.rp1)
        #expect(try pulse(controller) == [.high, .low, .high])
    }

    // MARK: sysfs

    @Test("sysfs: a switchable pin writes high/low/in to gpioN/direction")
    func sysfsSwitchable() throws {
        try withSysfsLine(17) { fake, gpio in
            do {
                let pin = try gpio.switchable(17, as: .output(initial: .high))
                #expect(try fake.read("gpio475/direction") == "high")
                try pin.makeInput()
                #expect(try fake.read("gpio475/direction") == "in")
                try pin.makeOutput(.low)
                #expect(try fake.read("gpio475/direction") == "low")
                try pin.makeOutput(.high)
                #expect(try fake.read("gpio475/direction") == "high")
            }
            #expect(try fake.read("unexport") == "475")
        }
    }

    @Test("sysfs: open drain is low/in on gpioN/direction, and refuses a pull it can't set")
    func sysfsOpenDrain() throws {
        try withSysfsLine(2) { fake, gpio in
            #expect(throws: StrobeError.unsupported("sysfs cannot set pull resistors (GPIO 2 pull up); an open-drain line on sysfs needs the bus's own pull-up (pass pull: nil), or use the register or libgpiod backend")) {
                _ = try gpio.openDrain(2)
            }
            let sda = try gpio.openDrain(2, pull: nil)
            #expect(try fake.read("gpio460/direction") == "in", "claimed released")
            try sda.driveLow()
            #expect(try fake.read("gpio460/direction") == "low")
            try sda.release()
            #expect(try fake.read("gpio460/direction") == "in")
            try sda.write(.low)
            #expect(try fake.read("gpio460/direction") == "low")
            #expect(throws: StrobeError.invalidLine(54, chip: "gpiochip458 (pinctrl-bcm2835)", count: 54)) { _ = try gpio.openDrain(54, pull: nil) }
        }
    }

    @Test("sysfs: a direction the kernel refuses is a typed error naming the file")
    func sysfsDirectionError() throws {
        try withSysfsLine(9) { fake, gpio in
            let pin = try gpio.switchable(9, as: .input())
            try FileManager.default.removeItem(at: fake.url("gpio467/direction"))
            #expect(throws: StrobeError.system(operation: "writing \"low\" to", path: "\(fake.root)/class/gpio/gpio467/direction", errno: .noSuchFileOrDirectory)) {
                try pin.makeOutput(.low)
            }
        }
    }

    // MARK: libgpiod (no chip needed)

    #if Libgpiod
    @Test("libgpiod: line info and reconfigure refuse missing handles with EINVAL")
    func gpiodArguments() {
        var info = strobe_gpiod_line_info()
        #expect(strobe_gpiod_line_info_get(nil, 0, &info) == -EINVAL)
        var settings = strobe_gpiod_settings()
        #expect(strobe_gpiod_reconfigure(nil, &settings, nil) == -EINVAL)
        #expect(strobe_gpiod_line_in_use(nil, 0, nil, 0) == -EINVAL)
    }

    @Test("libgpiod: line info reads as gpioinfo prints it")
    func gpiodLineInfoText() {
        var c = strobe_gpiod_line_info()
        c.offset = 5
        c.used = 1
        c.direction = Int32(STROBE_GPIOD_OUTPUT.rawValue)
        c.drive = Int32(STROBE_GPIOD_DRIVE_OPEN_DRAIN.rawValue)
        c.bias = Int32(STROBE_GPIOD_BIAS_PULL_UP.rawValue)
        withUnsafeMutableBytes(of: &c.consumer) { raw in
            for (i, b) in "strobe".utf8.enumerated() { raw[i] = b }
        }
        let info = GpiodLineInfo(c)
        #expect(info.isOutput && info.drive == .openDrain && info.bias == .up && info.consumer == "strobe" && info.name == "")
        #expect(info.description == "line 5: unnamed \"strobe\" output open-drain pull-up")
        let free = GpiodLineInfo(strobe_gpiod_line_info())
        #expect(free.description == "line 0: unnamed unused input push-pull")
    }
    #endif
}

@Suite("strobe set --drive/--hold with hostile values")
struct SetHoldArgumentTests {
    @Test("NaN, inf, 1e300, negative, empty, and a hold of years: a short error and a non-zero exit, never a trap or a wait", arguments: [
        "nan", "inf", "1e300", "-1", "", "abc", "100000s",
    ])
    func hostileHold(value: String) throws {
        let r = try runStrobe(["set", "3", "0", "--drive", "open-drain", "--hold=\(value)", "--virtual", "bcm2711", "--fresh",
                               "--virtual-state", "/tmp/strobe-hold-test-\(getpid()).state"])
        #expect(r.status != 0 && r.status < 128, "status \(r.status) (a signal is a trap): \(r.stderr)")
        #expect(r.stderr.hasPrefix("Error: "), "\(r.stderr)")
        #expect(r.stdout.isEmpty, "nothing was held: \(r.stdout)")
    }
}
