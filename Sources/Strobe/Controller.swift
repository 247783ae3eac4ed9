import CStrobe
import Synchronization

/// Something that owns GPIO lines and drives them: the register block (``Board``: hardware,
/// the virtual bench, or RAM), the character device through libgpiod (``GpiodChip``), or
/// sysfs (``SysfsGPIO``).
///
/// Pins are generic over their controller — ``OutputPin``, ``InputPin`` — so each backend's
/// hot path specializes: `pin.set()` on an `OutputPin<Board>` is one store, on an
/// `OutputPin<GpiodChip>` one ioctl, on an `OutputPin<SysfsGPIO>` one `pwrite`. No existential
/// and no dynamic dispatch sits on that path.
public protocol GPIOController: AnyObject, Sendable {
    /// What the hot path needs for one claimed line (registers and mask, a line request, an fd).
    associatedtype Line: Sendable

    /// Valid pin numbers are `0..<pinCount`.
    var pinCount: Int { get }
    /// A short name of the backend and what it opened, e.g. "registers (/dev/gpiomem)".
    var backendDescription: String { get }

    /// Claims `pin` as an output driving `initial` (glitch-free where the backend allows), or as
    /// an input when `initial` is nil, with `pull` (nil: leave it).
    func claimLine(_ pin: Int, initial: Level?, pull: Pull?) throws(StrobeError) -> Claimed<Line>
    /// Gives back `pin` if the claim `token` still holds it; restores its previous state unless
    /// `keepState` (where the backend can).
    func releaseLine(_ pin: Int, token: UInt64, keepState: Bool)
    /// Opens an edge-event source for `pin` (it claims the pin until closed).
    func edgeSource(pin: Int, edge: Edge, pull: Pull?) throws(StrobeError) -> any EdgeSource
    /// Releases every pin claimed in this process, restoring what can be restored.
    func releaseAll()

    /// Drives the line high.
    static func set(_ line: Line)
    /// Drives the line low.
    static func clear(_ line: Line)
    /// Inverts the line.
    static func toggle(_ line: Line)
    /// The line's level.
    static func read(_ line: Line) -> Bool

    /// Claims `pin` as an open-drain output, released: an input (or a driver's open-drain
    /// output at 1) whose `pull` (nil: leave it) makes it read high while nothing pulls it low.
    /// Where the backend has an output latch (registers) it is preset low here, once, so that
    /// driving low is only a direction change.
    func claimOpenDrainLine(_ pin: Int, pull: Pull?) throws(StrobeError) -> Claimed<Line>
    /// Makes a held line an input, keeping its pull (see ``SwitchablePin/makeInput()``).
    static func makeInput(_ line: Line) throws(StrobeError)
    /// Makes a held line a push-pull output driving `level` (see ``SwitchablePin/makeOutput(_:)``).
    static func makeOutput(_ line: Line, level: Level) throws(StrobeError)
    /// Pulls a line claimed by ``claimOpenDrainLine(_:pull:)`` low (see ``OpenDrainPin/driveLow()``).
    static func openDrainLow(_ line: Line) throws(StrobeError)
    /// Lets go of a line claimed by ``claimOpenDrainLine(_:pull:)``: the pull-up, or another
    /// device pulling low, decides its level (see ``OpenDrainPin/release()``).
    static func openDrainRelease(_ line: Line) throws(StrobeError)
}

/// A line handed out by ``GPIOController/claimLine(_:initial:pull:)``, with its claim token.
public struct Claimed<Line: Sendable>: Sendable {
    /// The hot-path handle.
    public var line: Line
    /// Which claim this is, for ``GPIOController/releaseLine(_:token:keepState:)``.
    public var token: UInt64

    /// Pairs a line with its token.
    public init(line: Line, token: UInt64) {
        self.line = line
        self.token = token
    }
}

extension GPIOController {
    /// Claims `pin` as an output, driving `initial` before it becomes an output.
    /// Dropping the pin gives it back (see ``GPIOController/releaseLine(_:token:keepState:)``).
    /// - Throws: ``StrobeError/invalidPin(_:layout:)`` or ``StrobeError/invalidLine(_:chip:count:)``,
    ///   ``StrobeError/pinInUse(_:)``, ``StrobeError/lineBusy(_:detail:)``.
    public func output(_ pin: Int, initial: Level = .low, pull: Pull? = nil) throws(StrobeError) -> OutputPin<Self> {
        let claimed = try claimLine(pin, initial: initial, pull: pull)
        return OutputPin(controller: self, number: pin, claimed: claimed)
    }

    /// Claims `pin` as an input with `pull`.
    public func input(_ pin: Int, pull: Pull = .none) throws(StrobeError) -> InputPin<Self> {
        let claimed = try claimLine(pin, initial: nil, pull: pull)
        return InputPin(controller: self, number: pin, claimed: claimed)
    }

    /// Watches `pin` for edges. Events arrive through ``EdgeMonitor/events`` (an
    /// `AsyncStream`) and, when given, `onEdge` — both after the `bounce` filter: an edge within
    /// `bounce` of the last reported one, or one that would repeat the last reported level, is
    /// dropped (gpiozero's `bounce_time` rule).
    /// - Parameters:
    ///   - edge: rising, falling or both.
    ///   - pull: the pull to set on the input (nil: leave it).
    ///   - bounce: the debounce time, 0…1 h; `.zero` reports every edge.
    ///   - onEdge: called on the monitor's thread for each reported edge.
    /// - Throws: ``StrobeError/outOfRange(parameter:value:range:)`` for a negative bounce or one
    ///   over an hour (nothing is claimed), and the errors of claiming the pin.
    public func monitor(_ pin: Int, edge: Edge = .both, pull: Pull? = nil, bounce: Duration = .zero,
                        onEdge: (@Sendable (EdgeEvent) -> Void)? = nil) throws(StrobeError) -> EdgeMonitor {
        _ = try Checked.nanoseconds(bounce, "the bounce time", maximum: maximumBounceNanoseconds)
        let source = try edgeSource(pin: pin, edge: edge, pull: pull)
        return EdgeMonitor(source: source, edge: edge, bounce: bounce, onEdge: onEdge)
    }
}

/// The checks every output group makes before claiming: at least one pin, each valid (by
/// `validate`), all in one 32-wide bank, none twice; returns the first. `plural`/`singular` name
/// them in messages ("GPIOs"/"pin" for registers, "lines"/"line" for a chip).
func checkOutputGroup(_ pins: [Int], plural: String, singular: String,
                      validate: (Int) throws(StrobeError) -> Void) throws(StrobeError) -> Int {
    guard let first = pins.first else { throw .invalidArgument("an output group needs at least one pin") }
    for pin in pins { try validate(pin) }
    guard pins.allSatisfy({ $0 / 32 == first / 32 }) else {
        throw .invalidArgument("\(plural) \(pins.map(String.init).joined(separator: ", ")) span two 32-\(singular) banks; one mask write reaches one bank")
    }
    guard Set(pins).count == pins.count else { throw .invalidArgument("an output group lists a pin twice") }
    return first
}

/// Bookkeeping shared by every controller: who holds which pin, with what to restore.
final class ClaimTable<Saved: Sendable>: Sendable {
    private struct Entry { var token: UInt64; var saved: Saved }
    private struct State { var pins: [Int: Entry] = [:]; var next: UInt64 = 1 }
    private let state = Mutex(State())

    /// Runs `body` (which may throw, and returns what to remember) while `pin` is reserved, and
    /// records the claim under `token` (or a new one).
    func claim(_ pin: Int, token: UInt64? = nil, _ body: () throws(StrobeError) -> Saved) throws(StrobeError) -> UInt64 {
        try claim(pin, token: token) { (_: UInt64) throws(StrobeError) -> Saved in try body() }
    }

    /// ``claim(_:token:_:)`` whose `body` learns the token the claim will be recorded under.
    func claim(_ pin: Int, token: UInt64? = nil, _ body: (UInt64) throws(StrobeError) -> Saved) throws(StrobeError) -> UInt64 {
        try state.withLock { (s: inout State) throws(StrobeError) -> UInt64 in
            if s.pins[pin] != nil { throw .pinInUse(pin) }
            let saved = try body(token ?? s.next)
            let t = token ?? s.next
            if token == nil { s.next += 1 }
            s.pins[pin] = Entry(token: t, saved: saved)
            return t
        }
    }

    /// Removes the claim on `pin` if `token` holds it, handing its saved state to `body`.
    func release(_ pin: Int, token: UInt64, _ body: (Saved) -> Void) {
        state.withLock { s in
            guard let e = s.pins[pin], e.token == token else { return }
            s.pins[pin] = nil
            body(e.saved)
        }
    }

    /// Whether anyone in this process holds `pin`.
    func isClaimed(_ pin: Int) -> Bool { state.withLock { $0.pins[pin] != nil } }

    /// Every claim, as (pin, token).
    var all: [(pin: Int, token: UInt64)] { state.withLock { $0.pins.map { ($0.key, $0.value.token) }.sorted { $0.pin < $1.pin } } }
}

/// The ways to reach GPIO lines, for choosing one at run time (a command-line flag, a config
/// file). Code that knows its backend at compile time should call the backend's own opener
/// (``Board/detect(root:useDevMem:deviceRoot:)``, ``GpiodChip/init(_:)``,
/// ``SysfsGPIO/init(root:label:)``) and keep the concrete type.
public enum Backend: Sendable, Hashable {
    /// The register block through `/dev/gpiomem` (or `/dev/mem` when `devmem`).
    case registers(devmem: Bool = false)
    /// The character device through libgpiod; `chip` as `GpiodChip.init(_:)` takes it (builds
    /// with the `Libgpiod` trait, the default).
    case libgpiod(chip: String? = nil)
    /// `/sys/class/gpio` below `root`.
    case sysfs(root: String = "/sys")
    // The virtual bench is no case here: it lives in StrobeSimulator (`Board.virtual(_:)`), so
    // that a program choosing among the hardware backends links no simulator.
}

extension Board {
    /// Opens `backend`. The result is an existential; pass it to a generic function
    /// (`func run<C: GPIOController>(_ c: C)`) and Swift opens it, so the pin calls inside
    /// specialize as usual.
    public static func open(backend: Backend) throws(StrobeError) -> any GPIOController {
        switch backend {
        case .registers(let devmem): try Board.detect(useDevMem: devmem)
        case .libgpiod(let chip):
            #if Libgpiod
            try GpiodChip(chip)
            #else
            throw .libgpiodBackendMissing
            #endif
        case .sysfs(let root): try SysfsGPIO(root: root)
        }
    }
}
