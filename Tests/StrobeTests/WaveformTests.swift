import Foundation
import Testing
@testable import Strobe
@testable import StrobeSimulator

/// The Swift waveform API (Waveform, WavePlayer, PWM, Servo) and the `strobe pwm|servo|wave`
/// commands, on the virtual bench in virtual time.
@Suite("Waveforms (Swift API and CLI)")
struct WaveformTests {
    static let us: UInt64 = 1_000, ms: UInt64 = 1_000_000

    /// The message of the StrobeError `body` throws.
    func reason(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch StrobeError.invalidArgument(let why) {
            return why
        } catch {
            return "\(error)"
        }
    }

    // MARK: Builder

    @Test("compile() refuses bad channels with the engine's sentence")
    func builderErrors() throws {
        #expect(reason { _ = try Waveform().pwm(pin: 18, frequency: 1000, duty: 1.5).compile() } == "PWM duty 1.5 is out of range: it takes 0…1")
        #expect(reason { _ = try Waveform().pwm(pin: 18, frequency: 1000, duty: -0.1).compile() } == "PWM duty -0.1 is out of range: it takes 0…1")
        #expect(reason { _ = try Waveform().pwm(pin: 18, frequency: 1_000_000, duty: 0.5).compile() }
                == "the PWM on GPIO18 needs edges 500 ns apart (at 0 and 500 ns), closer than the 2000 ns the engine can keep")
        #expect(reason { _ = try Waveform().pwm(pin: 18, frequency: 1000, duty: 0.5).pwm(pin: 18, frequency: 2000, duty: 0.5).compile() }
                == "GPIO18 already has a PWM channel in this waveform: one channel per pin (more channels than pins)")
        #expect(reason { _ = try Waveform().pwm(pin: 40, frequency: 1000, duty: 0.5).compile() }
                == "GPIO40 is outside bank 0 (GPIO 0–31), the only bank the waveform engine drives")
        #expect(reason { _ = try Waveform().pwm(pin: -1, frequency: 1000, duty: 0.5).compile() }
                == "GPIO-1 is outside bank 0 (GPIO 0–31), the only bank the waveform engine drives")
        #expect(reason { _ = try Waveform().servo(pin: 17, pulseWidth: .microseconds(3000)).compile() } == "servo pulse 3 ms is out of range: it takes 500 µs…2.5 ms")
        #expect(reason { _ = try Waveform().compile() } == "the waveform has no channels")
        #expect(reason { _ = try Waveform().pwm(pin: 18, frequency: 1000, duty: 0.5).pwm(pin: 19, frequency: 999, duty: 0.5).compile() }?
            .hasPrefix("the channels' common period") == true)
        var fine = Waveform().pwm(pin: 18, frequency: 1_000_000, duty: 0.5)
        fine.minimumGap = .nanoseconds(500)
        #expect(reason { _ = try fine.compile() } == nil, "a finer engine keeps 1 MHz")
    }

    @Test("compiled blocks: PWM, servo by angle, pulse train")
    func compiledBlocks() throws {
        let w = try Waveform().pwm(pin: 18, frequency: 1000, duty: 0.25).servo(pin: 17, angle: 90).compile()
        #expect(w.periodNanoseconds == 20 * Self.ms)
        #expect(w.pins == [17, 18] && w.pinMask == 1 << 17 | 1 << 18)
        #expect(w.blocks.first == .init(time: 0, set: 1 << 17 | 1 << 18))
        #expect(w.blocks.contains(.init(time: 1500 * Self.us, clear: 1 << 17)))
        #expect(try Waveform.servoPulseWidth(angle: 0) == .microseconds(500) && Waveform.servoPulseWidth(angle: 180) == .microseconds(2500))
        let t = try Waveform().pulseTrain(pin: 5, edges: [.zero, .microseconds(100), .microseconds(300)]).compile()
        #expect(t.periodNanoseconds == 0 && t.durationNanoseconds == 300 * Self.us)
        #expect(t.blocks == [.init(time: 0, set: 1 << 5), .init(time: 100 * Self.us, clear: 1 << 5), .init(time: 300 * Self.us, set: 1 << 5)])
    }

    // MARK: Player on the bench

    @Test("PWM on the bench: an exact schedule and an all-zero timing report")
    func exactSchedule() throws {
        let board = try Board.virtual(.bcm2711)
        let bench = try #require(board.bench)
        let pwm = try PWM(board: board, pin: 18, frequency: 1000, duty: 0.25)
        #expect(pwm.player.isVirtual && pwm.player.isPlaying)
        let t0 = pwm.player.passStart
        try pwm.player.run(until: t0 + 10 * Self.ms - 1)
        let expected = (0..<UInt64(10)).flatMap { k -> [VirtualBench.Change] in
            [.init(time: t0 + k * Self.ms, pin: 18, level: .high), .init(time: t0 + k * Self.ms + 250 * Self.us, pin: 18, level: .low)]
        }
        #expect(bench.changes.filter { $0.time >= t0 } == expected)
        let report = pwm.player.timingReport()
        #expect(report.edges == 20)
        #expect(report.p50 == 0 && report.p99 == 0 && report.p999 == 0 && report.max == 0)
        #expect(report.late == 0 && report.skippedPeriods == 0 && report.lostRecords == 0 && report.warnings.isEmpty)
        #expect(report.description.hasPrefix("edge error (µs): p50 0.000  p99 0.000  p99.9 0.000  max 0.000  (20 edges)"))
        #expect(pwm.player.warnings.isEmpty)
    }

    @Test("a live duty change swaps glitch-free at the period boundary")
    func liveDutyChange() throws {
        let board = try Board.virtual(.bcm2711)
        let bench = try #require(board.bench)
        bench.clearChanges()
        let pwm = try PWM(board: board, pin: 18, frequency: 1000, duty: 0.25)
        let t0 = pwm.player.passStart
        try pwm.player.run(until: t0 + 3 * Self.ms + 500 * Self.us)  // mid-period
        pwm.duty = 0.75
        #expect(pwm.duty == 0.75 && pwm.player.isSwapPending)
        pwm.duty = 1.5  // refused by the engine: nothing changes
        #expect(pwm.duty == 0.75)
        #expect(reason { try pwm.set(duty: 1.5) } == "PWM duty 1.5 is out of range: it takes 0…1")
        try pwm.player.run(until: t0 + 8 * Self.ms - 1)
        #expect(!pwm.player.isSwapPending)
        let changes = bench.changes
        let (rises, widths) = risesAndWidths(changes)
        #expect(rises == (0..<8).map { t0 + $0 * Self.ms }, "every period exactly 1 ms")
        #expect(widths == [250, 250, 250, 250, 750, 750, 750, 750].map { $0 * Self.us },
                "the duty changes at the 4 ms boundary and nowhere else")

        pwm.frequency = 2000
        try pwm.player.run(until: t0 + 10 * Self.ms - 1)
        let later = bench.changes.filter { $0.time >= t0 + 8 * Self.ms && $0.level == .high }.map(\.time)
        #expect(later == [8, 8.5, 9, 9.5].map { t0 + UInt64($0 * Double(Self.ms)) }, "2 kHz from the 8 ms boundary (set just before it)")
    }

    @Test("stop at the boundary finishes the period; the servo moves at the next frame")
    func stopAndServo() throws {
        let board = try Board.virtual(.rp1)
        let bench = try #require(board.bench)
        let servo = try Servo(board: board, pin: 17, angle: 0)
        let t0 = servo.player.passStart
        try servo.player.run(until: t0 + 10 * Self.ms)
        servo.angle = 180
        #expect(servo.pulseWidth == .microseconds(2500) && servo.angle == 180)
        try servo.player.run(until: t0 + 30 * Self.ms)
        servo.stop()
        #expect(bench.now == t0 + 40 * Self.ms, "played the rest of the frame")
        let highs = bench.changes.filter { $0.time >= t0 }
        #expect(highs.map(\.time) == [0, 500, 20_000, 22_500].map { t0 + $0 * Self.us })
        #expect(reason { try servo.set(angle: 200) } == "servo angle 200° is out of range: it takes 0°…180°")
        servo.release()
    }

    @Test("the player claims its pins; another claim throws pinInUse until it is released")
    func pinOwnership() throws {
        let board = try Board.virtual(.bcm2711)
        let player = try WavePlayer(board: board, pins: [18, 19])
        #expect(board.claimedPins == [18, 19])
        #expect(throws: StrobeError.pinInUse(18)) { _ = try board.output(18) }
        #expect(throws: StrobeError.pinInUse(19)) { _ = try WavePlayer(board: board, pins: [19]) }
        #expect(throws: StrobeError.pinInUse(18)) { _ = try PWM(board: board, pin: 18, frequency: 1000, duty: 0.5) }
        #expect(reason { try player.start(try Waveform().pwm(pin: 20, frequency: 1000, duty: 0.5).compile()) }
                == "the waveform drives GPIO20, which this player does not own; list every pin when making the player")
        #expect(reason { _ = try WavePlayer(board: board, pins: [33]) } == "GPIO33 is outside bank 0 (GPIO 0–31), the only bank the waveform engine drives")

        let wave = try Waveform().pwm(pin: 18, frequency: 1000, duty: 0.5).pwm(pin: 19, frequency: 1000, duty: 0.5, phase: 0.5).compile()
        try player.start(wave)
        #expect(reason { try player.start(wave) } == "the player is already playing; use swap(to:) to change the waveform")
        try player.run(for: .microseconds(1200))
        player.release(levels: [18: .high])
        #expect(board.claimedPins.isEmpty)
        #expect(try board.state(of: 18).function == .input, "previous function restored")
        #expect(reason { try player.start(wave) } == "the wave player was released; make a new one")
        let again = try board.output(18)
        _ = consume again

        // Dropping a player gives its pins back too.
        do { _ = try PWM(board: board, pin: 21, frequency: 1000, duty: 0.5) }
        #expect(board.claimedPins.isEmpty)
        // keepState leaves them as outputs at the asked levels.
        let kept = try PWM(board: board, pin: 22, frequency: 1000, duty: 0.5)
        kept.release(level: .high, keepState: true)
        #expect(try board.state(of: 22).function == .output && board.bench?.level(of: 22) == .high)
    }

    @Test("a threaded player on a RAM block measures real edges (mechanics, not timing goals)")
    func realTimeOnRAM() throws {
        let board = try Board.ram(.bcm2711)
        var options = WavePlayer.Options()
        options.realtimePriority = 0
        let pwm = try PWM(board: board, pin: 18, frequency: 1000, duty: 0.5, options: options)
        #expect(!pwm.player.isVirtual)
        #expect(throws: StrobeError.self) { try pwm.player.run(for: .milliseconds(1)) }
        Thread.sleep(forTimeInterval: 0.1)
        pwm.stop()
        let report = pwm.player.timingReport()
        #expect(report.edges > 50, "about 2 edges per ms for 100 ms: \(report)")
        #expect(report.p50 <= report.p99 && report.p99 <= report.p999 && report.p999 <= report.max)
        pwm.release()
        #expect(board.claimedPins.isEmpty)
    }

    // MARK: CLI

    @Test("strobe pwm --virtual --trace: sigrok-cli decodes 25 % at 1 kHz, and the report is all zeros")
    func cliPWMTrace() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let vcd = dir.path + "/pwm.vcd"
        let r = try runStrobe(["pwm", "18", "--freq", "1000", "--duty", "0.25", "--virtual", "bcm2711", "--trace", vcd,
                               "--fresh", "--virtual-state", dir.path + "/state"], env: ["NO_COLOR": "1"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("1.000 s of virtual time"), "\(r.stdout)")
        #expect(r.stdout.contains("edge error (µs): p50 0.000  p99 0.000  p99.9 0.000  max 0.000  (2000 edges)"), "\(r.stdout)")
        #expect(r.stdout.contains("late edges: 0  skipped periods: 0"))

        // The VCD's timescale is 1 ns; sampling it at 1 MHz (downsample=1000) keeps the µs edges
        // exact and makes the decoders a thousand times quicker.
        let sigrok = try runTool("sigrok-cli", ["-I", "vcd:downsample=1000", "-i", vcd, "-P", "pwm:data=GPIO18", "-A", "pwm=duty-cycle"])
        let duty = sigrok.split(separator: "\n").filter { $0.hasPrefix("pwm-1:") }
        #expect(duty.count >= 990 && duty.allSatisfy { $0 == "pwm-1: 25.000000%" }, "\(sigrok.prefix(500))")
        let timing = try runTool("sigrok-cli", ["-I", "vcd:downsample=1000", "-i", vcd, "-P", "timing:data=GPIO18:edge=rising", "-A", "timing=time"])
        let periods = timing.split(separator: "\n").filter { $0.hasPrefix("timing-1:") }
        #expect(periods.count >= 990 && periods.allSatisfy { $0 == "timing-1: 1.000 ms (1.000 kHz)" }, "\(timing.prefix(500))")
    }

    @Test("strobe servo and strobe wave on the bench; refusals print the engine's reason")
    func cliServoAndWave() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let state = ["--fresh", "--virtual-state", dir.path + "/state"]
        var r = try runStrobe(["servo", "17", "--angle", "90", "--virtual", "rp1", "--duration", "100ms"] + state)
        #expect(r.status == 0 && r.stdout.contains("GPIO17: servo pulse 1500.0 µs at 50 Hz: 100.000 ms of virtual time"), "\(r)")
        #expect(r.stdout.contains("(10 edges)"))
        r = try runStrobe(["wave", "--pwm", "18:1000:0.25", "--pwm", "19:2000:0.5:0.5", "--servo", "17:1500", "--virtual", "bcm2711", "--duration", "20ms"] + state)
        #expect(r.status == 0 && r.stdout.contains("3 channels (GPIO18, GPIO19, GPIO17)") && r.stdout.contains("late edges: 0"), "\(r)")
        r = try runStrobe(["wave", "--train", "20:100,250,400,450:1000", "--virtual", "bcm2711", "--duration", "3ms", "--trace", dir.path + "/train.vcd"] + state)
        #expect(r.status == 0 && r.stdout.contains("1 channels (GPIO20)") && r.stdout.contains("late edges: 0"), "\(r)")
        let train = try vcdChanges(dir.path + "/train.vcd", signal: "GPIO20")
        #expect(train == ["100000:1", "250000:0", "400000:1", "450000:0", "1100000:1", "1250000:0", "1400000:1", "1450000:0",
                          "2100000:1", "2250000:0", "2400000:1", "2450000:0"], "a 150 µs and a 50 µs pulse each millisecond: \(train)")
        r = try runStrobe(["wave", "--train", "20:100,101:1000", "--virtual", "bcm2711", "--duration", "3ms"] + state)
        #expect(r.status != 0 && r.stderr.contains("needs edges 1000 ns apart"), "\(r)")
        for bad in ["20:100,x", "20:", "20:100:0", "x:100", "20:100:-5:1"] {
            r = try runStrobe(["wave", "--train", bad, "--virtual", "bcm2711"] + state)
            #expect(r.status != 0 && r.stderr.contains("is invalid for '--train"), "\(bad): \(r)")
        }
        r = try runStrobe(["pwm", "18", "--freq", "1000", "--duty", "1.5", "--virtual", "bcm2711"] + state)
        #expect(r.status != 0 && r.stderr.contains("--duty takes 0…1"), "\(r)")
        r = try runStrobe(["pwm", "18", "--freq", "1000", "--duty", "0.5", "--trace", dir.path + "/x.vcd", "--root", dir.path])
        #expect(r.status != 0 && r.stderr.contains("--trace needs --virtual"), "\(r)")
    }
}

@Suite("strobe trace")
struct TraceCLITests {
    @Test("trace captures a command's pin changes on the virtual bench; other commands are refused")
    func trace() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let vcd = dir.path + "/t.vcd"
        var r = try runStrobe(["trace", vcd, "--", "servo", "17", "--angle", "90", "--virtual", "rp1", "--duration", "200ms",
                               "--fresh", "--virtual-state", dir.path + "/s"])
        #expect(r.status == 0, "\(r.stderr)")
        let timing = try runTool("sigrok-cli", ["-I", "vcd:downsample=1000", "-i", vcd, "-P", "timing:data=GPIO17:edge=rising", "-A", "timing=time"])
        let periods = timing.split(separator: "\n").filter { $0.hasPrefix("timing-1:") }
        #expect(periods.count >= 4 && periods.allSatisfy { $0 == "timing-1: 20.000 ms (50.000 Hz)" }, "50 Hz servo frames: \(timing.prefix(300))")
        let pulses = try runTool("sigrok-cli", ["-I", "vcd:downsample=1000", "-i", vcd, "-P", "pwm:data=GPIO17", "-A", "pwm=duty-cycle"])
        #expect(pulses.split(separator: "\n").filter { $0.hasPrefix("pwm-1:") }.allSatisfy { $0 == "pwm-1: 7.500000%" }, "1500 µs of 20 ms: \(pulses.prefix(300))")
        r = try runStrobe(["trace", vcd, "--", "info", "--virtual", "rp1"])
        #expect(r.status != 0 && r.stderr.contains("strobe trace captures pwm, servo, wave, blink; not info"))
        r = try runStrobe(["trace", vcd, "--", "pwm", "18", "--freq", "1000", "--duty", "0.5"])
        #expect(r.status != 0 && r.stderr.contains("tracing needs the virtual bench"))
    }
}
