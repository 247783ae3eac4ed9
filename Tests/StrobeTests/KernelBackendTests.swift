import CStrobe
import Foundation
import Testing
@testable import Strobe
@testable import StrobeSimulator

/// The Swift controllers over the kernel backends, as far as a machine without GPIO can show
/// them: sysfs on a temporary tree, libgpiod's errors. The emulated Pi 3B ring
/// (scripts/emulated-pi) runs them against real kernel drivers.
@Suite("Kernel backends in Swift")
struct KernelBackendTests {
    @Test("SysfsGPIO finds the Pi's chip and its base from sysfs, never a fixed number")
    func sysfsChip() throws {
        let fake = try FakeSysfs()
        defer { fake.dir.cleanup() }
        let gpio = try SysfsGPIO(root: fake.root)
        #expect(gpio.label == "pinctrl-bcm2835" && gpio.base == 458 && gpio.pinCount == 54)
        #expect(gpio.backendDescription == "sysfs (gpiochip458, pinctrl-bcm2835, base 458)")
        let expander = try SysfsGPIO(root: fake.root, label: "raspberrypi-exp-gpio")
        #expect(expander.base == 512)
        #expect(throws: StrobeError.unsupported("no GPIO chip labelled \"nope\" under \(fake.root)/class/gpio: the kernel lacks CONFIG_GPIO_SYSFS, or this is not a Pi; use the libgpiod backend, or the virtual bench off a Pi")) {
            _ = try SysfsGPIO(root: fake.root, label: "nope")
        }
    }

    @Test("an output pin exports base+line, writes \"high\" to direction, and sets through the value file")
    func sysfsOutput() throws {
        let fake = try FakeSysfs()
        defer { fake.dir.cleanup() }
        try fake.makeLine(458 + 17)
        let gpio = try SysfsGPIO(root: fake.root)
        do {
            let pin = try gpio.output(17, initial: .high)
            #expect(try fake.read("export") == "475")
            #expect(try fake.read("gpio475/direction") == "high", "output at its level in one write")
            pin.clear()
            #expect(try fake.read("gpio475/value").hasPrefix("0"))
            pin.set()
            #expect(try fake.read("gpio475/value").hasPrefix("1"))
            #expect(pin.read() == .high)
            #expect(throws: StrobeError.pinInUse(17)) { _ = try gpio.input(17) }
        }
        #expect(try fake.read("unexport") == "475", "dropping the pin unexports it")
        #expect(throws: StrobeError.invalidLine(54, chip: "gpiochip458 (pinctrl-bcm2835)", count: 54)) { _ = try gpio.output(54) }
        #expect(throws: StrobeError.unsupported("sysfs cannot set pull resistors (GPIO 4 pull up); use the register or libgpiod backend")) {
            _ = try gpio.input(4, pull: .up)
        }
    }

    @Test("keep() leaves a sysfs line exported")
    func sysfsKeep() throws {
        let fake = try FakeSysfs()
        defer { fake.dir.cleanup() }
        try fake.makeLine(458 + 5)
        let gpio = try SysfsGPIO(root: fake.root)
        try gpio.output(5, initial: .low).keep()
        #expect(try fake.read("unexport") == "")
    }

    @Test("a line whose files never become writable times out with the permission fix")
    func sysfsExportTimeout() throws {
        let fake = try FakeSysfs()
        defer { fake.dir.cleanup() }
        let gpio = try SysfsGPIO(root: fake.root)
        gpio.exportTimeout = .milliseconds(30)
        #expect(throws: StrobeError.permissionDenied(path: "\(fake.root)/class/gpio/gpio480")) { _ = try gpio.output(22) }
    }

    @Test("the CLI reads and drives lines through sysfs")
    func sysfsCLI() throws {
        let fake = try FakeSysfs()
        defer { fake.dir.cleanup() }
        try fake.makeLine(458 + 17)
        try fake.write("gpio475/value", "0\n")
        var r = try runStrobe(["set", "17", "1", "--backend", "sysfs", "--sysfs-root", fake.root])
        #expect(r.status == 0, "\(r.stderr)")
        // No kernel behind the fake tree turns direction "high" into value 1, so the read-back is 0.
        #expect(r.stdout == "GPIO17 = 0 (output, sysfs (gpiochip458, pinctrl-bcm2835, base 458))\n")
        #expect(try fake.read("gpio475/direction") == "high")
        r = try runStrobe(["mode", "17", "in", "--backend", "sysfs", "--sysfs-root", fake.root])
        #expect(r.status != 0 && r.stderr.contains("`strobe mode` works on the register backend"))
        r = try runStrobe(["get", "17", "--virtual", "rp1", "--backend", "libgpiod"])
        #expect(r.status != 0 && r.stderr.contains("--virtual simulates the register block"))
    }

    #if Libgpiod
    @Test("libgpiod on a machine without GPIO chips says so")
    func gpiodNoChip() throws {
        guard !FileManager.default.fileExists(atPath: "/dev/gpiochip0") else { return }  // a real chip: nothing to show here
        #expect(throws: StrobeError.unsupported("no Raspberry Pi GPIO chip (pinctrl-bcm2835, pinctrl-bcm2711 or pinctrl-rp1) in /dev: list the chips with `gpiodetect` (off a Pi, run on the virtual bench)")) {
            _ = try GpiodChip()
        }
        let r = try runStrobe(["get", "17", "--backend", "libgpiod"])
        #expect(r.status != 0 && r.stderr.hasPrefix("Error: no Raspberry Pi GPIO chip"))
    }
    #endif
}

#if Libgpiod
@Suite("libgpiod 1.6 and 2.x")
struct GpiodGenerationTests {
    @Test("the build says which libgpiod it speaks, and the library loaded at run time is of that generation")
    func generation() {
        #expect([1, 2].contains(GpiodChip.apiGeneration))
        #expect(GpiodChip.libraryVersion.hasPrefix("\(GpiodChip.apiGeneration)."))
        // scripts/test builds once against each generation and says which it expects, so a
        // build that silently found the other one fails here.
        if let want = ProcessInfo.processInfo.environment["STROBE_EXPECT_LIBGPIOD"] {
            #expect("\(GpiodChip.apiGeneration)" == want)
        }
    }

    @Test("kernel debounce: whole µs rounded up and range-checked; libgpiod 1.6 refuses it, naming the alternative")
    func debounce() throws {
        #expect(try GpiodChip.debounceMicroseconds(.zero) == 0)
        #expect(throws: StrobeError.outOfRange(parameter: "the kernel debounce", value: "-0.001 seconds", range: "0…4294967295 µs (what the kernel takes)")) {
            _ = try GpiodChip.debounceMicroseconds(.milliseconds(-1))
        }
        #expect(throws: StrobeError.self) { _ = try GpiodChip.debounceMicroseconds(.seconds(5000)) }
        if GpiodChip.apiGeneration >= 2 {
            #expect(try GpiodChip.debounceMicroseconds(.nanoseconds(1500)) == 2)
            #expect(try GpiodChip.debounceMicroseconds(.milliseconds(5)) == 5000)
        } else {
            #expect(throws: StrobeError.unsupported("kernel debounce needs libgpiod 2 (the kernel's GPIO uAPI v2); this Strobe was built against libgpiod \(GpiodChip.libraryVersion): debounce in software with `bounce` instead, or build against libgpiod 2.x")) {
                _ = try GpiodChip.debounceMicroseconds(.milliseconds(5))
            }
        }
    }
}
#endif

@Suite("Board.open(backend:)")
struct OpenBackendTests {
    func describe<C: GPIOController>(_ controller: C) throws -> String {
        let pin = try controller.output(3, initial: .high)
        return "\(controller.backendDescription): \(pin.read())"
    }

    @Test("opens each backend as a controller that generic code drives")
    func open() throws {
        #expect(try describe(Board.virtual(.rp1)) == "registers (virtual bench): 1")
        let fake = try FakeSysfs()
        defer { fake.dir.cleanup() }
        try fake.makeLine(458 + 3)
        try fake.write("gpio461/value", "1\n")
        #expect(try describe(Board.open(backend: .sysfs(root: fake.root))) == "sysfs (gpiochip458, pinctrl-bcm2835, base 458): 1")
        #expect(throws: StrobeError.self) { _ = try Board.open(backend: .registers()) }  // not a Pi
    }
}
