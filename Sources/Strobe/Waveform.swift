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
/// ``StrobeError/outOfRange(parameter:value:range:)`` for a number outside its range (a duty
/// outside 0…1, a NaN frequency) and ``StrobeError/invalidArgument(_:)`` with the engine's own
/// sentence (a period shorter than the engine can keep, the same pin twice, a common period
/// over 1 s…).
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
    /// Default 2 µs (`STROBE_WAVE_DEFAULT_MIN_GAP_NS`), finer than pigpio's 5 µs DMA grid;
    /// 0…1 s (``compile()`` throws ``StrobeError/outOfRange(parameter:value:range:)`` outside).
    public var minimumGap: Duration

    /// A waveform with `channels` (none by default).
    public init(channels: [Channel] = [], minimumGap: Duration = .nanoseconds(Int64(STROBE_WAVE_DEFAULT_MIN_GAP_NS))) {
        self.channels = channels
        self.minimumGap = minimumGap
    }

    /// This waveform plus a PWM channel on `pin` (0–31): it rises at `phase` × period and stays
    /// high for `duty` × period. Duty 0 holds the pin low and duty 1 holds it high, with no
    /// edges. Ranges, checked by ``compile()``: `frequency` 1 Hz…1 GHz (a period of 1 ns…1 s;
    /// in practice at most what ``minimumGap`` allows), `duty` and `phase` 0…1, all finite.
    public func pwm(pin: Int, frequency: Double, duty: Double, phase: Double = 0) -> Waveform {
        adding(.pwm(pin: pin, frequency: frequency, duty: duty, phase: phase))
    }

    /// This waveform plus a servo channel on `pin` (0–31): a `pulseWidth` pulse (500–2500 µs)
    /// at the start of every frame of `frequency` Hz (1 Hz…1 GHz, finite, and long enough to hold
    /// the pulse), checked by ``compile()``.
    public func servo(pin: Int, pulseWidth: Duration, frequency: Double = STROBE_SERVO_DEFAULT_HZ) -> Waveform {
        adding(.servo(pin: pin, pulseWidth: pulseWidth, frequency: frequency))
    }

    /// This waveform plus a servo channel on `pin` at `angle` degrees (0…180, finite), mapped
    /// linearly onto 500–2500 µs (see ``Waveform/servoPulseWidth(angle:)``).
    /// - Throws: ``StrobeError/outOfRange(parameter:value:range:)`` for an angle outside 0…180°
    ///   (NaN and infinities included).
    public func servo(pin: Int, angle: Double, frequency: Double = STROBE_SERVO_DEFAULT_HZ) throws(StrobeError) -> Waveform {
        servo(pin: pin, pulseWidth: try Self.servoPulseWidth(angle: angle), frequency: frequency)
    }

    /// This waveform plus a pulse train on `pin`: it starts at `initial` and toggles at each of
    /// `edges`. `loopPeriod` nil plays the train once (a one-shot, which can share a waveform
    /// only with other one-shots); otherwise it repeats with that period, which must be longer
    /// than the last edge, and the number of edges must be even. Ranges, checked by
    /// ``compile()``: each edge 0…2⁶² ns, strictly increasing; `loopPeriod` 1 ns…1 s (a period
    /// of zero is refused, never taken as "once").
    public func pulseTrain(pin: Int, edges: [Duration], initial: Level = .low, loopPeriod: Duration? = nil) -> Waveform {
        adding(.pulseTrain(pin: pin, edges: edges, initial: initial, loopPeriod: loopPeriod))
    }

    /// The servo pulse for `angle` degrees (0…180, finite): 0° → 500 µs, 90° → 1500 µs,
    /// 180° → 2500 µs.
    /// - Throws: ``StrobeError/outOfRange(parameter:value:range:)`` for any other angle.
    public static func servoPulseWidth(angle: Double) throws(StrobeError) -> Duration {
        let a = try Checked.double(angle, "servo angle", in: 0...180, unit: "°")
        let us = STROBE_SERVO_MIN_US + (STROBE_SERVO_MAX_US - STROBE_SERVO_MIN_US) * a / 180
        return .nanoseconds(Int64((us * 1000).rounded())) // 500 000…2 500 000: always fits
    }

    /// Merges the channels into one timeline.
    /// - Throws: ``StrobeError/outOfRange(parameter:value:range:)`` for a number outside its
    ///   range (see each builder method; NaN and infinities included), or
    ///   ``StrobeError/invalidArgument(_:)`` with the engine's sentence saying what is wrong (the
    ///   first refused channel, or why the channels can't be merged).
    public func compile() throws(StrobeError) -> CompiledWaveform {
        let wave = try CompiledWaveform()
        for channel in channels { try wave.add(channel) }
        let gap = try nanoseconds(minimumGap, what: "the minimum gap", maximum: STROBE_WAVE_MAX_PERIOD_NS)
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
            _ = try Checked.double(hz, "PWM frequency", in: 1...1e9, unit: " Hz", rangeText: "1 Hz…1 GHz (a period of 1 ns…1 s)")
            _ = try Checked.double(duty, "PWM duty", in: 0...1)
            _ = try Checked.double(phase, "PWM phase", in: 0...1)
            try callWithReason { strobe_wave_add_pwm(handle, pin, hz, duty, phase, $0, $1) }
        case .servo(_, let width, let hz):
            let ns = try nanoseconds(width, what: "servo pulse", minimum: UInt64(STROBE_SERVO_MIN_US) * 1000, maximum: UInt64(STROBE_SERVO_MAX_US) * 1000)
            _ = try Checked.double(hz, "servo frequency", in: 1...1e9, unit: " Hz", rangeText: "1 Hz…1 GHz (a frame of 1 ns…1 s)")
            let us = Double(ns) / 1000
            try callWithReason { strobe_wave_add_servo(handle, pin, us, hz, $0, $1) }
        case .pulseTrain(_, let edges, let initial, let loop):
            var ns: [UInt64] = []
            _ = try Checked.int(edges.count, "the number of pulse train edges", in: 0...Int(STROBE_WAVE_MAX_BLOCKS))
            ns.reserveCapacity(edges.count)
            for e in edges { ns.append(try nanoseconds(e, what: "a pulse train edge", maximum: (1 << 62) - 1)) }
            // A loop period of zero would mean "once" to the engine: refuse it rather than play once.
            let period = try loop.map { (d) throws(StrobeError) -> UInt64 in try nanoseconds(d, what: "the loop period", minimum: 1, maximum: STROBE_WAVE_MAX_PERIOD_NS) } ?? 0
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
func callWithReason(_ body: (UnsafeMutablePointer<CChar>, Int) -> Int32) throws(StrobeError) {
    var buf = [CChar](repeating: 0, count: 512)
    let rc = buf.withUnsafeMutableBufferPointer { body($0.baseAddress!, $0.count) }
    guard rc != 0 else { return }
    if Errno(cReturn: rc) == .noMemory { throw .system(operation: "allocating", path: "a waveform", errno: .noMemory) }
    throw .invalidArgument(buf.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
}

func bank0(_ pin: Int) throws(StrobeError) -> UInt32 {
    guard pin >= 0 else { throw .invalidArgument("GPIO\(pin) is outside bank 0 (GPIO 0–31), the only bank the waveform engine drives") }
    return UInt32(clamping: pin) // the engine refuses 32 and above with its own sentence
}
