import ArgumentParser
import CStrobe
import Strobe
import StrobeSimulator
#if canImport(Glibc)
import Glibc
#endif

/// Options shared by `strobe pwm`, `strobe servo` and `strobe wave`: how long to play, the
/// trace, and the real-time settings.
struct PlaybackOptions: ParsableArguments {
    @Option(help: "How long to play: virtual time on the bench, real time on hardware (e.g. 1s, 250ms).")
    var duration: DurationArgument = .init(nanoseconds: 1_000_000_000)

    @Option(help: "Write the played pins' changes to this VCD file (virtual bench only).")
    var trace: String?

    @Option(help: "Real time: SCHED_FIFO priority 1–99 for the player thread (0: don't ask).")
    var priority: Int = 50

    @Option(help: "Real time: pin the player thread to this CPU.")
    var cpu: Int?

    @Option(help: ArgumentHelp("Play in real time on a RAM block shaped like this layout (timing measurements off a Pi).", valueName: "bcm2835|bcm2711|rp1"))
    var ram: Layout?

    func validate(_ target: TargetOptions) throws {
        try target.requireRegisters("waveforms")
        if trace != nil, target.virtual == nil { throw ValidationError("--trace needs --virtual: on hardware use a logic analyser") }
        if ram != nil, target.virtual != nil { throw ValidationError("--ram and --virtual are two different boards; pick one") }
        guard duration.nanoseconds > 0 else { throw ValidationError("--duration must be positive") }
        guard (0...99).contains(priority) else { throw ValidationError("--priority must be 0–99") }
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
            bench.clearChanges()
            let t0 = bench.now
            try player.start(wave)
            // Play up to the last instant of --duration, then finish that period: the trace holds
            // whole periods only (exactly --duration when it is a multiple of the period).
            try player.run(until: t0 + duration.nanoseconds - 1)
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
            let end = start + duration.nanoseconds
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
    @Argument(help: "GPIO number (0–31).") var pin: Int
    @Option(help: "Frequency in Hz.") var freq: Double
    @Option(help: "Duty cycle, 0…1.") var duty: Double
    @Option(help: "Phase of the rising edge in the period, 0…1.") var phase: Double = 0

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
    @Argument(help: "GPIO number (0–31).") var pin: Int
    @Option(help: "Angle in degrees, 0…180.") var angle: Double?
    @Option(name: .customLong("pulse-us"), help: "Pulse width in µs, 500–2500.") var pulseUs: Double?

    func validate() throws {
        try playback.validate(target)
        guard (angle == nil) != (pulseUs == nil) else { throw ValidationError("give exactly one of --angle and --pulse-us") }
        if let angle, !(0...180).contains(angle) { throw ValidationError("--angle must be 0…180") }
    }

    func run() throws {
        let width: Duration = angle.map { Waveform.servoPulseWidth(angle: $0) } ?? .nanoseconds(Int64((pulseUs! * 1000).rounded()))
        let wave = Waveform().servo(pin: pin, pulseWidth: width)
        let us = width / .microseconds(1)
        try playback.play(wave, title: "GPIO\(pin): servo pulse \(us) µs at 50 Hz", target: target)
    }
}

/// "18:1000:0.25[:0.5]" — a PWM channel.
struct PWMChannelArgument: ExpressibleByArgument {
    var pin: Int, frequency: Double, duty: Double, phase: Double
    init?(argument: String) {
        let p = argument.split(separator: ":").map(String.init)
        guard p.count == 3 || p.count == 4, let pin = Int(p[0]), let f = Double(p[1]), let d = Double(p[2]) else { return nil }
        let phase = p.count == 4 ? Double(p[3]) : 0
        guard let phase else { return nil }
        (self.pin, self.frequency, self.duty, self.phase) = (pin, f, d, phase)
    }
}

/// "17:1500[:50]" — a servo channel: pin, pulse µs, frame Hz.
struct ServoChannelArgument: ExpressibleByArgument {
    var pin: Int, pulseUs: Double, frequency: Double
    init?(argument: String) {
        let p = argument.split(separator: ":").map(String.init)
        guard p.count == 2 || p.count == 3, let pin = Int(p[0]), let us = Double(p[1]) else { return nil }
        let hz = p.count == 3 ? Double(p[2]) : 50
        guard let hz else { return nil }
        (self.pin, self.pulseUs, self.frequency) = (pin, us, hz)
    }
}

/// "20:100,250,400,450[:1000]" — a pulse train: pin, edge times in µs from the start (the line
/// starts low and toggles at each), and a loop period in µs (omitted: play once).
struct TrainChannelArgument: ExpressibleByArgument {
    var pin: Int, edgesUs: [Double], loopUs: Double?
    init?(argument: String) {
        let p = argument.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard p.count == 2 || p.count == 3, let pin = Int(p[0]) else { return nil }
        let edges = p[1].split(separator: ",", omittingEmptySubsequences: false).map { Double($0) }
        guard !edges.isEmpty, edges.allSatisfy({ $0 != nil && $0!.isFinite && $0! >= 0 }) else { return nil }
        var loop: Double?
        if p.count == 3 {
            guard let l = Double(p[2]), l.isFinite, l > 0 else { return nil }
            loop = l
        }
        (self.pin, self.edgesUs, self.loopUs) = (pin, edges.map { $0! }, loop)
    }
    static func duration(us: Double) -> Duration { .nanoseconds(Int64((us * 1000).rounded())) }
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
    @Option(help: ArgumentHelp("A PWM channel (repeatable).", valueName: "PIN:FREQ:DUTY[:PHASE]")) var pwm: [PWMChannelArgument] = []
    @Option(help: ArgumentHelp("A servo channel (repeatable): pulse in µs, frame rate in Hz (default 50).", valueName: "PIN:US[:HZ]")) var servo: [ServoChannelArgument] = []
    @Option(help: ArgumentHelp("A pulse train (repeatable): edge times in µs from the start, then the loop period in µs (omitted: once).", valueName: "PIN:T1,T2,...[:LOOP]"))
    var train: [TrainChannelArgument] = []

    func validate() throws {
        try playback.validate(target)
        if pwm.isEmpty, servo.isEmpty, train.isEmpty { throw ValidationError("give at least one --pwm, --servo or --train channel") }
    }

    func run() throws {
        var wave = Waveform()
        for c in pwm { wave = wave.pwm(pin: c.pin, frequency: c.frequency, duty: c.duty, phase: c.phase) }
        for c in servo { wave = wave.servo(pin: c.pin, pulseWidth: .nanoseconds(Int64((c.pulseUs * 1000).rounded())), frequency: c.frequency) }
        for c in train {
            wave = wave.pulseTrain(pin: c.pin, edges: c.edgesUs.map(TrainChannelArgument.duration(us:)),
                                   loopPeriod: c.loopUs.map(TrainChannelArgument.duration(us:)))
        }
        let pins = wave.channels.map { "GPIO\($0.pin)" }.joined(separator: ", ")
        try playback.play(wave, title: "\(wave.channels.count) channels (\(pins))", target: target)
    }
}
