import CStrobe
import Histogram
import Synchronization
import SystemPackage

// MARK: - Player

/// Plays compiled waveforms on a ``Board``'s bank-0 pins, which it claims as outputs for its
/// lifetime (so no other handle can drive them; another claim throws
/// ``StrobeError/pinInUse(_:)``).
///
/// On the virtual bench the player runs in virtual time, synchronously: call
/// ``run(for:)`` or ``run(until:)`` and every edge lands exactly on schedule. On hardware or a
/// RAM block it plays on a dedicated real-time thread (SCHED_FIFO, CPU pinning and memory
/// locking where permitted; what was refused is in ``warnings``), sleeping across long gaps and
/// spinning for the final approach, and records when each block was really written:
/// ``timingReport()`` summarises those records.
///
/// Thread safety: every method takes the player's lock, so a player may be shared between
/// threads (a live ``PWM/duty`` change from one thread while another runs the bench).
public final class WavePlayer: @unchecked Sendable {
    /// Memory the real-time thread locks into RAM.
    public enum MemoryLock: Sendable, Hashable {
        /// Lock nothing.
        case none
        /// Lock the player's own state, records, waveform copies and stack (default).
        case player
        /// `mlockall` the whole process (dedicated real-time programs; never undone).
        case all
    }

    /// Player settings (the real-time ones matter only on hardware and RAM).
    public struct Options: Sendable, Hashable {
        /// A block written later than this after its time counts as late: 0…1 s. Default 10 µs.
        public var lateThreshold: Duration = .microseconds(10)
        /// SCHED_FIFO priority 1–99 to ask for; 0 does not ask. Default 50.
        public var realtimePriority: Int = 50
        /// CPU to pin the player thread to (0…1023, `CPU_SETSIZE`); nil does not pin.
        public var cpu: Int? = nil
        /// What to lock into RAM. Default ``MemoryLock/player``.
        public var lockMemory: MemoryLock = .player
        /// Timing records kept between reads (a ring): 0…16 777 216 (`STROBE_PLAYER_MAX_RECORDS`).
        /// Default 65 536.
        public var recordCapacity: Int = 65_536

        /// The defaults.
        public init() {}
    }

    /// The board whose pins the player drives.
    public let board: Board
    /// The pins the player owns (claimed as outputs), ascending.
    public let pins: [Int]
    /// `true` on the virtual bench (virtual time, synchronous), `false` on hardware and RAM
    /// (a real-time thread).
    public let isVirtual: Bool

    private let player: OpaquePointer
    private let ownedMask: UInt32
    private let lock = Mutex(())
    private var outputs: OutputGroup?
    private var released = false
    private var histogram = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 10_000_000_000, numberOfSignificantValueDigits: .three)
    private var cursor: UInt64 = 0
    private var measured: UInt64 = 0
    private var late: UInt64 = 0
    private var lost: UInt64 = 0

    /// Claims `pins` (bank 0, each driven low until a waveform starts) and makes an idle player.
    /// - Throws: ``StrobeError/invalidArgument(_:)`` for no pins, pins outside bank 0 or a pin
    ///   listed twice; ``StrobeError/outOfRange(parameter:value:range:)`` for an option outside
    ///   its range (see ``Options``); ``StrobeError/pinInUse(_:)`` when a handle already owns one.
    public init(board: Board, pins: [Int], options: Options = .init()) throws(StrobeError) {
        guard !pins.isEmpty else { throw .invalidArgument("a wave player needs at least one pin") }
        // The options first: nothing is claimed for a player that can't be made.
        let lateNs = try nanoseconds(options.lateThreshold, what: "the late threshold", maximum: 1_000_000_000)
        let priority = try Checked.int(options.realtimePriority, "the real-time priority", in: 0...99)
        let cpu = try options.cpu.map { (c) throws(StrobeError) -> Int in try Checked.int(c, "the player's CPU", in: 0...1023) } ?? -1
        let capacity = try Checked.int(options.recordCapacity, "the record capacity", in: 0...Int(STROBE_PLAYER_MAX_RECORDS))
        for pin in pins where pin < 0 || pin > 31 {
            throw .invalidArgument("GPIO\(pin) is outside bank 0 (GPIO 0–31), the only bank the waveform engine drives")
        }
        let group = try board.outputs(pins, initial: .low)
        self.board = board
        self.pins = pins.sorted()
        self.isVirtual = board.simulation != nil
        self.ownedMask = group.mask

        var port = strobe_port()
        _ = strobe_port_make(board.layout.cValue, strobe_gpio_block(board.gpio), 0, &port)
        let clock = board.simulation.map { $0.clock } ?? strobe_clock_monotonic()
        var cfg = strobe_player_config()
        strobe_player_config_init(&cfg, port.set, port.clr, clock)
        cfg.late_ns = lateNs
        cfg.record_capacity = capacity
        cfg.rt_priority = Int32(priority)
        cfg.cpu = Int32(cpu)
        cfg.lock_memory = switch options.lockMemory {
        case .none: STROBE_LOCK_NONE
        case .player: STROBE_LOCK_PLAYER
        case .all: STROBE_LOCK_ALL
        }
        var err: Int32 = 0
        guard let p = strobe_player_new(&cfg, &err) else {
            if Errno(cReturn: err) == .noMemory { throw .system(operation: "allocating", path: "a wave player", errno: .noMemory) }
            throw .invalidArgument("the wave player refused its settings (realtimePriority must be 0–99)")
        }
        self.player = p
        self.outputs = consume group
    }

    /// Claims the pins `waveform` drives and starts playing it.
    public convenience init(board: Board, playing waveform: CompiledWaveform, options: Options = .init()) throws(StrobeError) {
        try self.init(board: board, pins: waveform.pins, options: options)
        try start(waveform)
    }

    deinit {
        if !released { _ = strobe_player_release(player, 0) }
        strobe_player_free(player)
        outputs = nil // gives the pins back, restoring their previous function and pull
    }

    // MARK: Playback

    /// Starts playing `waveform` (copied): its first pass begins with a block driving every pin
    /// it drives to its initial level (on hardware after a 1 ms lead that lets the thread settle).
    /// - Throws: ``StrobeError/invalidArgument(_:)`` when the player already plays, was
    ///   released, or the waveform drives a pin the player does not own;
    ///   ``StrobeError/outOfRange(parameter:value:range:)`` when the pass would start past
    ///   ``maximumTimeNanoseconds`` (virtual time at its end).
    public func start(_ waveform: CompiledWaveform) throws(StrobeError) {
        try lock.withLock { _ throws(StrobeError) in
            try checkUsable(waveform)
            let rc = strobe_player_start(player, waveform.handle)
            if rc == -Int32(Errno.resourceBusy.rawValue) { throw .invalidArgument("the player is already playing; use swap(to:) to change the waveform") }
            try check(rc, "starting the wave player")
        }
    }

    /// Replaces the playing waveform with `waveform` at the next period boundary of the
    /// current one (a one-shot's boundary is its end): no period is shortened or stretched. A
    /// later swap before that boundary replaces this one. Idle or done, this is ``start(_:)``.
    public func swap(to waveform: CompiledWaveform) throws(StrobeError) {
        try lock.withLock { _ throws(StrobeError) in
            try checkUsable(waveform)
            try check(strobe_player_swap(player, waveform.handle), "swapping the waveform")
        }
    }

    /// Whether a swapped-in waveform still waits for its boundary.
    public var isSwapPending: Bool { lock.withLock { _ in strobe_player_swap_pending(player) } }

    /// Whether the player is playing (a one-shot that played to its end is not).
    public var isPlaying: Bool { lock.withLock { _ in strobe_player_get_state(player) == STROBE_PLAYER_PLAYING } }

    /// Clock time (ns; virtual time on the bench) at which the current pass began; 0 when idle.
    public var passStart: UInt64 { lock.withLock { _ in strobe_player_pass_start_ns(player) } }

    /// Stops playing. `atBoundary` (the default) finishes the current period first — no runt
    /// pulse, the pins end at the levels every period ends with; it blocks until then (at most
    /// one period, ≤ 1 s; on the bench it advances virtual time). Otherwise it stops before the
    /// next block and the pins keep their levels. A pending swap is dropped.
    public func stop(atBoundary: Bool = true) {
        lock.withLock { _ in
            _ = strobe_player_stop(player, atBoundary ? STROBE_STOP_AT_BOUNDARY : STROBE_STOP_NOW)
        }
    }

    /// Stops now, drives every pin to its level in `levels` (low when absent), and gives the
    /// pins back: their previous function and pull are restored, or with `keepState` they stay
    /// outputs at those levels. The player can't play afterwards; its timing report stays.
    public func release(levels: [Int: Level] = [:], keepState: Bool = false) {
        lock.withLock { _ in
            guard !released else { return }
            var high: UInt32 = 0
            for (pin, level) in levels where level.isHigh && (0..<32).contains(pin) { high |= 1 << UInt32(pin) }
            _ = strobe_player_release(player, high & ownedMask)
            drainLocked()
            released = true
            if keepState, let group = outputs.take() { group.keep() }
            outputs = nil
        }
    }

    /// Virtual bench only: plays every block due at or before virtual time `until` (ns, the
    /// bench's clock, at most ``maximumTimeNanoseconds``), then brings the clock there.
    /// - Throws: ``StrobeError/unsupported(_:)`` on hardware and RAM, where the player's thread
    ///   plays in real time; ``StrobeError/outOfRange(parameter:value:range:)`` for a time past
    ///   ``maximumTimeNanoseconds``.
    public func run(until: UInt64) throws(StrobeError) {
        try lock.withLock { _ throws(StrobeError) in
            guard isVirtual else { throw .unsupported("run(until:) plays the virtual bench in virtual time; on hardware the player's thread plays in real time") }
            _ = try Checked.int(until, "the time to run until (ns)", in: 0...maximumTimeNanoseconds)
            try check(strobe_player_run_until(player, until), "running the wave player")
        }
    }

    /// Virtual bench only: plays `duration` (0…``maximumTimeNanoseconds`` ns) of virtual time
    /// from the bench's current time.
    /// - Throws: ``StrobeError/outOfRange(parameter:value:range:)`` for a negative duration, or
    ///   one that would take virtual time past ``maximumTimeNanoseconds``.
    public func run(for duration: Duration) throws(StrobeError) {
        guard let simulation = board.simulation else { throw .unsupported("run(for:) plays the virtual bench in virtual time; on hardware the player's thread plays in real time") }
        let ns = try Checked.nanoseconds(duration, "the run time")
        try run(until: try Checked.sum(simulation.now, ns, "virtual time after the run"))
    }

    // MARK: Timing

    /// Real-time features asked for and refused, one sentence each naming the fix (empty on
    /// the virtual bench and when everything was granted).
    public var warnings: [String] {
        lock.withLock { _ in warningsLocked() }
    }

    /// Reads the records written since the last read into the timing histogram. Call it now and
    /// then during long real-time runs (the ``timingReport()`` does too), so the record ring
    /// (``Options/recordCapacity``) never overruns.
    public func collectTimings() { lock.withLock { _ in drainLocked() } }

    /// The edge-error summary of every block written since the player was made.
    public func timingReport() -> TimingReport {
        lock.withLock { _ in
            drainLocked()
            let empty = histogram.totalCount == 0
            func us(_ ns: UInt64) -> Double { empty ? 0 : Double(ns) / 1000 }
            return TimingReport(edges: measured, p50: us(histogram.valueAtPercentile(50)), p99: us(histogram.valueAtPercentile(99)),
                                p999: us(histogram.valueAtPercentile(99.9)), max: us(histogram.maxRecorded), late: late,
                                skippedPeriods: strobe_player_skipped_periods(player), lostRecords: lost, warnings: warningsLocked())
        }
    }

    private func warningsLocked() -> [String] {
        (0..<strobe_player_warning_count(player)).compactMap { strobe_player_warning(player, $0).map { String(cString: $0) } }
    }

    private func drainLocked() {
        var buf = [strobe_edge_record](repeating: strobe_edge_record(), count: 1024)
        var c = cursor
        while true {
            let before = c
            let n = buf.withUnsafeMutableBufferPointer { strobe_player_read_records(player, &c, $0.baseAddress, $0.count) }
            lost += (c - before) - UInt64(n)
            if n == 0 { break }
            for r in buf[0..<n] {
                _ = histogram.record(UInt64(Swift.max(0, strobe_edge_error_ns(r))))
                if r.flags & UInt32(STROBE_EDGE_LATE) != 0 { late += 1 }
            }
            measured += UInt64(n)
        }
        cursor = c
    }

    private func checkUsable(_ waveform: CompiledWaveform) throws(StrobeError) {
        guard !released else { throw .invalidArgument("the wave player was released; make a new one") }
        let foreign = waveform.pinMask & ~ownedMask
        if foreign != 0 {
            let list = (0..<32).filter { foreign & (1 << UInt32($0)) != 0 }.map { "GPIO\($0)" }.joined(separator: ", ")
            throw .invalidArgument("the waveform drives \(list), which this player does not own; list every pin when making the player")
        }
    }

    private func check(_ rc: Int32, _ operation: String) throws(StrobeError) {
        guard rc != 0 else { return }
        let errno = Errno(cReturn: rc)
        if errno == .invalidArgument { throw .invalidArgument("\(operation): the waveform is not compiled") }
        if errno == .overflow || errno == .outOfRange {
            throw .outOfRange(parameter: "virtual time", value: "\(board.simulation?.now ?? 0) ns",
                              range: "0…\(maximumTimeNanoseconds) ns (\(operation) would pass it)")
        }
        throw .system(operation: operation, path: "GPIO bank 0", errno: errno)
    }
}
