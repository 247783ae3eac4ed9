import CStrobe
import CStrobeSimulator
import Foundation
import Testing
@testable import Strobe
@testable import StrobeSimulator

/// Every public API that takes a number refuses NaN, infinities, huge and negative values with
/// StrobeError.outOfRange — never a trap, a wrapped time or a silent default — and still takes
/// the values in its range.
@Suite("numeric input: the public API's ranges")
struct NumericInputTests {
    static let hostile: [Double] = [.nan, -.nan, .infinity, -.infinity, 1e300, -1e300, -1, .greatestFiniteMagnitude]

    /// The parameter named by an outOfRange error, or a description of whatever else happened.
    func refusal(_ body: () throws -> Void) -> String {
        do {
            try body()
            return "accepted"
        } catch StrobeError.outOfRange(let parameter, _, _) {
            return parameter
        } catch {
            return "another error: \(error)"
        }
    }

    @Test("PWM frequency, duty and phase: NaN, ±inf, ±1e300, -1 refused by name", arguments: hostile)
    func pwmNumbers(value: Double) {
        #expect(refusal { _ = try Waveform().pwm(pin: 18, frequency: value, duty: 0.5).compile() } == "PWM frequency")
        #expect(refusal { _ = try Waveform().pwm(pin: 18, frequency: 1000, duty: value).compile() } == "PWM duty")
        #expect(refusal { _ = try Waveform().pwm(pin: 18, frequency: 1000, duty: 0.5, phase: value).compile() } == "PWM phase")
    }

    @Test("servo angle: anything but 0…180 refused, in the builder, the helper and Servo", arguments: hostile + [180.0001, -0.0001, 360])
    func servoAngle(value: Double) throws {
        #expect(refusal { _ = try Waveform.servoPulseWidth(angle: value) } == "servo angle")
        #expect(refusal { _ = try Waveform().servo(pin: 17, angle: value) } == "servo angle")
        let board = try Board.virtual(.bcm2711)
        #expect(refusal { _ = try Servo(board: board, pin: 17, angle: value) } == "servo angle")
        let servo = try Servo(board: board, pin: 18, angle: 90)
        #expect(refusal { try servo.set(angle: value) } == "servo angle")
        servo.angle = value // the setter ignores what set(angle:) refuses
        #expect(servo.pulseWidth == .microseconds(1500))
        servo.release()
    }

    @Test("servo frequency and pulse width", arguments: hostile)
    func servoNumbers(value: Double) {
        #expect(refusal { _ = try Waveform().servo(pin: 17, pulseWidth: .microseconds(1500), frequency: value).compile() } == "servo frequency")
    }

    @Test("durations: negative, huge and past 64-bit nanoseconds refused by name")
    func durations() {
        let hostile: [Duration] = [.nanoseconds(-1), .seconds(-1), .seconds(Int64.max), .seconds(1_000_000_000_000), .microseconds(499), .microseconds(2501)]
        for d in hostile {
            #expect(refusal { _ = try Waveform().servo(pin: 17, pulseWidth: d).compile() } == "servo pulse", "\(d)")
        }
        for d: Duration in [.nanoseconds(-1), .seconds(Int64.max), .seconds(2)] {
            #expect(refusal { _ = try Waveform(minimumGap: d).pwm(pin: 18, frequency: 1000, duty: 0.5).compile() } == "the minimum gap", "\(d)")
        }
        #expect(refusal { _ = try Waveform().pulseTrain(pin: 5, edges: [.zero, .seconds(-1)]).compile() } == "a pulse train edge")
        #expect(refusal { _ = try Waveform().pulseTrain(pin: 5, edges: [.zero, .seconds(Int64.max)]).compile() } == "a pulse train edge")
    }

    @Test("a train's loop period of zero is refused, not played once")
    func zeroLoopPeriod() throws {
        for loop: Duration in [.zero, .nanoseconds(-5), Duration(secondsComponent: 0, attosecondsComponent: 1), .seconds(2), .seconds(Int64.max)] {
            #expect(refusal { _ = try Waveform().pulseTrain(pin: 5, edges: [.microseconds(100), .microseconds(250)], loopPeriod: loop).compile() }
                == "the loop period", "\(loop)")
        }
        let looped = try Waveform().pulseTrain(pin: 5, edges: [.microseconds(100), .microseconds(250)], loopPeriod: .milliseconds(1)).compile()
        #expect(looped.periodNanoseconds == 1_000_000)
        let once = try Waveform().pulseTrain(pin: 5, edges: [.microseconds(100), .microseconds(250)]).compile()
        #expect(once.periodNanoseconds == 0, "no loop period: once")
    }

    @Test("wave player options: priority, CPU, record capacity, late threshold")
    func playerOptions() throws {
        let board = try Board.virtual(.bcm2711)
        func options(_ change: (inout WavePlayer.Options) -> Void) -> WavePlayer.Options {
            var o = WavePlayer.Options()
            change(&o)
            return o
        }
        let cases: [(WavePlayer.Options, String)] = [
            (options { $0.realtimePriority = -1 }, "the real-time priority"),
            (options { $0.realtimePriority = 100 }, "the real-time priority"),
            (options { $0.realtimePriority = .max }, "the real-time priority"),
            (options { $0.cpu = -1 }, "the player's CPU"),
            (options { $0.cpu = .max }, "the player's CPU"),
            (options { $0.recordCapacity = -1 }, "the record capacity"),
            (options { $0.recordCapacity = .max }, "the record capacity"),
            (options { $0.lateThreshold = .seconds(-1) }, "the late threshold"),
            (options { $0.lateThreshold = .seconds(Int64.max) }, "the late threshold"),
        ]
        for (o, name) in cases {
            #expect(refusal { _ = try WavePlayer(board: board, pins: [18], options: o) } == name)
        }
        // Nothing was claimed by the refused players: a good one gets the pin.
        let player = try WavePlayer(board: board, pins: [18], options: options { $0.realtimePriority = 0; $0.cpu = 0; $0.recordCapacity = 0 })
        player.release()
    }

    @Test("virtual time never wraps: advance, run(for:), run(until:) and a pass at the end of time")
    func virtualTime() throws {
        let board = try Board.virtual(.bcm2711)
        let bench = try #require(board.bench)
        #expect(refusal { try bench.advance(nanoseconds: .max) } == "virtual time")
        #expect(bench.now == 0, "a refused advance leaves the clock alone")
        try bench.advance(nanoseconds: maximumTimeNanoseconds - 1_000_000)
        #expect(refusal { try bench.advance(nanoseconds: 2_000_000) } == "virtual time")
        #expect(bench.now == maximumTimeNanoseconds - 1_000_000)
        let pwm = try PWM(board: board, pin: 18, frequency: 1000, duty: 0.5)
        #expect(refusal { try pwm.player.run(for: .seconds(1)) } == "virtual time after the run")
        #expect(refusal { try pwm.player.run(until: .max) } == "the time to run until (ns)")
        #expect(refusal { try pwm.player.run(for: .nanoseconds(-1)) } == "the run time")
        try pwm.player.run(for: .microseconds(500)) // within the end of time: plays
        #expect(bench.now == maximumTimeNanoseconds - 500_000)
        let changes = bench.changes.count
        #expect(changes > 0)
        pwm.release()
        try bench.advance(nanoseconds: 500_000)
        #expect(bench.now == maximumTimeNanoseconds, "time reaches its end exactly")
        #expect(refusal { try bench.advance(nanoseconds: 1) } == "virtual time")
        let last = try PWM(board: board, pin: 19, frequency: 1000, duty: 0.5)
        #expect(refusal { try last.player.run(for: .nanoseconds(1)) } == "virtual time after the run")
        last.release()
    }

    @Test("store cost: at most 1 s")
    func storeCost() throws {
        let bench = try VirtualBench(layout: .bcm2711)
        #expect(refusal { try bench.setStoreCost(nanoseconds: .max) } == "the store cost (ns)")
        #expect(refusal { try bench.setStoreCost(nanoseconds: 1_000_000_001) } == "the store cost (ns)")
        try bench.setStoreCost(nanoseconds: 1_000_000_000)
        try bench.setStoreCost(nanoseconds: 0)
    }

    @Test("valid values still work: PWM, servo by angle and width, trains, players")
    func validValues() throws {
        let board = try Board.virtual(.bcm2711)
        let pwm = try PWM(board: board, pin: 18, frequency: 1, duty: 0, phase: 0.5)
        try pwm.set(frequency: 1000, duty: 1)
        try pwm.set(duty: 0.5)
        #expect(pwm.frequency == 1000 && pwm.duty == 0.5)
        pwm.release()
        #expect(try Waveform.servoPulseWidth(angle: 45) == .microseconds(1000))
        let servo = try Servo(board: board, pin: 17, pulseWidth: .microseconds(500))
        try servo.set(angle: 180)
        #expect(servo.pulseWidth == .microseconds(2500))
        try servo.set(pulseWidth: .microseconds(1500))
        servo.release()
        _ = try Waveform(minimumGap: .zero).pwm(pin: 18, frequency: 1e6, duty: 0.5).compile()
        let train = try Waveform().pulseTrain(pin: 5, edges: [.zero, .milliseconds(500)], loopPeriod: .seconds(1)).compile()
        #expect(train.periodNanoseconds == 1_000_000_000)
    }

    @Test("the error's text names the parameter, the value and the range")
    func message() {
        let e = StrobeError.outOfRange(parameter: "PWM duty", value: "nan", range: "0…1")
        #expect(e.description == "PWM duty nan is out of range: it takes 0…1")
        do {
            _ = try Waveform().pwm(pin: 18, frequency: .infinity, duty: 0.5).compile()
            Issue.record("accepted")
        } catch {
            #expect(error.description == "PWM frequency inf Hz is out of range: it takes 1 Hz…1 GHz (a period of 1 ns…1 s)")
        }
    }
}

/// The CLI's numbers: refused while parsing, with one line naming the value and the range.
@Suite("numeric input: the CLI")
struct NumericCLITests {
    @Test("the issue's cases: no trap, no hang, a short error naming the range")
    func issueCases() throws {
        let cases: [([String], String)] = [
            (["servo", "17", "--pulse-us", "nan", "--virtual", "bcm2711"], "--pulse-us takes 500…2500"),
            (["pwm", "18", "--freq", "1000", "--duty", "0.5", "--duration", "1e30s", "--virtual", "bcm2711"], "--duration takes a duration of 1 µs…24 h"),
            (["monitor", "17", "--timeout", "10000000000s", "--virtual", "bcm2711"], "--timeout takes a duration of 1 ns…24 h"),
            (["bench", "--mask-pins", "0-99999999999999", "--virtual", "bcm2711"], "--mask-pins takes a list of GPIO numbers"),
            (["bench", "--mask-pins", "18,18", "--virtual", "bcm2711"], "GPIO 18 is listed twice"),
            (["bench", "--pin", "58", "--virtual", "bcm2711", "--toggles", "100", "--rounds", "1"], "GPIO 58 does not exist on bcm2711"),
            (["blink", "17", "--hz", "1e-10", "--virtual", "bcm2711"], "--hz takes 0.01…100000"),
            (["pwm", "18", "--freq", "1000", "--duty", "0.5", "--duration", "18446744073709551615ns", "--virtual", "bcm2711"], "--duration takes"),
            (["info", "--pins", "abc", "--virtual", "bcm2711"], "--pins takes a list of GPIO numbers"),
            (["info", "--pins", "99", "--virtual", "bcm2711"], "GPIO 99 does not exist on bcm2711"),
            (["wave", "--train", "20:100,250:0.0001", "--virtual", "bcm2711"], "--train's LOOP period 0.0001 µs is out of range"),
        ]
        for (args, message) in cases {
            let r = try runStrobe(args + ["--virtual-state", "/tmp/strobe-numeric-test-\(getpid()).state"])
            #expect(r.status != 0 && r.status < 128, "\(args): status \(r.status)")
            #expect(r.stderr.contains(message), "\(args): \(r.stderr)")
            #expect(!r.stderr.contains("Fatal error") && r.stderr.split(separator: "\n").count <= 4, "\(args): \(r.stderr)")
        }
    }

    @Test("report refuses a row with ops_per_s 1.7e308 instead of charting it forever")
    func hugeReportRow() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let row = #"[{"env":"host","backend":"registers","op":"toggle","impl":"c","ops":1000,"ns_per_op":2,"ops_per_s":1.7e308}]"#
        try Data(row.utf8).write(to: dir.url.appendingPathComponent("bench-host.json"))
        let r = try runStrobe(["report", dir.path])
        #expect(r.status == 1 && r.stderr.contains("ops_per_s 1.7e+308 is out of range"), "\(r.stderr)")
    }

    @Test("bench: an unlisted backend that can't run is a note; one asked for by name is an error")
    func benchBackends() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let quick = ["--toggles", "1000", "--syscall-toggles", "100", "--rounds", "1", "--sysfs-root", dir.path + "/nosys"]
        let all = try runStrobe(["bench"] + quick)
        #expect(all.status == 0, "\(all.stderr)")
        #expect(!all.stdout.contains("skipped"))
        let named = try runStrobe(["bench", "--backends", "libgpiod", "--chip", "/nonexistent-chip"] + quick)
        #expect(named.status == 1 && named.stderr.contains("bench could not measure libgpiod"), "\(named.stderr)")
    }

    @Test("valid numbers still run")
    func valid() throws {
        for args in [["blink", "17", "--hz", "1000", "--count", "2"], ["servo", "17", "--angle", "90", "--duration", "100ms"],
                     ["pwm", "18", "--freq", "1000", "--duty", "0", "--duration", "10ms"], ["info", "--pins", "2,4-7"],
                     ["wave", "--train", "20:100,250:1000", "--duration", "10ms"]] {
            let r = try runStrobe(args + ["--virtual", "bcm2711", "--fresh", "--virtual-state", "/tmp/strobe-numeric-test-\(getpid()).state"])
            #expect(r.status == 0, "\(args): \(r.stderr)")
        }
    }
}

@Suite("numeric input: monitors")
struct NumericMonitorTests {
    @Test("a monitor's bounce: negative or over an hour refused before the pin is claimed")
    func bounce() throws {
        let board = try Board.virtual(.bcm2711)
        for bounce: Duration in [.nanoseconds(-1), .seconds(-1), .seconds(3601), .seconds(Int64.max)] {
            #expect(throws: StrobeError.self) { _ = try board.monitor(17, bounce: bounce) }
        }
        let monitor = try board.monitor(17, bounce: .seconds(3600)) // the pin is free: nothing was claimed above
        monitor.stop()
    }
}

@Suite("monitors dropped at once")
struct DroppedMonitorTests {
    @Test("a monitor dropped right after it is made (an error path) stops cleanly, never a trap")
    func droppedAtOnce() throws {
        let board = try Board.virtual(.bcm2711)
        for _ in 0..<200 {
            _ = try board.monitor(17)
        }
        let again = try board.monitor(17) // each dropped monitor gave the pin back
        again.stop()
    }
}

/// The C core's side: times never wrap, and the player refuses settings out of range.
@Suite("numeric input: the C core's times")
struct NumericCTests {
    @Test("strobe_time_add: sums up to STROBE_TIME_MAX_NS, -EOVERFLOW past it; the saturating sum stops there")
    func timeAdd() {
        var t: UInt64 = 7
        #expect(strobe_time_add(1, 2, &t) == 0 && t == 3)
        #expect(strobe_time_add(STROBE_TIME_MAX_NS - 1, 1, &t) == 0 && t == STROBE_TIME_MAX_NS)
        #expect(strobe_time_add(STROBE_TIME_MAX_NS, 1, &t) == -EOVERFLOW && t == STROBE_TIME_MAX_NS, "left alone")
        #expect(strobe_time_add(.max, .max, &t) == -EOVERFLOW)
        #expect(strobe_time_add(1, .max, &t) == -EOVERFLOW)
        #expect(strobe_time_add_saturating(STROBE_TIME_MAX_NS - 5, 10) == STROBE_TIME_MAX_NS)
        #expect(strobe_time_add_saturating(.max, .max) == STROBE_TIME_MAX_NS)
    }

    @Test("the bench's clock: advance refuses to wrap, virtual sleeps and stores stop at the end")
    func benchClock() throws {
        let bench = try VirtualBench(layout: .bcm2711)
        #expect(strobe_vbench_advance(bench.handle, .max) == -EOVERFLOW && bench.now == 0)
        #expect(strobe_vbench_advance(bench.handle, STROBE_TIME_MAX_NS - 10) == 0)
        var clock = strobe_vbench_clock(bench.handle)
        strobe_clock_sleep_until(&clock, .max)
        #expect(bench.now == STROBE_TIME_MAX_NS, "a sleep past the end ends there")
        strobe_clock_spin_for(&clock, .max)
        #expect(bench.now == STROBE_TIME_MAX_NS)
        strobe_vbench_set_store_cost(bench.handle, .max)
        // A store on the bench at the end of time leaves the clock there.
        let board = try Board.virtual(.bcm2711)
        let b = try #require(board.bench)
        try b.advance(nanoseconds: STROBE_TIME_MAX_NS)
        try b.setStoreCost(nanoseconds: 1_000_000_000)
        let out = try board.output(17)
        out.set()
        #expect(b.now == STROBE_TIME_MAX_NS)
    }

    @Test("the player: run_until past the end is -ERANGE; spin, lead, late over 1 s and huge rings are -ERANGE")
    func player() throws {
        let board = try Board.virtual(.bcm2711)
        let bench = try #require(board.bench)
        var port = strobe_port()
        _ = strobe_port_make(STROBE_LAYOUT_BCM2711, strobe_gpio_block(board.gpio), 0, &port)
        var cfg = strobe_player_config()
        var err: Int32 = 0
        for change in [{ (c: inout strobe_player_config) in c.spin_ns = 2_000_000_000 },
                       { (c: inout strobe_player_config) in c.start_lead_ns = .max },
                       { (c: inout strobe_player_config) in c.late_ns = .max },
                       { (c: inout strobe_player_config) in c.record_capacity = Int(STROBE_PLAYER_MAX_RECORDS) + 1 }] {
            strobe_player_config_init(&cfg, port.set, port.clr, bench.clock)
            change(&cfg)
            #expect(strobe_player_new(&cfg, &err) == nil && err == -ERANGE)
        }
        strobe_player_config_init(&cfg, port.set, port.clr, bench.clock)
        let p = try #require(strobe_player_new(&cfg, &err))
        defer { strobe_player_free(p) }
        #expect(strobe_player_run_until(p, .max) == -ERANGE)
        #expect(strobe_player_run_until(p, STROBE_TIME_MAX_NS + 1) == -ERANGE)
        #expect(bench.now == 0, "nothing moved")
        #expect(strobe_player_run_until(p, 1000) == 0 && bench.now == 1000)
    }
}
