import ArgumentParser
import CStrobe
@_spi(StrobeInternals) import Strobe
import StrobeSimulator
#if canImport(Glibc)
import Glibc
#endif

/// Options shared by `strobe pwm`, `strobe servo` and `strobe wave`: how long to play, the
/// trace, and the real-time settings.
struct PlaybackOptions: ParsableArguments {
    @Option(help: "How long to play, 1 µs…24 h: virtual time on the bench, real time on hardware (e.g. 1s, 250ms).",
            transform: Parse.duration("--duration", minimum: 1_000, maximum: 24 * DurationArgument.hour))
    var duration: DurationArgument = .init(nanoseconds: 1_000_000_000)

    @Option(help: "Write the played pins' changes to this VCD file (virtual bench only).")
    var trace: String?

    @Option(help: "Real time: SCHED_FIFO priority 1–99 for the player thread (0: don't ask).", transform: Parse.int("--priority", 0...99))
    var priority: Int = 50

    @Option(help: "Real time: pin the player thread to this CPU (0…1023).", transform: Parse.int("--cpu", 0...1023))
    var cpu: Int?

    @Option(help: ArgumentHelp("Play in real time on a RAM block shaped like this layout (timing measurements off a Pi).", valueName: "bcm2835|bcm2711|rp1"))
    var ram: Layout?

    func validate(_ target: TargetOptions) throws {
        try target.requireRegisters("waveforms")
        if trace != nil, target.virtual == nil { throw ValidationError("--trace needs --virtual: on hardware use a logic analyser") }
        if ram != nil, target.virtual != nil { throw ValidationError("--ram and --virtual are two different boards; pick one") }
    }

    var playerOptions: WavePlayer.Options {
        var o = WavePlayer.Options()
        o.realtimePriority = priority
        o.cpu = cpu
        return o
    }

    /// Compiles `wave`, plays it for --duration on the chosen board and prints `title` and the
    /// timing report.
    func play(_ wave: Waveform, title: String, target: TargetOptions) throws {
        let compiled = try wave.compile()
        if let ram {
            try play(compiled, on: try Board.ram(ram), title: title)
            return
        }
        try target.withBoard { board in try play(compiled, on: board, title: title) }
    }

    private func play(_ wave: CompiledWaveform, on board: Board, title: String) throws {
        let player = try WavePlayer(board: board, pins: wave.pins, options: playerOptions)
        if let bench = board.bench {
            try checkRecordable(wave)
            bench.clearChanges()
            let t0 = bench.now
            try player.start(wave)
            // Play up to the last instant of --duration, then finish that period: the trace holds
            // whole periods only (exactly --duration when it is a multiple of the period).
            try player.run(until: try Checked.sum(t0, duration.nanoseconds - 1, "virtual time at the end of --duration"))
            player.stop(atBoundary: true)
            if let trace { try bench.writeVCD(to: trace, pins: wave.pins) }
            print("\(title): \(formatSeconds(bench.now - t0)) of virtual time (\(board.backendDescription))")
        } else {
            if board.access != .ram {
                // Stop the player thread before the pins are handed back, so it can't write after.
                board.restoreOnTermination(beforeRelease: { player.stop(atBoundary: false) })
            }
            var usage0 = rusage()
            getrusage(RUSAGE_SELF.rawValue, &usage0)
            let start = strobe_monotonic_ns()
            try player.start(wave)
            let end = try Checked.sum(start, duration.nanoseconds, "the end of --duration")
            while true {
                let t = strobe_monotonic_ns()
                if t >= end { break }
                strobe_sleep_ns(min(end - t, 50_000_000))
                player.collectTimings() // keep the record ring from overrunning
            }
            player.stop(atBoundary: true)
            var usage1 = rusage()
            getrusage(RUSAGE_SELF.rawValue, &usage1)
            func micros(_ t: timeval) -> Double { Double(t.tv_sec) * 1e6 + Double(t.tv_usec) }
            let cpu = (micros(usage1.ru_utime) - micros(usage0.ru_utime) + micros(usage1.ru_stime) - micros(usage0.ru_stime)) / 1e6
            let wall = Double(duration.nanoseconds) / 1e9
            print("\(title): \(formatSeconds(duration.nanoseconds)) in real time (\(board.backendDescription))")
            print(String(format: "CPU use: %.1f %% of one core (%.2f s user+system over %.2f s; the player spins for the last approach to each edge)", 100 * cpu / wall, cpu, wall))
        }
        print(player.timingReport())
        player.release()
    }
}

/// The virtual bench records every edge it plays: refuse a --duration whose edges would
/// take gigabytes (a long run of a fast wave) instead of growing memory until it runs out.
extension PlaybackOptions {
    /// Each edge is a trapped store and a recorded change: 2 million take a few seconds and
    /// tens of MB.
    static let maximumRecordedEdges: UInt64 = 2_000_000

    func checkRecordable(_ wave: CompiledWaveform) throws {
        let period = wave.periodNanoseconds
        guard period > 0 else { return } // a one-shot plays its edges once
        let perPeriod = UInt64(wave.blocks.count)
        let (periods, _) = (duration.nanoseconds / period).addingReportingOverflow(1)
        let (edges, overflow) = periods.multipliedReportingOverflow(by: perPeriod)
        if overflow || edges > Self.maximumRecordedEdges {
            throw StrobeError.outOfRange(parameter: "--duration", value: "\(duration)",
                                         range: "at most \(formatNanoseconds(Self.maximumRecordedEdges / max(perPeriod, 1) * period)) for this wave on the virtual bench (\(Self.maximumRecordedEdges) recorded edges)")
        }
    }
}

/// "1.000 s", "250.000 ms".
func formatSeconds(_ ns: UInt64) -> String {
    let (unit, scale): (String, UInt64) = ns >= 1_000_000_000 ? ("s", 1_000_000_000) : ("ms", 1_000_000)
    let whole = ns / scale, frac = (ns % scale) * 1000 / scale
    let f = String(frac)
    return "\(whole)." + String(repeating: "0", count: 3 - f.count) + f + " \(unit)"
}

struct PWMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pwm",
        abstract: "Play software PWM on a pin (the waveform engine) and print its timing.",
        discussion: """
            On the virtual bench the wave plays in virtual time: every edge exactly on schedule, \
            and --trace writes a VCD (e.g. for sigrok-cli -P pwm). On hardware (or --ram) a \
            real-time thread plays it for --duration and the edge-error percentiles are printed.
            """
    )

    @OptionGroup var target: TargetOptions
    @OptionGroup var playback: PlaybackOptions
    @Argument(help: "GPIO number (0–31).", transform: Parse.pin()) var pin: Int
    @Option(help: "Frequency in Hz, 1…1000000000 (the engine's minimum gap limits it further).", transform: Parse.double("--freq", 1...1e9, unit: "Hz")) var freq: Double
    @Option(help: "Duty cycle, 0…1.", transform: Parse.double("--duty", 0...1)) var duty: Double
    @Option(help: "Phase of the rising edge in the period, 0…1.", transform: Parse.double("--phase", 0...1)) var phase: Double = 0

    func validate() throws { try playback.validate(target) }

    func run() throws {
        let wave = Waveform().pwm(pin: pin, frequency: freq, duty: duty, phase: phase)
        try playback.play(wave, title: "GPIO\(pin): PWM \(freq) Hz, duty \(duty)", target: target)
    }
}

struct ServoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "servo",
        abstract: "Drive a hobby servo: a 500–2500 µs pulse every 20 ms (50 Hz).",
        discussion: "Give --angle (0…180°, mapped onto 500–2500 µs) or --pulse-us."
    )

    @OptionGroup var target: TargetOptions
    @OptionGroup var playback: PlaybackOptions
    @Argument(help: "GPIO number (0–31).", transform: Parse.pin()) var pin: Int
    @Option(help: "Angle in degrees, 0…180.", transform: Parse.double("--angle", 0...180, unit: "degrees")) var angle: Double?
    @Option(name: .customLong("pulse-us"), help: "Pulse width in µs, 500–2500.", transform: Parse.double("--pulse-us", 500...2500, unit: "µs")) var pulseUs: Double?

    func validate() throws {
        try playback.validate(target)
        guard (angle == nil) != (pulseUs == nil) else { throw ValidationError("give exactly one of --angle and --pulse-us") }
    }

    func run() throws {
        let width: Duration = try angle.map { try Waveform.servoPulseWidth(angle: $0) }
            ?? .nanoseconds(Int64(try Checked.nanoseconds(pulseUs ?? 0, scale: 1000, unit: "µs", "--pulse-us")))
        let wave = Waveform().servo(pin: pin, pulseWidth: width)
        let us = width / .microseconds(1)
        try playback.play(wave, title: "GPIO\(pin): servo pulse \(us) µs at 50 Hz", target: target)
    }
}

/// "18:1000:0.25[:0.5]" — a PWM channel: pin 0–31, frequency 1 Hz…1 GHz, duty and phase 0…1.
struct PWMChannelArgument {
    var pin: Int, frequency: Double, duty: Double, phase: Double

    static func parse(_ argument: String) throws -> PWMChannelArgument {
        let p = argument.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard p.count == 3 || p.count == 4 else { throw RangeText("--pwm", takes: "PIN:FREQ:DUTY[:PHASE], e.g. 18:1000:0.25") }
        return PWMChannelArgument(pin: try Parse.pin("--pwm's PIN")(p[0]), frequency: try Parse.double("--pwm's FREQ", 1...1e9, unit: "Hz")(p[1]),
                                  duty: try Parse.double("--pwm's DUTY", 0...1)(p[2]),
                                  phase: p.count == 4 ? try Parse.double("--pwm's PHASE", 0...1)(p[3]) : 0)
    }
}

/// "17:1500[:50]" — a servo channel: pin 0–31, pulse 500–2500 µs, frame 1…1000 Hz (default 50).
struct ServoChannelArgument {
    var pin: Int, pulseWidth: Duration, frequency: Double

    static func parse(_ argument: String) throws -> ServoChannelArgument {
        let p = argument.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard p.count == 2 || p.count == 3 else { throw RangeText("--servo", takes: "PIN:US[:HZ], e.g. 17:1500") }
        let us = try Parse.double("--servo's US", 500...2500, unit: "µs")(p[1])
        return ServoChannelArgument(pin: try Parse.pin("--servo's PIN")(p[0]), pulseWidth: .nanoseconds(Int64((us * 1000).rounded())),
                                    frequency: p.count == 3 ? try Parse.double("--servo's HZ", 1...1000, unit: "Hz")(p[2]) : 50)
    }
}

/// "20:100,250,400,450[:1000]" — a pulse train: pin, edge times in µs from the start (the line
/// starts low and toggles at each; each 0…10¹² µs), and a loop period in µs (0.001…10⁶ µs, that
/// is 1 ns…1 s; omitted: play once). A period that rounds to 0 ns is refused, never "once".
struct TrainChannelArgument {
    var pin: Int, edges: [Duration], loopPeriod: Duration?

    static let maximumEdges = 100_000

    static func parse(_ argument: String) throws -> TrainChannelArgument {
        let p = argument.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard p.count == 2 || p.count == 3 else { throw RangeText("--train", takes: "PIN:T1,T2,...[:LOOP] (µs), e.g. 20:100,250,400,450:1000") }
        let pin = try Parse.pin("--train's PIN")(p[0])
        let texts = p[1].split(separator: ",", omittingEmptySubsequences: false)
        guard texts.count <= maximumEdges else { throw RangeText("--train", takes: "at most \(maximumEdges) edge times") }
        var edges: [Duration] = []
        for t in texts {
            guard let us = Parse.decimal(String(t)) else { throw RangeText("--train's edge times", takes: "numbers of µs, 0…10¹² µs (not '\(t)')") }
            edges.append(.nanoseconds(Int64(try Checked.nanoseconds(us, scale: 1000, unit: "µs", "--train's edge time", maximum: 1_000_000_000_000_000))))
        }
        var loop: Duration?
        if p.count == 3 {
            guard let us = Parse.decimal(p[2]) else { throw RangeText("--train's LOOP", takes: "a period in µs, 0.001…1000000 (1 ns…1 s)") }
            loop = .nanoseconds(Int64(try Checked.nanoseconds(us, scale: 1000, unit: "µs", "--train's LOOP period", minimum: 1, maximum: 1_000_000_000)))
        }
        return TrainChannelArgument(pin: pin, edges: edges, loopPeriod: loop)
    }
}

struct WaveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wave",
        abstract: "Play several PWM, servo and pulse-train channels merged into one waveform, and print its timing.",
        discussion: """
            Example: strobe wave --pwm 18:1000:0.25 --pwm 19:2000:0.5:0.5 --servo 17:1500 --virtual bcm2711 \
            --trace out.vcd. The channels' periods must share a common period of at most 1 s. A pulse \
            train starts low and toggles at each edge time: --train 20:100,250,400,450:1000 plays a \
            150 µs and a 50 µs pulse every millisecond; without the loop period it plays once (a \
            one-shot, which can only be merged with other one-shots). Edges closer than 2 µs are refused.
            """
    )

    @OptionGroup var target: TargetOptions
    @OptionGroup var playback: PlaybackOptions
    @Option(help: ArgumentHelp("A PWM channel (repeatable): frequency 1 Hz…1 GHz, duty and phase 0…1.", valueName: "PIN:FREQ:DUTY[:PHASE]"), transform: PWMChannelArgument.parse)
    var pwm: [PWMChannelArgument] = []
    @Option(help: ArgumentHelp("A servo channel (repeatable): pulse 500–2500 µs, frame rate 1–1000 Hz (default 50).", valueName: "PIN:US[:HZ]"), transform: ServoChannelArgument.parse)
    var servo: [ServoChannelArgument] = []
    @Option(help: ArgumentHelp("A pulse train (repeatable): edge times in µs from the start, then the loop period in µs, 0.001–1000000 (omitted: once).", valueName: "PIN:T1,T2,...[:LOOP]"),
            transform: TrainChannelArgument.parse)
    var train: [TrainChannelArgument] = []

    func validate() throws {
        try playback.validate(target)
        if pwm.isEmpty, servo.isEmpty, train.isEmpty { throw ValidationError("give at least one --pwm, --servo or --train channel") }
    }

    func run() throws {
        var wave = Waveform()
        for c in pwm { wave = wave.pwm(pin: c.pin, frequency: c.frequency, duty: c.duty, phase: c.phase) }
        for c in servo { wave = wave.servo(pin: c.pin, pulseWidth: c.pulseWidth, frequency: c.frequency) }
        for c in train { wave = wave.pulseTrain(pin: c.pin, edges: c.edges, loopPeriod: c.loopPeriod) }
        let pins = wave.channels.map { "GPIO\($0.pin)" }.joined(separator: ", ")
        try playback.play(wave, title: "\(wave.channels.count) channels (\(pins))", target: target)
    }
}
