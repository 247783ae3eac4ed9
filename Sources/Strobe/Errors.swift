import SystemPackage

/// Everything that can go wrong in Strobe, each case with a message that says what to do.
public enum StrobeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The pin number does not exist on this layout.
    case invalidPin(Int, layout: Layout)
    /// The pin is already claimed by another handle in this process.
    case pinInUse(Int)
    /// The line number does not exist on this GPIO chip (kernel backends).
    case invalidLine(Int, chip: String, count: Int)
    /// The kernel or another process holds the line.
    case lineBusy(Int, detail: String)
    /// The register backend refuses the pin: the kernel has given it to a driver (the device
    /// tree's enabled device, or a line the kernel reports as used). See ``KernelPinOwner``.
    case kernelOwned(KernelPinOwner)
    /// The backend cannot do what was asked (a pull through sysfs, keeping a libgpiod line…).
    case unsupported(String)
    /// The layout has no such function for this pin (a reserved ALT, a0–a8 out of range on RP1…).
    case unsupportedFunction(PinFunction, pin: Int, layout: Layout)
    /// This machine is not a Raspberry Pi (or one Strobe does not know).
    case notRaspberryPi(detail: String)
    /// A device-tree or cpuinfo file exists but does not hold what the kernel writes there.
    case malformedDeviceTree(detail: String)
    /// The mapping device does not exist.
    case deviceMissing(path: String)
    /// The mapping device exists but this user may not open it.
    case permissionDenied(path: String)
    /// Any other failed system call, with the path it was about.
    case system(operation: String, path: String, errno: Errno)
    /// An argument outside what the operation accepts.
    case invalidArgument(String)
    /// A number outside the range an operation accepts, or one that isn't finite: `parameter`
    /// names it (`"frequency"`, `"--hz"`), `value` is what was given as text, and `range` the
    /// accepted range in words (`"1 Hz…1 GHz"`). Also thrown when a sum of times (a deadline,
    /// virtual time moved forward) would pass what 64-bit nanoseconds hold.
    case outOfRange(parameter: String, value: String, range: String)
    /// The pin's claim has ended (``GPIOController/releaseAll()``, a termination signal) while
    /// its handle lived on: the handle no longer owns the line.
    case pinReleased(Int)
    /// An I2C target did not acknowledge: `byteIndex` nil when its address went unanswered,
    /// otherwise the index of the refused byte among those the transaction wrote.
    case i2cNack(address: Int, byteIndex: Int?)
    /// A target held SCL low (clock stretching, UM10204 3.1.9) for longer than the bus's
    /// stretch timeout; `address` is the target being talked to, if any.
    case i2cClockStretchTimeout(address: Int?, waited: Duration)
    /// SDA or SCL is held low and bus recovery (nine clocks and a STOP, UM10204 3.1.16) didn't
    /// free it, or another master took the bus; the text names the line and the fix.
    case i2cBusStuck(String)

    /// A one-line message naming the pin or path and the fix.
    public var description: String {
        switch self {
        case .invalidPin(let pin, let layout):
            return "GPIO \(pin) does not exist on \(layout): valid pins are 0–\(layout.pinCount - 1)"
        case .pinInUse(let pin):
            return "GPIO \(pin) is already claimed in this process; release the other handle first"
        case .invalidLine(let line, let chip, let count):
            return "GPIO \(line) does not exist on \(chip): valid lines are 0–\(count - 1)"
        case .lineBusy(let line, let detail):
            return "GPIO \(line) is busy: \(detail)"
        case .kernelOwned(let owner):
            let fix = owner.source == .deviceTree
                ? "disable that device (its dtparam/dtoverlay in config.txt) or choose another pin"
                : "stop whatever holds the line (gpioinfo names it) or choose another pin"
            return "GPIO \(owner.pin) belongs to \(owner.owner) (\(owner.detail)): the kernel gave it to a driver; \(fix), or open the board with kernelPins: .override to take it anyway"
        case .unsupported(let text):
            return text
        case .unsupportedFunction(let function, let pin, let layout):
            switch (function, layout) {
            case (.alt(let n), .rp1) where n < 0 || n >= layout.altCount:
                return "RP1 has functions a0–a8 only, so \(function) cannot be selected for GPIO \(pin)"
            case (.alt(let n), _) where n < 0 || n >= layout.altCount:
                return "\(layout) has ALT0–ALT5 only, so \(function) cannot be selected for GPIO \(pin)"
            case (.alt, _):
                return "GPIO \(pin) has no \(function) on \(layout): the datasheet lists it as reserved (see `strobe info` for each pin's functions)"
            default:
                return "\(layout) has no function \"\(function)\" (GPIO \(pin))"
            }
        case .notRaspberryPi(let detail):
            return "not a Raspberry Pi: \(detail); off a Pi, run on the virtual bench (StrobeSimulator's Board.virtual(_:))"
        case .malformedDeviceTree(let detail):
            return "malformed device tree: \(detail)"
        case .deviceMissing(let path):
            let hint = path.hasSuffix("gpiomem0")
                ? "a Pi 5 kernel with the RP1 gpiomem driver creates it"
                : path.hasSuffix("/dev/mem") ? "the kernel must be built with /dev/mem" : "the bcm2835-gpiomem driver creates it (Raspberry Pi OS kernels have it)"
            return "\(path) does not exist: \(hint); or map /dev/mem as root, or run on the virtual bench"
        case .permissionDenied(let path):
            if path.hasSuffix("/dev/mem") {
                return "permission denied opening \(path): /dev/mem needs root (sudo), and the kernel option iomem=relaxed if a driver owns the block"
            }
            return "permission denied opening \(path): add yourself to the gpio group (sudo usermod -aG gpio $USER, then log in again) or add a udev rule: SUBSYSTEM==\"*gpiomem*\", GROUP=\"gpio\", MODE=\"0660\""
        case .system(let operation, let path, let errno):
            return "\(operation) \(path) failed: \(errno)"
        case .invalidArgument(let text):
            return text
        case .outOfRange(let parameter, let value, let range):
            return "\(parameter) \(value) is out of range: it takes \(range)"
        case .pinReleased(let pin):
            return "GPIO \(pin) was released (releaseAll or a termination signal) while its handle was still in use; claim it again"
        case .i2cNack(let address, nil):
            return "no device answered at \(i2cHex(address)): check wiring, pull-ups (SDA/SCL need them), and the address (`strobe i2c detect` lists who answers)"
        case .i2cNack(let address, let index?):
            return "the device at \(i2cHex(address)) did not acknowledge byte \(index) written (counting from 0): it refuses that register or value (see its datasheet), or it is busy (an EEPROM NACKs during its write cycle: retry after it)"
        case .i2cClockStretchTimeout(let address, let waited):
            let who = address.map { "the device at \(i2cHex($0))" } ?? "a device"
            return "\(who) held SCL low for \(formatNanoseconds(waited.clampedNanoseconds)), past the clock-stretching timeout: it is hung (reset or power-cycle it) or needs longer (raise stretchTimeout); check SCL's pull-up"
        case .i2cBusStuck(let text):
            return text
        }
    }

    /// The one way a C core return code becomes an error: `rc` when it is 0 or more (a count, a
    /// level), otherwise ``system(operation:path:errno:)`` with its errno, naming what was done to
    /// which path.
    @discardableResult
    package static func check(_ rc: Int32, _ operation: @autoclosure () -> String, _ path: @autoclosure () -> String) throws(StrobeError) -> Int32 {
        guard rc < 0 else { return rc }
        throw .system(operation: operation(), path: path(), errno: Errno(cReturn: rc))
    }

    /// What opening the libgpiod backend says in a build without it (the `Libgpiod` trait off).
    public static var libgpiodBackendMissing: StrobeError {
        .unsupported("this build of Strobe has no libgpiod backend: it was built with the package trait Libgpiod off (it is on by default; it needs libgpiod-dev)")
    }

    /// The error for a failed open or mmap of `path` with negative errno `rc` from the C core.
    static func mapping(path: String, rc: Int32) -> StrobeError {
        let errno = Errno(cReturn: rc)
        switch errno {
        case .noSuchFileOrDirectory: return .deviceMissing(path: path)
        case .permissionDenied, .notPermitted: return .permissionDenied(path: path)
        case .operationNotSupportedByDevice, .invalidArgument:
            return .invalidArgument("\(path) cannot be mapped (\(errno)): it is not a GPIO memory device; check that the path is the kernel's gpiomem device, or run on the virtual bench")
        default: return .system(operation: "mapping", path: path, errno: errno)
        }
    }
}

/// An I2C address for a message: "0x50", "0x2A5".
func i2cHex(_ address: Int) -> String { I2CAddress.hex(address, digits: address > 0x7F ? 3 : 2) }

extension Errno {
    /// The errno of a C core return code: the C core returns negative errno values.
    package init(cReturn rc: Int32) { self.init(rawValue: rc < 0 ? -rc : rc) }
}
