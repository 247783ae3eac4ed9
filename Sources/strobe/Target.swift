import ArgumentParser
import SystemPackage
import Strobe
import StrobeSimulator
#if canImport(Glibc)
import Glibc
#endif

extension Layout: ExpressibleByArgument {}

/// The ways to reach GPIO lines.
enum BackendChoice: String, ExpressibleByArgument, CaseIterable {
    case registers, libgpiod, sysfs
}

/// Where a command's registers come from: the detected Pi, or the virtual bench.
struct TargetOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("How to reach the pins: registers (/dev/gpiomem, fastest), libgpiod (/dev/gpiochipN) or sysfs (/sys/class/gpio).", valueName: "registers|libgpiod|sysfs"))
    var backend: BackendChoice = .registers

    @Option(name: .long, help: ArgumentHelp("libgpiod: the chip (path, name or label; default: the Pi's GPIO controller).", valueName: "chip"))
    var chip: String?

    @Option(name: .long, help: ArgumentHelp("sysfs root (for testing).", visibility: .hidden))
    var sysfsRoot: String = "/sys"

    @Option(name: .long, help: ArgumentHelp("Run on the virtual bench with this layout instead of hardware.", valueName: "bcm2835|bcm2711|rp1"))
    var virtual: Layout?

    @Option(name: .long, help: ArgumentHelp("The virtual bench's state file, so successive commands see one bench (default: strobe-virtual-LAYOUT.state in $XDG_RUNTIME_DIR, or in /tmp/strobe-UID, a directory only you can enter).", valueName: "path"))
    var virtualState: String?

    @Flag(name: .long, help: "Start the virtual bench from its reset state (discard the state file).")
    var fresh = false

    @Flag(name: .long, help: "Map /dev/mem (root) instead of /dev/gpiomem or /dev/gpiomem0.")
    var devmem = false

    @Flag(name: .long, help: "Registers: take pins the kernel has given to a driver (the console UART, the SD card, an enabled I2C or SPI, a gpio-hog), which are refused otherwise.")
    var force = false

    /// What the register backend does with the kernel's pins.
    var kernelPins: KernelPinPolicy { force ? .override : .refuse }

    @Option(name: .long, help: ArgumentHelp("Read /proc below this directory (for testing detection).", visibility: .hidden))
    var root: String = "/"

    @Option(name: .long, help: ArgumentHelp("Prefix for the device paths (for testing mapping errors).", visibility: .hidden))
    var deviceRoot: String = ""

    func validate() throws {
        if virtual != nil, backend != .registers {
            throw ValidationError("--virtual simulates the register block; it can't be combined with --backend \(backend.rawValue)")
        }
    }

    /// Opens the chosen backend; `body` gets it as a generic controller.
    func withController<T>(_ body: (any GPIOController) throws -> T) throws -> T {
        switch backend {
        case .registers: return try withBoard { try body($0) }
        case .libgpiod: return try body(try Board.open(backend: .libgpiod(chip: chip)))
        case .sysfs: return try body(try Board.open(backend: .sysfs(root: sysfsRoot)))
        }
    }

    /// For commands that need the register block: refuses the kernel backends with the reason.
    func requireRegisters(_ command: String) throws {
        if backend != .registers {
            throw ValidationError("`strobe \(command)` works on the register backend (function select and pulls are registers); --backend \(backend.rawValue) can't do it")
        }
    }

    /// The virtual bench's state file: --virtual-state, else strobe-virtual-LAYOUT.state in
    /// $XDG_RUNTIME_DIR (per user, made by the login manager), else in /tmp/strobe-UID, a
    /// directory of our own that only this user may enter (made mode 0700, and refused when it
    /// is anything else — a planted link, someone else's, open to others).
    func statePath() throws -> String? {
        guard let virtual else { return nil }
        if let virtualState { return virtualState }
        let name = "strobe-virtual-\(virtual).state"
        if let runtime = ProcessEnv.get("XDG_RUNTIME_DIR") { return "\(runtime)/\(name)" }
        let dir = "/tmp/strobe-\(getuid())"
        if mkdir(dir, 0o700) != 0 && errno != EEXIST {
            throw StrobeError.system(operation: "making", path: dir, errno: Errno(rawValue: errno))
        }
        var st = stat()
        guard lstat(dir, &st) == 0 else { throw StrobeError.system(operation: "checking", path: dir, errno: Errno(rawValue: errno)) }
        guard (st.st_mode & S_IFMT) == S_IFDIR, st.st_uid == getuid(), st.st_mode & 0o077 == 0 else {
            throw ValidationError("\(dir) is not a directory of yours that only you can enter (a link, someone else's, or open to others): remove it, or pass --virtual-state PATH")
        }
        return "\(dir)/\(name)"
    }

    /// Opens the board; `body` runs with it, and the virtual bench's state is saved after —
    /// all under the state file's lock, so commands sharing it lose no update.
    func withBoard<T>(_ body: (Board) throws -> T) throws -> T {
        if let virtual {
            let board = try Board.virtual(virtual)
            guard let path = try statePath(), let bench = board.bench else { return try body(board) }
            return try VirtualBench.withStateLock(path) {
                if fresh { try VirtualBench.checkReplaceable(path) } else { try bench.loadState(from: path) }
                let result = try body(board)
                try bench.saveState(to: path)
                return result
            }
        }
        return try body(try Board.detect(root: root, useDevMem: devmem, deviceRoot: deviceRoot, kernelPins: kernelPins))
    }
}

enum ProcessEnv {
    static func get(_ name: String) -> String? {
        guard let v = getenv(name) else { return nil }
        let s = String(cString: v)
        return s.isEmpty ? nil : s
    }
}

/// Whether to colour output: a terminal, and NO_COLOR unset.
enum Terminal {
    static var colour: Bool { isatty(STDOUT_FILENO) != 0 && ProcessEnv.get("NO_COLOR") == nil && ProcessEnv.get("TERM") != "dumb" }
}

/// A GPIO number argument with a readable parse error.
struct PinArgument: ExpressibleByArgument {
    var value: Int
    init?(argument: String) {
        guard let v = Int(argument) else { return nil }
        value = v
    }
}

extension Level: ExpressibleByArgument {
    public init?(argument: String) {
        switch argument.lowercased() {
        case "1", "high", "hi", "on", "dh", "true": self = .high
        case "0", "low", "lo", "off", "dl", "false": self = .low
        default: return nil
        }
    }
}

extension Pull: ExpressibleByArgument {
    public init?(argument: String) {
        switch argument.lowercased() {
        case "up", "pu": self = .up
        case "down", "pd": self = .down
        case "none", "off", "pn", "no": self = .none
        default: return nil
        }
    }
}

extension PinFunction: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }
}
