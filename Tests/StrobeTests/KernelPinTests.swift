import CStrobe
import Foundation
import Testing
@testable import Strobe

/// A Pi 3B+ as detection sees it, with a device tree that gives pins to drivers, and a regular
/// file standing in for /dev/gpiomem (mmap of a file behaves like the device for stores).
private struct KernelTree {
    let dir: TempDir
    var root: String { dir.path + "/root" }
    var devices: String { dir.path + "/dev-root" }

    init() throws {
        dir = try TempDir()
        let fm = FileManager.default
        let fixture = fixturesDirectory.appendingPathComponent("boards/pi3-model-b-plus")
        try fm.copyItem(atPath: fixture.path, toPath: root)
        try fm.createDirectory(atPath: devices + "/dev", withIntermediateDirectories: true)
        try Data(count: 4096).write(to: URL(fileURLWithPath: devices + "/dev/gpiomem"))
        let soc = root + "/proc/device-tree/soc"
        try prop(soc + "/gpio@7e200000", "compatible", string: "brcm,bcm2835-gpio")
        // The BCM2835 binding: brcm,pins + brcm,function (FSEL codes; 2 = ALT5, 4 = ALT0).
        try group(soc + "/gpio@7e200000/uart1_gpio14", pins: [14, 15], functions: [2], phandle: 0x10)
        try group(soc + "/gpio@7e200000/sdhost_gpio48", pins: Array(48...53), functions: [4], phandle: 0x0c)
        try group(soc + "/gpio@7e200000/spi0_gpio7", pins: Array(7...11), functions: [4], phandle: 0x20)
        try group(soc + "/gpio@7e200000/gpioout", pins: [6], functions: [1], phandle: 0x21) // plain GPIO: nobody's
        try prop(soc + "/serial@7e215040", "status", string: "okay")
        try prop(soc + "/serial@7e215040", "pinctrl-names", string: "default")
        try prop(soc + "/serial@7e215040", "pinctrl-0", words: [0x10])
        try prop(soc + "/mmc@7e202000", "pinctrl-0", words: [0x0c]) // no status: enabled
        try prop(soc + "/spi@7e204000", "status", string: "disabled")
        try prop(soc + "/spi@7e204000", "pinctrl-0", words: [0x20])
        try prop(soc + "/leds", "pinctrl-0", words: [0x21])
    }

    func prop(_ node: String, _ name: String, string: String) throws {
        try prop(node, name, data: Data(string.utf8) + Data([0]))
    }
    func prop(_ node: String, _ name: String, words: [UInt32]) throws {
        try prop(node, name, data: Data(words.flatMap { w in (0..<4).map { UInt8(truncatingIfNeeded: w >> (24 - 8 * $0)) } }))
    }
    func prop(_ node: String, _ name: String, data: Data) throws {
        try FileManager.default.createDirectory(atPath: node, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: node + "/" + name))
    }
    func group(_ node: String, pins: [UInt32], functions: [UInt32], phandle: UInt32) throws {
        try prop(node, "brcm,pins", words: pins)
        try prop(node, "brcm,function", words: functions)
        try prop(node, "phandle", words: [phandle])
    }
}

@Suite("Kernel-owned pins")
struct KernelPinTests {
    @Test("detection finds the pins enabled devices take, and no others")
    func scan() throws {
        let tree = try KernelTree()
        defer { tree.dir.cleanup() }
        let board = try Board.detect(root: tree.root, deviceRoot: tree.devices)
        #expect(board.kernelOwners.keys.sorted() == [14, 15, 48, 49, 50, 51, 52, 53])
        #expect(board.kernelOwners[14] == KernelPinOwner(pin: 14, owner: "serial@7e215040", detail: "pin group uart1_gpio14, ALT5", source: .deviceTree))
        #expect(board.kernelOwners[48]?.owner == "mmc@7e202000")
        #expect(board.kernelOwners[7] == nil, "the SPI node is disabled")
        #expect(board.kernelOwners[6] == nil, "a group selecting plain GPIO gives the pin to nobody")
    }

    @Test("the register backend refuses them: claims, function, pull; a free pin works")
    func refusal() throws {
        let tree = try KernelTree()
        defer { tree.dir.cleanup() }
        let board = try Board.detect(root: tree.root, deviceRoot: tree.devices)
        let owner = try #require(board.kernelOwners[14])
        #expect(throws: StrobeError.kernelOwned(owner)) { _ = try board.output(14) }
        #expect(throws: StrobeError.kernelOwned(board.kernelOwners[15]!)) { _ = try board.input(15, pull: .up) }
        #expect(throws: StrobeError.kernelOwned(board.kernelOwners[48]!)) { try board.setFunction(.output, pin: 48) }
        #expect(throws: StrobeError.kernelOwned(board.kernelOwners[49]!)) { try board.setPull(.down, pin: 49) }
        #expect(throws: StrobeError.kernelOwned(board.kernelOwners[15]!)) { _ = try board.outputs([17, 15]) }
        #expect(board.claimedPins.isEmpty, "a refused group claim releases what it took")
        // Nothing was stored: GPFSEL1 (pins 10-19) and GPSET0 stay zero in the file.
        #expect(register(board, 0x04) == 0 && register(board, 0x1c) == 0)
        // The C core refuses too, for code that reaches it directly.
        #expect(strobe_gpio_set_function(board.gpio, 14, Int32(STROBE_FN_OUTPUT.rawValue)) == -EBUSY)
        let out = try board.output(17, initial: .high)
        #expect(try board.state(of: 17).function == .output)
        out.release()
        let text = StrobeError.kernelOwned(owner).description
        #expect(text == "GPIO 14 belongs to serial@7e215040 (pin group uart1_gpio14, ALT5): the kernel gave it to a driver; disable that device (its dtparam/dtoverlay in config.txt) or choose another pin, or open the board with kernelPins: .override to take it anyway")
    }

    @Test("kernelPins: .override takes them")
    func override() throws {
        let tree = try KernelTree()
        defer { tree.dir.cleanup() }
        let board = try Board.detect(root: tree.root, deviceRoot: tree.devices, kernelPins: .override)
        #expect(board.kernelOwners.count == 8, "the owners are still known")
        let out = try board.output(14, initial: .high)
        #expect(try board.state(of: 14).function == .output)
        out.release()
        try board.setPull(.up, pin: 48)
    }

    @Test("pin groups: both bindings parse, malformed properties are refused")
    func parseGroup() {
        var owners = [strobe_pin_owner](repeating: strobe_pin_owner(), count: 28)
        func parse(pins: [UInt8] = [], functions: [UInt8] = [], names: String? = nil, function: String? = nil) -> Int32 {
            let n = names.map { Array($0.utf8) } ?? []
            let f = function.map { Array($0.utf8) } ?? []
            return owners.withUnsafeMutableBufferPointer { table in
                pins.withUnsafeBufferPointer { p in
                    functions.withUnsafeBufferPointer { fn in
                        n.withUnsafeBufferPointer { np in
                            f.withUnsafeBufferPointer { fp in
                                np.withMemoryRebound(to: CChar.self) { npc in
                                    fp.withMemoryRebound(to: CChar.self) { fpc in
                                        strobe_owner_parse_group("g", "dev", p.baseAddress, p.count, fn.baseAddress, fn.count,
                                                                 names == nil ? nil : npc.baseAddress, npc.count,
                                                                 function == nil ? nil : fpc.baseAddress, fpc.count,
                                                                 table.baseAddress, UInt32(table.count))
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        // RP1 style: "gpio14\0gpio15\0" with function "uart0".
        #expect(parse(names: "gpio14\0gpio15\0", function: "uart0\0") == 2)
        #expect(owners[14].source == Int32(STROBE_OWNER_DEVICE_TREE.rawValue) && owners[15].source != 0)
        #expect(parse(names: "gpio4\0", function: "gpio\0") == 0, "plain GPIO")
        #expect(parse(names: "gpio5\0") == 0, "pad configuration only")
        #expect(parse(names: "gpio99\0gpio-1\0gpiox\0gpio\0", function: "spi0\0") == 0, "pins the layout lacks or can't name")
        #expect(parse(names: "gpio5", function: "spi0\0") == -EINVAL, "unterminated list")
        // BCM style: per-pin functions, one function, malformed lengths.
        #expect(parse(pins: [0, 0, 0, 2, 0, 0, 0, 3], functions: [0, 0, 0, 4, 0, 0, 0, 1]) == 1, "pin 3 is an output: nobody's")
        #expect(parse(pins: [0, 0, 0, 2, 0], functions: [0, 0, 0, 4]) == -EINVAL)
        #expect(parse(pins: [0, 0, 0, 8, 0, 0, 0, 9, 0, 0, 0, 10], functions: [0, 0, 0, 4, 0, 0, 0, 4]) == -EINVAL, "two functions for three pins")
        #expect(parse(pins: [0, 0, 0, 8], functions: [0, 0, 0, 9]) == -EINVAL, "no FSEL code 9")
        #expect(parse(pins: [0xff, 0xff, 0xff, 0xff], functions: [0, 0, 0, 4]) == 0, "a pin beyond the table")
    }

    @Test("the CLI refuses a kernel pin with the owner and --force, and --force takes it")
    func cli() throws {
        let tree = try KernelTree()
        defer { tree.dir.cleanup() }
        let target = ["--root", tree.root, "--device-root", tree.devices]
        var r = try runStrobe(["set", "14", "1"] + target, env: ["NO_COLOR": "1"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("GPIO 14 belongs to serial@7e215040 (pin group uart1_gpio14, ALT5)") && r.stderr.contains("[strobe: --force]"), "\(r.stderr)")
        r = try runStrobe(["mode", "48", "out"] + target, env: ["NO_COLOR": "1"])
        #expect(r.status != 0 && r.stderr.contains("mmc@7e202000"), "\(r.stderr)")
        r = try runStrobe(["set", "14", "1", "--force"] + target, env: ["NO_COLOR": "1"])
        #expect(r.status == 0, "\(r.stderr)")
        r = try runStrobe(["info", "--pins", "14,17"] + target, env: ["NO_COLOR": "1"])
        #expect(r.status == 0 && r.stdout.contains("kernel: serial@7e215040"), "\(r.stdout)\(r.stderr)")
    }
}
