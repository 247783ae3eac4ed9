import CStrobe
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Which edges to report.
public enum Edge: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Low to high.
    case rising
    /// High to low.
    case falling
    /// Both.
    case both

    /// "rising", "falling" or "both".
    public var description: String { rawValue }

    var cValue: Int32 {
        switch self {
        case .rising: Int32(STROBE_EDGE_RISING.rawValue)
        case .falling: Int32(STROBE_EDGE_FALLING.rawValue)
        case .both: Int32(STROBE_EDGE_BOTH.rawValue)
        }
    }

    func admits(rising: Bool) -> Bool { self == .both || (self == .rising) == rising }
}

/// One edge on one pin.
public struct EdgeEvent: Sendable, Hashable, CustomStringConvertible {
    /// The GPIO number.
    public var pin: Int
    /// `true` for low-to-high.
    public var rising: Bool
    /// When it happened, in ns: CLOCK_MONOTONIC for hardware (the kernel's own timestamp for
    /// libgpiod), virtual time on the virtual bench.
    public var timestamp: UInt64

    /// Makes an event.
    public init(pin: Int, rising: Bool, timestamp: UInt64) {
        self.pin = pin
        self.rising = rising
        self.timestamp = timestamp
    }

    /// "GPIO17 rising  at 1.250000000 s".
    public var description: String {
        let s = timestamp / 1_000_000_000, ns = timestamp % 1_000_000_000
        let frac = String(ns)
        return "GPIO\(pin) \(rising ? "rising " : "falling") at \(s).\(String(repeating: "0", count: 9 - frac.count))\(frac) s"
    }
}

/// The debounce rule: an edge is reported unless it comes within `bounce` of the last reported
/// edge, or — when both directions are watched — would report the level already reported (a
/// rising edge after a rising edge). Deterministic: it looks only at the events' own
/// timestamps, so on the virtual bench it filters in virtual time.
public struct Debouncer: Sendable {
    /// The bounce time in ns.
    public let bounce: UInt64
    /// Whether consecutive edges must alternate (true when watching both directions).
    public let alternates: Bool
    private var lastTime: UInt64?
    private var lastRising: Bool?

    /// A debouncer that drops edges within `bounce` of the last reported one, and repeats of
    /// the last reported direction when `alternates`. A negative `bounce` is 0 (every edge);
    /// one past 584 years is `UInt64.max` ns (only the first edge). The monitors refuse
    /// anything outside 0…1 h before they get here.
    public init(bounce: Duration, alternates: Bool = true) {
        self.bounce = bounce.clampedNanoseconds
        self.alternates = alternates
    }

    /// Whether to report `event`; remembers it when so.
    public mutating func accept(_ event: EdgeEvent) -> Bool {
        if alternates, let lastRising, lastRising == event.rising { return false }
        if let lastTime, bounce > 0, event.timestamp &- lastTime < bounce { return false }
        lastTime = event.timestamp
        lastRising = event.rising
        return true
    }
}

/// Where edge events come from: a file descriptor to wait on (nil: poll on a timer), and a
/// non-blocking read of what arrived. Each backend has one; it claims its pin until closed.
public protocol EdgeSource: AnyObject, Sendable {
    /// The pin it watches.
    var pin: Int { get }
    /// A descriptor that becomes readable (POLLIN) or has urgent data (POLLPRI) when events
    /// are waiting; nil to be polled every ``pollInterval``.
    var fileDescriptor: Int32? { get }
    /// How often to call ``drain()`` when there is no descriptor.
    var pollInterval: Duration { get }
    /// Reads every event waiting, without blocking.
    func drain() -> [EdgeEvent]
    /// Stops watching and gives the pin back.
    func close()
}

/// Watches one pin on a thread of its own and reports debounced edges to an `AsyncStream` and a
/// callback. Stop it with ``stop()`` (or let it go out of use: it stops in `deinit`).
public final class EdgeMonitor: Sendable {
    /// The pin watched.
    public var pin: Int { watcher.source.pin }
    /// Reported edges, in order. One consumer; ends when the monitor stops.
    public var events: AsyncStream<EdgeEvent> { watcher.events }

    // The thread holds the watcher, never the monitor: so dropping the monitor always runs
    // deinit (which stops and joins the thread), whatever the thread is doing at that moment.
    // (A thread holding the monitor, even through an unowned(unsafe) capture, which a debug
    // build retains for the length of a call, kept a monitor dropped at once alive with its pin
    // claimed — seen under ThreadSanitizer.)
    private let watcher: Watcher
    private let stopped = Atomic<Bool>(false)
    private let thread: Mutex<pthread_t?>

    init(source: any EdgeSource, edge: Edge, bounce: Duration, onEdge: (@Sendable (EdgeEvent) -> Void)?) {
        let watcher = Watcher(source: source, edge: edge, bounce: bounce, onEdge: onEdge)
        self.watcher = watcher
        thread = Mutex(startThread { watcher.run() })
    }

    deinit { stop() }

    /// Stops the thread, reports whatever had arrived up to now, ends ``events`` and gives the
    /// pin back. Safe to call more than once.
    public func stop() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        watcher.stopping.store(true, ordering: .releasing)
        if let t = thread.withLock({ $0 }) { pthread_join(t, nil) }
        watcher.finish()
    }
}

/// What a monitor's thread runs: the source, the debouncer and the stream.
private final class Watcher: @unchecked Sendable {
    // Sendable: the debouncer and the source's cursor are touched by the monitor thread, and by
    // finish() only after that thread has been joined.
    let source: any EdgeSource
    let edge: Edge
    var debouncer: Debouncer
    let onEdge: (@Sendable (EdgeEvent) -> Void)?
    let events: AsyncStream<EdgeEvent>
    let continuation: AsyncStream<EdgeEvent>.Continuation
    let stopping = Atomic<Bool>(false)

    init(source: any EdgeSource, edge: Edge, bounce: Duration, onEdge: (@Sendable (EdgeEvent) -> Void)?) {
        self.source = source
        self.edge = edge
        self.debouncer = Debouncer(bounce: bounce, alternates: edge == .both)
        self.onEdge = onEdge
        (events, continuation) = AsyncStream.makeStream(of: EdgeEvent.self, bufferingPolicy: .unbounded)
    }

    func run() {
        while !stopping.load(ordering: .acquiring) {
            if let fd = source.fileDescriptor {
                var p = pollfd(fd: fd, events: Int16(POLLIN | POLLPRI), revents: 0)
                _ = poll(&p, 1, 50)
            } else {
                strobe_sleep_ns(source.pollInterval.clampedNanoseconds)
            }
            deliver(source.drain())
        }
    }

    func deliver(_ batch: [EdgeEvent]) {
        for e in batch where edge.admits(rising: e.rising) && debouncer.accept(e) {
            onEdge?(e)
            continuation.yield(e)
        }
    }

    /// After the thread is joined: the last events, the end of the stream, the pin given back.
    func finish() {
        deliver(source.drain())
        continuation.finish()
        source.close()
    }
}

/// Starts a joinable pthread running `body`.
func startThread(_ body: @escaping () -> Void) -> pthread_t? {
    final class Box { let body: () -> Void; init(_ b: @escaping () -> Void) { body = b } }
    let box = Unmanaged.passRetained(Box(body))
    var tid = pthread_t()
    let rc = pthread_create(&tid, nil, { raw in
        let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
        box.body()
        return nil
    }, box.toOpaque())
    if rc != 0 { box.release(); return nil }
    return tid
}

// MARK: - The register source

/// Edges of a pin on the hardware register block, from the event-detect status registers
/// (GPEDSn), polled: edges between two polls collapse into one, and the timestamp is the poll's.
final class RegisterEdgeSource: EdgeSource, @unchecked Sendable {
    // Sendable: `level` is touched by the monitor thread, and by stop() after the join.
    let pin: Int
    let board: Board
    let token: UInt64
    let pollInterval: Duration
    var fileDescriptor: Int32? { nil }
    private var level: Bool

    init(board: Board, pin: Int, token: UInt64, pollInterval: Duration) {
        self.board = board
        self.pin = pin
        self.token = token
        self.pollInterval = pollInterval
        level = (try? board.read(pin))?.isHigh ?? false
    }

    func drain() -> [EdgeEvent] {
        let bit = UInt32(1) << UInt32(pin % 32)
        let seen = strobe_gpio_take_events(board.gpio, UInt32(pin / 32), bit)
        let now = (try? board.read(pin))?.isHigh ?? level
        defer { level = now }
        guard seen != 0 || now != level else { return [] }
        let t = strobe_monotonic_ns()
        // The latch says an edge happened; the level says which way it ended. A pulse that came
        // and went between two polls shows as the pair of edges it was.
        if now == level { return [EdgeEvent(pin: pin, rising: !now, timestamp: t), EdgeEvent(pin: pin, rising: now, timestamp: t)] }
        return [EdgeEvent(pin: pin, rising: now, timestamp: t)]
    }

    func close() {
        _ = strobe_gpio_enable_edges(board.gpio, UInt32(pin), Int32(STROBE_EDGE_NONE.rawValue))
        board.releaseLine(pin, token: token, keepState: false)
    }
}

extension Board {
    /// Edge events of `pin`: on a simulation (the virtual bench) from its change log (exact,
    /// simulated time); on hardware from the event-detect registers, polled every millisecond
    /// (BCM only; for interrupt-driven events use `GpiodChip`).
    public func edgeSource(pin: Int, edge: Edge, pull: Pull?) throws(StrobeError) -> any EdgeSource {
        let claimed = try claimLine(pin, initial: nil, pull: pull)
        if let simulation { return simulation.edgeSource(board: self, pin: pin, token: claimed.token) }
        return try registerEdgeSource(pin: pin, edge: edge, token: claimed.token, pollInterval: .milliseconds(1))
    }

    func registerEdgeSource(pin: Int, edge: Edge, token: UInt64, pollInterval: Duration) throws(StrobeError) -> RegisterEdgeSource {
        let rc = strobe_gpio_enable_edges(gpio, UInt32(pin), edge.cValue)
        if rc != 0 {
            releaseLine(pin, token: token, keepState: false)
            throw .invalidArgument("\(layout) register event detection is not available (RP1 keeps edge latches elsewhere); use the libgpiod backend for events on a Pi 5")
        }
        return RegisterEdgeSource(board: self, pin: pin, token: token, pollInterval: pollInterval)
    }
}
