import CStrobe
import Histogram
import Synchronization
import SystemPackage

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

    /// Claims `pin` (0–31) and starts PWM at `frequency` Hz (1 Hz…1 GHz, within what the
    /// engine's minimum gap allows) with `duty` (0…1) and `phase` (0…1), all finite.
    /// - Throws: ``StrobeError/outOfRange(parameter:value:range:)`` for a number outside its
    ///   range (NaN and infinities included), ``StrobeError/invalidArgument(_:)`` with the
    ///   engine's reason, ``StrobeError/pinInUse(_:)``.
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

    /// Changes frequency (1 Hz…1 GHz) and/or duty (0…1) together, at the next period boundary.
    /// - Throws: ``StrobeError/outOfRange(parameter:value:range:)`` or
    ///   ``StrobeError/invalidArgument(_:)`` with the engine's reason; nothing changes.
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

    /// Claims `pin` (0–31) and starts pulses of `pulseWidth` (500–2500 µs) at 50 Hz.
    /// - Throws: ``StrobeError/outOfRange(parameter:value:range:)`` for a width outside
    ///   500–2500 µs, ``StrobeError/pinInUse(_:)``.
    public init(board: Board, pin: Int, pulseWidth: Duration, options: WavePlayer.Options = .init()) throws(StrobeError) {
        let wave = try Waveform().servo(pin: pin, pulseWidth: pulseWidth).compile()
        self.pin = pin
        self.player = try WavePlayer(board: board, playing: wave, options: options)
        self.width = Mutex(pulseWidth)
    }

    /// Claims `pin` and turns the servo to `angle` degrees (0…180, finite: 500–2500 µs).
    /// - Throws: ``StrobeError/outOfRange(parameter:value:range:)`` for any other angle.
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

    /// Changes the pulse width (500–2500 µs) at the next frame.
    /// - Throws: ``StrobeError/outOfRange(parameter:value:range:)`` outside 500–2500 µs.
    public func set(pulseWidth: Duration) throws(StrobeError) {
        try width.withLock { w throws(StrobeError) in
            try player.swap(to: try Waveform().servo(pin: pin, pulseWidth: pulseWidth).compile())
            w = pulseWidth
        }
    }

    /// Turns the servo to `angle` degrees (0…180, finite) at the next frame.
    /// - Throws: ``StrobeError/outOfRange(parameter:value:range:)`` for any other angle.
    public func set(angle: Double) throws(StrobeError) {
        try set(pulseWidth: Self.checked(angle: angle))
    }

    /// Finishes the current frame (or stops now).
    public func stop(atBoundary: Bool = true) { player.stop(atBoundary: atBoundary) }

    /// Stops, drives the pin low and gives it back.
    public func release() { player.release() }

    private static func checked(angle: Double) throws(StrobeError) -> Duration {
        try Waveform.servoPulseWidth(angle: angle)
    }
}
