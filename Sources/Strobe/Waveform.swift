import CStrobe
import Histogram
import Synchronization
import SystemPackage

// MARK: - Waveform (builder)

/// A waveform to play on bank 0 (GPIO 0–31): PWM channels, servo pulses and pulse trains, one
/// channel per pin, merged by ``compile()`` into one timeline of control blocks
/// (see ARCHITECTURE.md, "Timing").
///
/// A `Waveform` is a plain value: each builder method returns a copy with one more channel, so
/// ```swift
/// let wave = try Waveform()
///     .pwm(pin: 18, frequency: 1000, duty: 0.25)
///     .servo(pin: 17, angle: 90)
///     .compile()
/// ```
/// Channels are checked when the waveform is compiled; ``compile()`` throws
/// ``StrobeError/invalidArgument(_:)`` with the engine's own sentence (a duty outside 0…1, a
/// period shorter than the engine can keep, the same pin twice, a common period over 1 s…).
public struct Waveform: Sendable, Hashable {
    /// One channel of a waveform.
    public enum Channel: Sendable, Hashable {
        /// A PWM channel: `frequency` in Hz, `duty` and `phase` in 0…1.
        case pwm(pin: Int, frequency: Double, duty: Double, phase: Double)
        /// A servo channel: a `pulseWidth` pulse (500–2500 µs) at the start of every frame of
        /// `frequency` Hz (50 Hz for hobby servos).
        case servo(pin: Int, pulseWidth: Duration, frequency: Double)
        /// A pulse train: the pin starts at `initial` and toggles at each of `edges` (strictly
        /// increasing offsets); `loopPeriod` nil plays it once, otherwise it repeats.
        case pulseTrain(pin: Int, edges: [Duration], initial: Level, loopPeriod: Duration?)

        /// The GPIO the channel drives.
        public var pin: Int {
            switch self {
            case .pwm(let pin, _, _, _), .servo(let pin, _, _), .pulseTrain(let pin, _, _, _): pin
            }
        }
    }

    /// The channels, in the order they were added (the order does not change the timeline).
    public var channels: [Channel]
    /// Edges closer than this are refused by ``compile()``: the finest gap the player can keep.
    /// Default 2 µs (`STROBE_WAVE_DEFAULT_MIN_GAP_NS`), finer than pigpio's 5 µs DMA grid.
    public var minimumGap: Duration

    /// A waveform with `channels` (none by default).
    public init(channels: [Channel] = [], minimumGap: Duration = .nanoseconds(Int64(STROBE_WAVE_DEFAULT_MIN_GAP_NS))) {
        self.channels = channels
        self.minimumGap = minimumGap
    }

    /// This waveform plus a PWM channel on `pin`: it rises at `phase` × period and stays high
    /// for `duty` × period. Duty 0 holds the pin low and duty 1 holds it high, with no edges.
    public func pwm(pin: Int, frequency: Double, duty: Double, phase: Double = 0) -> Waveform {
        adding(.pwm(pin: pin, frequency: frequency, duty: duty, phase: phase))
    }

    /// This waveform plus a servo channel on `pin`: a `pulseWidth` pulse (500–2500 µs) at the
    /// start of every frame of `frequency` Hz.
    public func servo(pin: Int, pulseWidth: Duration, frequency: Double = STROBE_SERVO_DEFAULT_HZ) -> Waveform {
        adding(.servo(pin: pin, pulseWidth: pulseWidth, frequency: frequency))
    }

    /// This waveform plus a servo channel on `pin` at `angle` degrees (0…180), mapped linearly
    /// onto 500–2500 µs (see ``Waveform/servoPulseWidth(angle:)``). Angles outside 0…180 give
    /// pulses outside the range, which ``compile()`` refuses.
    public func servo(pin: Int, angle: Double, frequency: Double = STROBE_SERVO_DEFAULT_HZ) -> Waveform {
        servo(pin: pin, pulseWidth: Self.servoPulseWidth(angle: angle), frequency: frequency)
    }

    /// This waveform plus a pulse train on `pin`: it starts at `initial` and toggles at each of
    /// `edges`. `loopPeriod` nil plays the train once (a one-shot, which can share a waveform
    /// only with other one-shots); otherwise it repeats with that period, which must be longer
    /// than the last edge, and the number of edges must be even.
    public func pulseTrain(pin: Int, edges: [Duration], initial: Level = .low, loopPeriod: Duration? = nil) -> Waveform {
        adding(.pulseTrain(pin: pin, edges: edges, initial: initial, loopPeriod: loopPeriod))
    }

    /// The servo pulse for `angle` degrees: 0° → 500 µs, 90° → 1500 µs, 180° → 2500 µs.
    public static func servoPulseWidth(angle: Double) -> Duration {
        let us = STROBE_SERVO_MIN_US + (STROBE_SERVO_MAX_US - STROBE_SERVO_MIN_US) * angle / 180
        return .nanoseconds(Int64(clamping: Int((us * 1000).rounded())))
    }

    /// Merges the channels into one timeline.
    /// - Throws: ``StrobeError/invalidArgument(_:)`` with the engine's sentence saying what is
    ///   wrong (the first refused channel, or why the channels can't be merged).
    public func compile() throws(StrobeError) -> CompiledWaveform {
        let wave = try CompiledWaveform()
        for channel in channels { try wave.add(channel) }
        let gap = try nanoseconds(minimumGap, what: "the minimum gap")
        try callWithReason { strobe_wave_compile(wave.handle, gap, $0, $1) }
        return wave
    }

    private func adding(_ channel: Channel) -> Waveform {
        var copy = self
        copy.channels.append(channel)
        return copy
    }
}

/// A compiled waveform: the engine's sorted control blocks. Immutable; players copy it when
/// they start or swap it in, so it may be dropped as soon as that call returns.
public final class CompiledWaveform: @unchecked Sendable {
    // Sendable: after compile() the C waveform is never changed again, and its accessors only read.

    /// One control block: at `time` ns after the period starts, store `set` to the set register,
    /// then `clear` to the clear register (bit n is GPIO n).
    public struct Block: Sendable, Hashable {
        /// Offset from the start of the period, ns.
        public var time: UInt64
        /// Pins driven high.
        public var set: UInt32
        /// Pins driven low.
        public var clear: UInt32

        /// A block at `time` ns.
        public init(time: UInt64, set: UInt32 = 0, clear: UInt32 = 0) {
            self.time = time
            self.set = set
            self.clear = clear
        }
    }

    let handle: OpaquePointer

    fileprivate init() throws(StrobeError) {
        guard let w = strobe_wave_new() else { throw .system(operation: "allocating", path: "a waveform", errno: .noMemory) }
        handle = w
    }

    deinit { strobe_wave_free(handle) }

    fileprivate func add(_ channel: Waveform.Channel) throws(StrobeError) {
        let pin = try bank0(channel.pin)
        switch channel {
        case .pwm(_, let hz, let duty, let phase):
            try callWithReason { strobe_wave_add_pwm(handle, pin, hz, duty, phase, $0, $1) }
        case .servo(_, let width, let hz):
            let us = Double(try nanoseconds(width, what: "the servo pulse")) / 1000
            try callWithReason { strobe_wave_add_servo(handle, pin, us, hz, $0, $1) }
        case .pulseTrain(_, let edges, let initial, let loop):
            var ns: [UInt64] = []
            for e in edges { ns.append(try nanoseconds(e, what: "a pulse train edge")) }
            let period = try loop.map { (d) throws(StrobeError) -> UInt64 in try nanoseconds(d, what: "the loop period") } ?? 0
            try callWithReason { why, len in
                ns.withUnsafeBufferPointer { strobe_wave_add_pulse_train(handle, pin, $0.baseAddress, $0.count, initial.isHigh ? 1 : 0, period, why, len) }
            }
        }
    }

    /// The blocks, sorted by time.
    public var blocks: [Block] {
        let n = strobe_wave_block_count(handle)
        guard n > 0, let b = strobe_wave_blocks(handle) else { return [] }
        return (0..<n).map { Block(time: b[$0].t_ns, set: b[$0].set_mask, clear: b[$0].clr_mask) }
    }

    /// The common period in ns; 0 for a one-shot waveform.
    public var periodNanoseconds: UInt64 { strobe_wave_period_ns(handle) }
    /// Length of one pass in ns: the period, or for a one-shot the time of its last block.
    public var durationNanoseconds: UInt64 { strobe_wave_duration_ns(handle) }
    /// Pins the waveform drives as a bank-0 mask (bit n = GPIO n), held channels included.
    public var pinMask: UInt32 { strobe_wave_pins(handle) }
    /// Pins the waveform drives, ascending.
    public var pins: [Int] { (0..<32).filter { pinMask & (1 << UInt32($0)) != 0 } }
    /// Levels of the driven pins when a pass starts (bit set = high).
    public var initialLevels: UInt32 { strobe_wave_initial_levels(handle) }
}

/// Runs a C builder call with a reason buffer; throws its sentence as invalidArgument.
private func callWithReason(_ body: (UnsafeMutablePointer<CChar>, Int) -> Int32) throws(StrobeError) {
    var buf = [CChar](repeating: 0, count: 512)
    let rc = buf.withUnsafeMutableBufferPointer { body($0.baseAddress!, $0.count) }
    guard rc != 0 else { return }
    if Errno(cReturn: rc) == .noMemory { throw .system(operation: "allocating", path: "a waveform", errno: .noMemory) }
    throw .invalidArgument(buf.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
}

private func bank0(_ pin: Int) throws(StrobeError) -> UInt32 {
    guard pin >= 0 else { throw .invalidArgument("GPIO\(pin) is outside bank 0 (GPIO 0–31), the only bank the waveform engine drives") }
    return UInt32(clamping: pin) // the engine refuses 32 and above with its own sentence
}

// MARK: - Timing report

/// How close to schedule a player wrote its blocks: edge error (actual − scheduled) percentiles
/// from an HdrHistogram (3 significant digits), late and skipped counts, and the real-time
/// warnings. On the virtual bench every error is exactly zero.
public struct TimingReport: Sendable, Hashable, CustomStringConvertible {
    /// Blocks measured (every block written, the start and swap blocks included).
    public var edges: UInt64
    /// Median edge error, µs.
    public var p50: Double
    /// 99th-percentile edge error, µs.
    public var p99: Double
    /// 99.9th-percentile edge error, µs.
    public var p999: Double
    /// Largest edge error, µs.
    public var max: Double
    /// Blocks written more than the late threshold (default 10 µs) after their time.
    public var late: UInt64
    /// Whole periods skipped because the player fell a period or more behind.
    public var skippedPeriods: UInt64
    /// Records the player's ring overwrote before they were read (not in the percentiles).
    public var lostRecords: UInt64
    /// Real-time features asked for and refused (SCHED_FIFO, CPU pinning, memory locking).
    public var warnings: [String]

    /// Two lines: the percentiles, then late/skipped counts; then one line per warning.
    public var description: String {
        func f(_ v: Double) -> String {
            let n = Int((v * 1000).rounded())
            let frac = String(n % 1000)
            return "\(n / 1000)." + String(repeating: "0", count: 3 - frac.count) + frac
        }
        var lines = ["edge error (µs): p50 \(f(p50))  p99 \(f(p99))  p99.9 \(f(p999))  max \(f(max))  (\(edges) edges)",
                     "late edges: \(late)  skipped periods: \(skippedPeriods)" + (lostRecords > 0 ? "  unmeasured (ring overrun): \(lostRecords)" : "")]
        lines += warnings.map { "warning: \($0)" }
        return lines.joined(separator: "\n")
    }
}

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
        /// A block written later than this after its time counts as late. Default 10 µs.
        public var lateThreshold: Duration = .microseconds(10)
        /// SCHED_FIFO priority 1–99 to ask for; 0 does not ask. Default 50.
        public var realtimePriority: Int = 50
        /// CPU to pin the player thread to; nil does not pin.
        public var cpu: Int? = nil
        /// What to lock into RAM. Default ``MemoryLock/player``.
        public var lockMemory: MemoryLock = .player
        /// Timing records kept between reads (a ring). Default 65 536.
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
    ///   listed twice; ``StrobeError/pinInUse(_:)`` when a handle already owns one.
    public init(board: Board, pins: [Int], options: Options = .init()) throws(StrobeError) {
        guard !pins.isEmpty else { throw .invalidArgument("a wave player needs at least one pin") }
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
        let lateNs = (try? nanoseconds(options.lateThreshold, what: "the late threshold")) ?? 10_000
        cfg.late_ns = lateNs
        cfg.record_capacity = Swift.max(0, options.recordCapacity)
        cfg.rt_priority = Int32(clamping: options.realtimePriority)
        cfg.cpu = Int32(clamping: options.cpu ?? -1)
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
    ///   released, or the waveform drives a pin the player does not own.
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
    /// bench's clock), then brings the clock there.
    /// - Throws: ``StrobeError/unsupported(_:)`` on hardware and RAM, where the player's thread
    ///   plays in real time.
    public func run(until: UInt64) throws(StrobeError) {
        try lock.withLock { _ throws(StrobeError) in
            guard isVirtual else { throw .unsupported("run(until:) plays the virtual bench in virtual time; on hardware the player's thread plays in real time") }
            try check(strobe_player_run_until(player, until), "running the wave player")
        }
    }

    /// Virtual bench only: plays `duration` of virtual time from the bench's current time.
    public func run(for duration: Duration) throws(StrobeError) {
        guard let simulation = board.simulation else { throw .unsupported("run(for:) plays the virtual bench in virtual time; on hardware the player's thread plays in real time") }
        try run(until: simulation.now + (try nanoseconds(duration, what: "the run time")))
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
        throw .system(operation: operation, path: "GPIO bank 0", errno: errno)
    }
}

// MARK: - Conveniences

/// A software PWM output on one bank-0 pin, played by a ``WavePlayer``. Changing ``duty`` or
/// ``frequency`` swaps the new waveform in at the next period boundary: no runt or stretched
/// period. Dropping it stops and gives the pin back.
///
/// On the virtual bench, move virtual time with `pwm.player.run(for:)`.
public final class PWM: @unchecked Sendable {
    /// The GPIO number.
    public let pin: Int
    /// The player driving the pin (for ``WavePlayer/timingReport()``, ``WavePlayer/run(for:)``…).
    public let player: WavePlayer
    private let settings: Mutex<(frequency: Double, duty: Double, phase: Double)>

    /// Claims `pin` and starts PWM at `frequency` Hz with `duty` (0…1) and `phase` (0…1).
    /// - Throws: ``StrobeError/invalidArgument(_:)`` with the engine's reason,
    ///   ``StrobeError/pinInUse(_:)``.
    public init(board: Board, pin: Int, frequency: Double, duty: Double, phase: Double = 0, options: WavePlayer.Options = .init()) throws(StrobeError) {
        let wave = try Waveform().pwm(pin: pin, frequency: frequency, duty: duty, phase: phase).compile()
        self.pin = pin
        self.player = try WavePlayer(board: board, playing: wave, options: options)
        self.settings = Mutex((frequency, duty, phase))
    }

    /// The frequency in Hz. Setting it swaps at the next period boundary; a value the engine
    /// refuses is ignored (use ``set(frequency:duty:)`` to get the reason).
    public var frequency: Double {
        get { settings.withLock { $0.frequency } }
        set { try? set(frequency: newValue) }
    }

    /// The duty cycle, 0…1. Setting it swaps at the next period boundary; a value outside
    /// 0…1 is ignored (use ``set(frequency:duty:)`` to get the reason).
    public var duty: Double {
        get { settings.withLock { $0.duty } }
        set { try? set(duty: newValue) }
    }

    /// Changes frequency and/or duty together, at the next period boundary.
    /// - Throws: ``StrobeError/invalidArgument(_:)`` with the engine's reason; nothing changes.
    public func set(frequency: Double? = nil, duty: Double? = nil) throws(StrobeError) {
        try settings.withLock { s throws(StrobeError) in
            let f = frequency ?? s.frequency, d = duty ?? s.duty
            let wave = try Waveform().pwm(pin: pin, frequency: f, duty: d, phase: s.phase).compile()
            try player.swap(to: wave)
            s.frequency = f
            s.duty = d
        }
    }

    /// Finishes the current period (or stops now), then holds the pin at its level.
    public func stop(atBoundary: Bool = true) { player.stop(atBoundary: atBoundary) }

    /// Stops, drives the pin to `level` and gives it back (see ``WavePlayer/release(levels:keepState:)``).
    public func release(level: Level = .low, keepState: Bool = false) {
        player.release(levels: [pin: level], keepState: keepState)
    }
}

/// A hobby servo on one bank-0 pin: a 500–2500 µs pulse every 20 ms (50 Hz), played by a
/// ``WavePlayer``. Changing ``angle`` or ``pulseWidth`` takes effect at the next frame.
public final class Servo: @unchecked Sendable {
    /// The GPIO number.
    public let pin: Int
    /// The player driving the pin.
    public let player: WavePlayer
    private let width: Mutex<Duration>

    /// Claims `pin` and starts pulses of `pulseWidth` (500–2500 µs) at 50 Hz.
    public init(board: Board, pin: Int, pulseWidth: Duration, options: WavePlayer.Options = .init()) throws(StrobeError) {
        let wave = try Waveform().servo(pin: pin, pulseWidth: pulseWidth).compile()
        self.pin = pin
        self.player = try WavePlayer(board: board, playing: wave, options: options)
        self.width = Mutex(pulseWidth)
    }

    /// Claims `pin` and turns the servo to `angle` degrees (0…180: 500–2500 µs).
    public convenience init(board: Board, pin: Int, angle: Double, options: WavePlayer.Options = .init()) throws(StrobeError) {
        try self.init(board: board, pin: pin, pulseWidth: Self.checked(angle: angle), options: options)
    }

    /// The pulse width. Setting it takes effect at the next frame; a width outside
    /// 500–2500 µs is ignored (use ``set(pulseWidth:)`` to get the reason).
    public var pulseWidth: Duration {
        get { width.withLock { $0 } }
        set { try? set(pulseWidth: newValue) }
    }

    /// The angle in degrees (0…180) the pulse width stands for. Setting it takes effect at the
    /// next frame; an angle outside 0…180 is ignored (use ``set(angle:)`` to get the reason).
    public var angle: Double {
        get {
            let us = pulseWidth / .microseconds(1)
            return (us - STROBE_SERVO_MIN_US) / (STROBE_SERVO_MAX_US - STROBE_SERVO_MIN_US) * 180
        }
        set { try? set(angle: newValue) }
    }

    /// Changes the pulse width at the next frame.
    /// - Throws: ``StrobeError/invalidArgument(_:)`` with the engine's reason.
    public func set(pulseWidth: Duration) throws(StrobeError) {
        try width.withLock { w throws(StrobeError) in
            try player.swap(to: try Waveform().servo(pin: pin, pulseWidth: pulseWidth).compile())
            w = pulseWidth
        }
    }

    /// Turns the servo to `angle` degrees (0…180) at the next frame.
    /// - Throws: ``StrobeError/invalidArgument(_:)`` outside 0…180.
    public func set(angle: Double) throws(StrobeError) {
        try set(pulseWidth: Self.checked(angle: angle))
    }

    /// Finishes the current frame (or stops now).
    public func stop(atBoundary: Bool = true) { player.stop(atBoundary: atBoundary) }

    /// Stops, drives the pin low and gives it back.
    public func release() { player.release() }

    private static func checked(angle: Double) throws(StrobeError) -> Duration {
        guard angle >= 0, angle <= 180 else { throw .invalidArgument("servo angle \(angle)° is outside 0…180°") }
        return Waveform.servoPulseWidth(angle: angle)
    }
}
