import CStrobe
import Synchronization
import SystemPackage

/// A GPIO register block and the pins claimed from it.
///
/// Open one with ``detect(root:useDevMem:deviceRoot:)`` on a Raspberry Pi, ``ram(_:)`` for a
/// RAM-backed block with no hardware behind it (benchmarks), or — with the StrobeSimulator
/// module — `Board.virtual(_:)` for the virtual bench.
/// Claim pins with ``output(_:initial:pull:)`` and ``input(_:pull:)``; each pin has one owner
/// at a time, and releasing it restores the function and pull it had before.
///
/// Thread safety: the C core serializes read-modify-write registers with its own lock and the
/// claim table sits behind a `Mutex`, so a `Board` may be shared between threads and tasks.
public final class Board: GPIOController, @unchecked Sendable {
    /// How the register block was reached.
    public enum Access: Sendable, Hashable, CustomStringConvertible {
        /// `/dev/gpiomem` (BCM) or `/dev/gpiomem0` (RP1): no root needed, `gpio` group.
        case gpiomem(path: String)
        /// `/dev/mem` at the GPIO block's physical address: root only.
        case devmem(path: String)
        /// Simulated registers with hardware semantics (the virtual bench of StrobeSimulator).
        case virtualBench
        /// Plain RAM: stores land in memory, nothing behaves like hardware.
        case ram

        /// A short description such as "/dev/gpiomem" or "virtual bench".
        public var description: String {
            switch self {
            case .gpiomem(let path), .devmem(let path): path
            case .virtualBench: "virtual bench"
            case .ram: "RAM-backed block (no hardware)"
            }
        }
    }

    /// The register layout.
    public let layout: Layout
    /// What detection found; `nil` on the virtual bench and on RAM.
    public let info: BoardInfo?
    /// How the registers are mapped.
    public let access: Access
    /// The simulation behind the registers (the virtual bench), when it is one.
    public let simulation: (any RegisterSimulation)?
    /// The pins the kernel has given to a driver, by GPIO number (found at detection; empty on
    /// the virtual bench and on RAM). With ``KernelPinPolicy/refuse`` they can't be claimed,
    /// nor their function, pull or edge detection changed.
    public let kernelOwners: [Int: KernelPinOwner]
    /// What this board does with ``kernelOwners``.
    public let kernelPins: KernelPinPolicy

    @usableFromInline let gpio: OpaquePointer
    private let mapping: strobe_mapping?
    let claims = ClaimTable<SavedState>()

    /// What a claim remembers so that release can put the pin back.
    struct SavedState: Sendable {
        var function: PinFunction
        var pull: Pull?
        var pullChanged: Bool
    }

    private init(layout: Layout, info: BoardInfo?, access: Access, simulation: (any RegisterSimulation)?, block: UnsafeMutablePointer<UInt32>, mapping: strobe_mapping?,
                 kernelOwners: [KernelPinOwner] = [], kernelPins: KernelPinPolicy = .refuse) throws(StrobeError) {
        guard let gpio = strobe_gpio_new(layout.cValue, block) else {
            throw .system(operation: "allocating", path: "strobe_gpio", errno: .noMemory)
        }
        self.layout = layout
        self.info = info
        self.access = access
        self.simulation = simulation
        self.gpio = gpio
        self.mapping = mapping
        self.kernelOwners = Dictionary(kernelOwners.map { ($0.pin, $0) }, uniquingKeysWith: { first, _ in first })
        self.kernelPins = kernelPins
        if kernelPins == .refuse {
            strobe_gpio_set_reserved(gpio, kernelOwners.reduce(UInt64(0)) { $1.pin < 64 ? $0 | 1 << UInt64($1.pin) : $0 })
        }
    }

    deinit {
        strobe_gpio_free(gpio)
        if var m = mapping { strobe_unmap(&m) }
    }

    /// Detects the Raspberry Pi and maps its GPIO registers.
    ///
    /// - Parameters:
    ///   - root: where `/proc` is found; tests point this at a fixture tree.
    ///   - useDevMem: map `/dev/mem` (root only) instead of `/dev/gpiomem`/`/dev/gpiomem0`.
    ///   - deviceRoot: a prefix for the device paths (tests); empty for the real `/dev`.
    ///   - kernelPins: whether to refuse the pins the kernel has given to a driver (the
    ///     default) or take them anyway; see ``kernelOwners``.
    /// - Throws: ``StrobeError/notRaspberryPi(detail:)`` off a Pi,
    ///   ``StrobeError/deviceMissing(path:)`` or ``StrobeError/permissionDenied(path:)`` when
    ///   the device can't be opened.
    public static func detect(root: String = "/", useDevMem: Bool = false, deviceRoot: String = "",
                              kernelPins: KernelPinPolicy = .refuse) throws(StrobeError) -> Board {
        let info = try BoardInfo.detect(root: root)
        let owners = try KernelPinOwner.scan(root: root, layout: info.layout)
        var c = info.cValue
        var m = strobe_mapping()
        let rc = strobe_map_board(&c, useDevMem ? 1 : 0, deviceRoot, &m)
        let path = deviceRoot + (useDevMem ? "/dev/mem" : info.gpiomemPath)
        guard rc == 0, let block = m.block else { throw StrobeError.mapping(path: path, rc: rc) }
        return try Board(layout: info.layout, info: info, access: useDevMem ? .devmem(path: path) : .gpiomem(path: path),
                         simulation: nil, block: UnsafeMutablePointer(mutating: block), mapping: m,
                         kernelOwners: owners, kernelPins: kernelPins)
    }

    /// A board whose registers are `simulation`'s block: driver code runs against it exactly as
    /// against hardware (StrobeSimulator's `Board.virtual(_:)` is the usual way in).
    public static func simulated(by simulation: any RegisterSimulation) throws(StrobeError) -> Board {
        let board = try Board(layout: simulation.layout, info: nil, access: .virtualBench, simulation: simulation,
                              block: simulation.registerBlock, mapping: nil)
        // Register waits (the BCM2835 pull sequence) advance simulated time; the board keeps the
        // simulation, so the clock's context outlives the handle.
        strobe_gpio_set_clock(board.gpio, simulation.clock)
        return board
    }

    /// Opens a zero-filled RAM block shaped like `layout`'s registers. Stores cost what they
    /// cost in memory and nothing answers them: this is for benchmarks off a Pi.
    public static func ram(_ layout: Layout) throws(StrobeError) -> Board {
        var m = strobe_mapping()
        let rc = strobe_map_ram(layout.cValue, &m)
        guard rc == 0, let block = m.block else { throw .system(operation: "mapping", path: "anonymous memory", errno: Errno(cReturn: rc)) }
        return try Board(layout: layout, info: nil, access: .ram, simulation: nil, block: UnsafeMutablePointer(mutating: block), mapping: m)
    }

    // MARK: GPIOController

    /// Valid GPIO numbers are `0..<pinCount`.
    public var pinCount: Int { layout.pinCount }

    /// "registers (/dev/gpiomem)", "registers (virtual bench)", …
    public var backendDescription: String { "registers (\(access))" }

    /// Claims `pin`: for an output, drives `initial` before selecting the output function so
    /// the pin never glitches; then sets `pull`. Remembers the function and pull to restore.
    public func claimLine(_ pin: Int, initial: Level?, pull: Pull?) throws(StrobeError) -> Claimed<RegisterLine> {
        let port = try claimPort(pin, initial: initial, pull: pull, token: nil)
        return Claimed(line: RegisterLine(port: port.0, gpio: gpio, pin: UInt32(pin), token: port.1), token: port.1)
    }

    private func claimPort(_ pin: Int, initial: Level?, pull: Pull?, token: UInt64?) throws(StrobeError) -> (strobe_port, UInt64) {
        try validate(pin)
        try notKernels(pin) // before anything is stored, the output latch included
        let p = UInt32(pin)
        var port = strobe_port()
        let t = try claims.claim(pin, token: token) { (t: UInt64) throws(StrobeError) -> SavedState in
            let before = try stateUnchecked(pin)
            _ = strobe_gpio_port(gpio, p, &port)
            if let initial {
                if initial.isHigh { strobe_port_set(port) } else { strobe_port_clear(port) }
            }
            let function: PinFunction = initial == nil ? .input : .output
            try check(strobe_gpio_set_function(gpio, p, function.cValue), pin: pin, function: function)
            if let pull { try check(strobe_gpio_set_pull(gpio, p, pull.cValue), pin: pin, function: function) }
            _ = strobe_gpio_set_owner(gpio, p, t)
            return SavedState(function: before.function, pull: before.pull, pullChanged: pull != nil && pull != before.pull)
        }
        return (port, t)
    }

    /// Gives `pin` back if `token`'s claim still holds it: restores its previous function and
    /// pull unless `keepState`. A pull the hardware could not report (BCM2835) is left as it is:
    /// there is nothing known to restore.
    ///
    /// A handle that outlives its claim (``releaseAll()``, a termination signal) is not left
    /// owning anything: its direction changes (``SwitchablePin``, ``OpenDrainPin``) do nothing
    /// from the moment the claim ends, and one in progress on another thread finishes before the
    /// pin is restored. Its level stores still reach GPSETn/GPCLRn — the board, and so the
    /// mapping, lives as long as any handle — where they change only the output latch of a pin
    /// that is an input again (or drive one whose function before the claim was an output).
    public func releaseLine(_ pin: Int, token: UInt64, keepState: Bool) {
        claims.release(pin, token: token) { saved in
            let p = UInt32(pin)
            _ = strobe_gpio_disown(gpio, p, token)
            guard !keepState else { return }
            _ = strobe_gpio_set_function(gpio, p, saved.function.cValue)
            if saved.pullChanged, let pull = saved.pull { _ = strobe_gpio_set_pull(gpio, p, pull.cValue) }
        }
    }

    /// One store of the pin's mask to GPSETn / RIO OUT SET.
    @inlinable @inline(__always)
    public static func set(_ line: RegisterLine) { strobe_w32(line.setRegister, line.mask) }
    /// One store of the pin's mask to GPCLRn / RIO OUT CLR.
    @inlinable @inline(__always)
    public static func clear(_ line: RegisterLine) { strobe_w32(line.clearRegister, line.mask) }
    /// RP1: one store to RIO OUT XOR; BCM: a GPLEVn load and a store.
    @inlinable @inline(__always)
    public static func toggle(_ line: RegisterLine) { strobe_port_toggle(line.port) }
    /// One load of GPLEVn / RIO SYNC_IN.
    @inlinable @inline(__always)
    public static func read(_ line: RegisterLine) -> Bool { strobe_port_read(line.port) }

    /// Claims several outputs of one 32-pin bank for mask writes (one store sets or clears many).
    /// - Throws: ``StrobeError/invalidArgument(_:)`` when the pins span two banks or are empty.
    public func outputs(_ pins: [Int], initial: Level = .low) throws(StrobeError) -> OutputGroup {
        _ = try checkOutputGroup(pins, plural: "GPIOs", singular: "pin", validate: validate)
        var claimed: [Int] = []
        var mask: UInt32 = 0
        var port = strobe_port()
        var token: UInt64? = nil
        do {
            for pin in pins {
                let (p, t) = try claimPort(pin, initial: initial, pull: nil, token: token)
                port = p
                token = t
                claimed.append(pin)
                mask |= port.mask
            }
        } catch {
            for pin in claimed { releaseLine(pin, token: token!, keepState: false) }
            throw error
        }
        port.mask = mask
        return OutputGroup(board: self, pins: pins, port: port, token: token!)
    }

    /// The pins claimed in this process, in ascending order.
    public var claimedPins: [Int] { claims.all.map(\.pin) }

    /// Releases every claimed pin, restoring each one's previous state. Handles still held
    /// afterwards no longer own their pins.
    public func releaseAll() {
        for (pin, token) in claims.all { releaseLine(pin, token: token, keepState: false) }
    }

    // MARK: Direct register operations (for pins nobody claimed)

    /// Selects `function` for `pin` (GPFSELn / RP1 FUNCSEL), as `pinctrl set` does.
    /// - Throws: ``StrobeError/unsupportedFunction(_:pin:layout:)`` when the SoC lacks it,
    ///   ``StrobeError/pinInUse(_:)`` when a handle in this process owns the pin.
    public func setFunction(_ function: PinFunction, pin: Int) throws(StrobeError) {
        try validate(pin)
        try validate(function, pin: pin)
        try notKernels(pin)
        try unclaimed(pin)
        try check(strobe_gpio_set_function(gpio, UInt32(pin), function.cValue), pin: pin, function: function)
    }

    /// Sets the pull of `pin` (BCM2835: the GPPUD/GPPUDCLK sequence; BCM2711: its 2-bit field;
    /// RP1: the pad's PUE/PDE bits).
    public func setPull(_ pull: Pull, pin: Int) throws(StrobeError) {
        try validate(pin)
        try notKernels(pin)
        try unclaimed(pin)
        try check(strobe_gpio_set_pull(gpio, UInt32(pin), pull.cValue), pin: pin, function: nil)
    }

    /// Drives `pin` to `level` as an output and leaves it so, as `pinctrl set N op dh|dl` does.
    public func drive(_ pin: Int, to level: Level) throws(StrobeError) {
        let out = try output(pin, initial: level)
        out.keep()
    }

    /// The level on `pin` (GPLEVn / RIO SYNC_IN).
    public func read(_ pin: Int) throws(StrobeError) -> Level {
        try validate(pin)
        var port = strobe_port()
        _ = strobe_gpio_port(gpio, UInt32(pin), &port)
        return Level(strobe_port_read(port))
    }

    /// Function, level and pull of `pin`.
    public func state(of pin: Int) throws(StrobeError) -> PinState {
        try validate(pin)
        return try stateUnchecked(pin)
    }

    /// The state of every pin of the layout.
    public func states() -> [PinState] {
        (0..<layout.pinCount).compactMap { try? stateUnchecked($0) }
    }

    func stateUnchecked(_ pin: Int) throws(StrobeError) -> PinState {
        var s = strobe_pin_state()
        try check(strobe_gpio_pin_state(gpio, UInt32(pin), &s), pin: pin, function: nil)
        var pull = Pull(cValue: s.pull)
        if pull == nil, let simulation { pull = simulation.pull(of: pin) } // a simulation knows what silicon can't say
        let function = PinFunction(cValue: s.function)
        var name: String? = nil
        if case .alt(let n) = function { name = layout.altName(pin: pin, alt: n) }
        return PinState(pin: pin, function: function, level: Level(s.level != 0), pull: pull, functionName: name)
    }

    // MARK: Validation

    func validate(_ pin: Int) throws(StrobeError) {
        guard pin >= 0, pin < layout.pinCount else { throw .invalidPin(pin, layout: layout) }
    }

    /// Whether `function` exists for `pin` on this layout.
    public func validate(_ function: PinFunction, pin: Int) throws(StrobeError) {
        switch function {
        case .input, .output: return
        case .none:
            if layout != .rp1 { throw .unsupportedFunction(function, pin: pin, layout: layout) }
        case .alt(let n):
            guard n >= 0, n < layout.altCount, layout.altName(pin: pin, alt: n) != nil else {
                throw .unsupportedFunction(function, pin: pin, layout: layout)
            }
        }
    }

    /// Throws ``StrobeError/kernelOwned(_:)`` for a pin the kernel has given to a driver, unless
    /// the board was opened with ``KernelPinPolicy/override``.
    func notKernels(_ pin: Int) throws(StrobeError) {
        if kernelPins == .refuse, let owner = kernelOwners[pin] { throw .kernelOwned(owner) }
    }

    private func unclaimed(_ pin: Int) throws(StrobeError) {
        if claims.isClaimed(pin) { throw .pinInUse(pin) }
    }

    private func check(_ rc: Int32, pin: Int, function: PinFunction?) throws(StrobeError) {
        guard rc != 0 else { return }
        let errno = Errno(cReturn: rc)
        if errno == .invalidArgument { throw .invalidPin(pin, layout: layout) }
        if errno == .resourceBusy, let owner = kernelOwners[pin] { throw .kernelOwned(owner) }
        if errno == .notSupported, let function { throw .unsupportedFunction(function, pin: pin, layout: layout) }
        throw .system(operation: "register access for", path: "GPIO \(pin)", errno: errno)
    }
}
