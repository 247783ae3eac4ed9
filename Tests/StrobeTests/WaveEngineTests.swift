import CStrobe
import CStrobeSimulator
import Foundation
import Testing
@testable import Strobe
@testable import StrobeSimulator

/// The C waveform engine (strobe_wave.h): the compiler, the player on the virtual bench in
/// virtual time (exact), and the threaded player in real time on a RAM block (mechanics only:
/// timing goals belong to the benchmarks).
@Suite("Waveform engine (C core)")
struct WaveEngineTests {
    /// A control block as a comparable value.
    struct Block: Equatable, CustomStringConvertible {
        var t: UInt64, set: UInt32, clr: UInt32
        init(_ t: UInt64, set: UInt32 = 0, clr: UInt32 = 0) { (self.t, self.set, self.clr) = (t, set, clr) }
        var description: String { "\(t): set \(String(set, radix: 16)) clr \(String(clr, radix: 16))" }
    }

    static let gpio18: UInt32 = 1 << 18
    static let gpio19: UInt32 = 1 << 19
    static let us: UInt64 = 1_000, ms: UInt64 = 1_000_000

    /// A waveform, freed when the test ends.
    final class Wave {
        let w: OpaquePointer
        init() { w = strobe_wave_new()! }
        deinit { strobe_wave_free(w) }

        /// Runs a builder call with a message buffer; returns its code and message.
        @discardableResult
        func call(_ body: (OpaquePointer, UnsafeMutablePointer<CChar>, Int) -> Int32) -> (rc: Int32, why: String) {
            var buf = [CChar](repeating: 0, count: 512)
            let rc = buf.withUnsafeMutableBufferPointer { body(w, $0.baseAddress!, $0.count) }
            let why = buf.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            return (rc, why)
        }
        @discardableResult
        func pwm(_ pin: UInt32, _ hz: Double, duty: Double, phase: Double = 0) -> (rc: Int32, why: String) {
            call { strobe_wave_add_pwm($0, pin, hz, duty, phase, $1, $2) }
        }
        @discardableResult
        func servo(_ pin: UInt32, pulseMicroseconds: Double, hz: Double = 0) -> (rc: Int32, why: String) {
            call { strobe_wave_add_servo($0, pin, pulseMicroseconds, hz, $1, $2) }
        }
        @discardableResult
        func train(_ pin: UInt32, _ edges: [UInt64], initial: Int32 = 0, loop: UInt64 = 0) -> (rc: Int32, why: String) {
            call { w, why, len in edges.withUnsafeBufferPointer { strobe_wave_add_pulse_train(w, pin, $0.baseAddress, $0.count, initial, loop, why, len) } }
        }
        @discardableResult
        func compile(minGap: UInt64 = UInt64(STROBE_WAVE_DEFAULT_MIN_GAP_NS)) -> (rc: Int32, why: String) {
            call { strobe_wave_compile($0, minGap, $1, $2) }
        }
        var blocks: [Block] {
            let n = strobe_wave_block_count(w)
            guard n > 0, let b = strobe_wave_blocks(w) else { return [] }
            return (0..<n).map { Block(b[$0].t_ns, set: b[$0].set_mask, clr: b[$0].clr_mask) }
        }
        var period: UInt64 { strobe_wave_period_ns(w) }
        var pins: UInt32 { strobe_wave_pins(w) }
        var initialLevels: UInt32 { strobe_wave_initial_levels(w) }
    }

    /// A compiled PWM waveform on one pin.
    static func pwm(_ pin: UInt32, _ hz: Double, duty: Double, phase: Double = 0) throws -> Wave {
        let w = Wave()
        #expect(w.pwm(pin, hz, duty: duty, phase: phase).rc == 0)
        let c = w.compile()
        try #require(c.rc == 0, "\(c.why)")
        return w
    }

    /// A player writing bank 0 of `board`'s registers.
    final class Player {
        let p: OpaquePointer
        init(board: Board, clock: strobe_clock, configure: (inout strobe_player_config) -> Void = { _ in }) throws {
            var port = strobe_port()
            #expect(strobe_port_make(board.layout.cValue, strobe_gpio_block(board.gpio), 0, &port) == 0)
            var cfg = strobe_player_config()
            strobe_player_config_init(&cfg, port.set, port.clr, clock)
            configure(&cfg)
            var err: Int32 = 0
            p = try #require(strobe_player_new(&cfg, &err), "strobe_player_new: \(err)")
        }
        deinit { strobe_player_free(p) }

        var records: [strobe_edge_record] {
            var out: [strobe_edge_record] = []
            var cursor: UInt64 = 0
            var buf = [strobe_edge_record](repeating: strobe_edge_record(), count: 256)
            while true {
                let n = buf.withUnsafeMutableBufferPointer { strobe_player_read_records(p, &cursor, $0.baseAddress, $0.count) }
                if n == 0 { break }
                out += buf[0..<n]
            }
            return out
        }
        var warnings: [String] {
            (0..<strobe_player_warning_count(p)).compactMap { strobe_player_warning(p, $0).map { String(cString: $0) } }
        }
    }

    /// A virtual bench board with GPIO 18 and 19 claimed as outputs (low), change log cleared.
    static func bench() throws -> (Board, VirtualBench) {
        let board = try Board.virtual(.bcm2711)
        return (board, try #require(board.bench))
    }

    // MARK: Compilation

    @Test("one PWM channel, 1 kHz 25 %: set at 0, clear at 250 µs, period 1 ms")
    func singlePWM() throws {
        let w = try Self.pwm(18, 1000, duty: 0.25)
        #expect(w.blocks == [Block(0, set: Self.gpio18), Block(250 * Self.us, clr: Self.gpio18)])
        #expect(w.period == Self.ms)
        #expect(strobe_wave_duration_ns(w.w) == Self.ms)
        #expect(w.pins == Self.gpio18 && w.initialLevels == Self.gpio18)
    }

    @Test("1 kHz and 2 kHz merge over 1 ms; edges at one instant share one block")
    func mergeTwoChannels() throws {
        let w = Wave()
        w.pwm(19, 2000, duty: 0.5)  // added first: the order of channels must not matter
        w.pwm(18, 1000, duty: 0.25)
        #expect(w.compile().rc == 0)
        let both = Self.gpio18 | Self.gpio19
        #expect(w.blocks == [
            Block(0, set: both),
            Block(250 * Self.us, clr: both),
            Block(500 * Self.us, set: Self.gpio19),
            Block(750 * Self.us, clr: Self.gpio19),
        ], "\(w.blocks)")
        #expect(w.period == Self.ms)
        #expect(w.pins == both)
    }

    @Test("a rise and a fall at one instant on different pins are one block with both masks")
    func setAndClearInOneBlock() throws {
        let w = Wave()
        w.pwm(18, 1000, duty: 0.5)
        w.pwm(19, 1000, duty: 0.5, phase: 0.5)
        #expect(w.compile().rc == 0)
        #expect(w.blocks == [Block(0, set: Self.gpio18, clr: Self.gpio19), Block(500 * Self.us, set: Self.gpio19, clr: Self.gpio18)])
        #expect(w.initialLevels == Self.gpio18, "19 starts low: its pulse begins half-way")
    }

    @Test("phase shifts the pulse; a pulse that wraps the period end starts the period high")
    func phase() throws {
        let half = try Self.pwm(18, 1000, duty: 0.25, phase: 0.5)
        #expect(half.blocks == [Block(500 * Self.us, set: Self.gpio18), Block(750 * Self.us, clr: Self.gpio18)])
        #expect(half.initialLevels == 0)
        let wrap = try Self.pwm(18, 1000, duty: 0.25, phase: 0.9)
        #expect(wrap.blocks == [Block(150 * Self.us, clr: Self.gpio18), Block(900 * Self.us, set: Self.gpio18)], "sorted by time")
        #expect(wrap.initialLevels == Self.gpio18)
        let one = try Self.pwm(18, 1000, duty: 0.25, phase: 1)
        #expect(one.blocks == (try Self.pwm(18, 1000, duty: 0.25)).blocks, "phase 1 is phase 0")
    }

    @Test("blocks are sorted and strictly increasing across many channels")
    func ordering() throws {
        let w = Wave()
        for (i, hz) in [1000.0, 2000, 4000, 500, 250].enumerated() {
            #expect(w.pwm(UInt32(20 + i), hz, duty: 0.3, phase: 0.1 * Double(i)).rc == 0)
        }
        #expect(w.compile().rc == 0)
        let t = w.blocks.map(\.t)
        #expect(w.period == 4 * Self.ms)
        #expect(zip(t, t.dropFirst()).allSatisfy { $0 < $1 })
        #expect(t.allSatisfy { $0 < w.period })
        // Every pin rises once and falls once per its own period.
        for (i, hz) in [1000.0, 2000, 4000, 500, 250].enumerated() {
            let bit = UInt32(1) << UInt32(20 + i), per = Int(Double(w.period) / (1e9 / hz))
            #expect(w.blocks.filter { $0.set & bit != 0 }.count == per && w.blocks.filter { $0.clr & bit != 0 }.count == per)
        }
    }

    @Test("duty 0 holds the pin low, duty 1 holds it high: no edges, only the initial level")
    func heldLevels() throws {
        let w = Wave()
        w.pwm(18, 1000, duty: 0)
        w.pwm(19, 1000, duty: 1)
        w.pwm(20, 1000, duty: 0.5)
        #expect(w.compile().rc == 0)
        #expect(w.blocks == [Block(0, set: 1 << 20), Block(500 * Self.us, clr: 1 << 20)], "18 and 19 never appear in a block")
        #expect(w.pins == Self.gpio18 | Self.gpio19 | 1 << 20)
        #expect(w.initialLevels == Self.gpio19 | 1 << 20)
    }

    @Test("servo 1500 µs at 50 Hz: a 20 ms period with the pulse at its start")
    func servo() throws {
        let w = Wave()
        #expect(w.servo(17, pulseMicroseconds: 1500).rc == 0)
        #expect(w.compile().rc == 0)
        #expect(w.period == 20 * Self.ms)
        #expect(w.blocks == [Block(0, set: 1 << 17), Block(1500 * Self.us, clr: 1 << 17)])
    }

    @Test("pulse trains: one-shot and looped")
    func pulseTrains() throws {
        let once = Wave()
        #expect(once.train(5, [0, 100 * Self.us, 300 * Self.us]).rc == 0)
        #expect(once.compile().rc == 0)
        #expect(once.period == 0 && strobe_wave_duration_ns(once.w) == 300 * Self.us)
        #expect(once.blocks == [Block(0, set: 1 << 5), Block(100 * Self.us, clr: 1 << 5), Block(300 * Self.us, set: 1 << 5)])
        let looped = Wave()
        #expect(looped.train(5, [10 * Self.us, 20 * Self.us], initial: 1, loop: 50 * Self.us).rc == 0)
        #expect(looped.compile().rc == 0)
        #expect(looped.period == 50 * Self.us && looped.initialLevels == 1 << 5)
        #expect(looped.blocks == [Block(10 * Self.us, clr: 1 << 5), Block(20 * Self.us, set: 1 << 5)])
        #expect(looped.train(6, [1, 2, 3], loop: 50).why.contains("even number of edges"))
        #expect(looped.train(6, [5, 5]).why == "pulse train edge 1 at 5 ns does not come after edge 0 at 5 ns")
        let mixed = Wave()
        mixed.train(5, [0, 100 * Self.us])
        mixed.pwm(6, 1000, duty: 0.5)
        let r = mixed.compile()
        #expect(r.rc == -EINVAL && r.why.hasPrefix("the one-shot pulse train on GPIO5 cannot share a waveform with the periodic PWM on GPIO6"), "\(r.why)")
    }

    @Test("refusals carry their reason")
    func refusals() throws {
        let lcm = Wave()
        lcm.pwm(18, 1000, duty: 0.5)
        lcm.pwm(19, 999, duty: 0.5)  // periods 1 000 000 and 1 001 001 ns share no factor
        let r = lcm.compile()
        #expect(r.rc == -EINVAL)
        #expect(r.why.hasPrefix("the channels' common period (the least common multiple of their periods) is 1001.001 s, longer than the 1 s limit"), "\(r.why)")
        #expect(!strobe_wave_is_compiled(lcm.w) && lcm.blocks.isEmpty)

        let w = Wave()
        #expect(w.pwm(18, 1000, duty: 1.5) == (-EINVAL, "PWM duty 1.5 is outside 0…1"))
        #expect(w.pwm(18, 1000, duty: -0.1) == (-EINVAL, "PWM duty -0.1 is outside 0…1"))
        #expect(w.pwm(18, 1000, duty: .nan).rc == -EINVAL)
        #expect(w.pwm(18, 1000, duty: 0.5, phase: 2) == (-EINVAL, "PWM phase 2 is outside 0…1"))
        #expect(w.pwm(18, 0, duty: 0.5) == (-EINVAL, "PWM frequency 0 Hz must be a finite number above 0 Hz"))
        #expect(w.pwm(18, -5, duty: 0.5).rc == -EINVAL)
        #expect(w.pwm(18, .infinity, duty: 0.5).rc == -EINVAL)
        #expect(w.pwm(18, 2e9, duty: 0.5) == (-EINVAL, "PWM frequency 2e+09 Hz is above 1 GHz: its period is under 1 ns"))
        #expect(w.pwm(18, 0.5, duty: 0.5) == (-EINVAL, "PWM frequency 0.5 Hz has a period of 2.000 s, longer than the 1 s limit"))
        #expect(w.pwm(40, 1000, duty: 0.5) == (-EINVAL, "GPIO40 is outside bank 0 (GPIO 0–31), the only bank the waveform engine drives"))
        #expect(w.servo(17, pulseMicroseconds: 3000) == (-EINVAL, "servo pulse 3000 µs is outside 500–2500 µs"))
        #expect(w.servo(17, pulseMicroseconds: 400).rc == -EINVAL)
        #expect(w.servo(17, pulseMicroseconds: 2500, hz: 500).why == "servo pulse 2500 µs does not fit in a 500 Hz frame of 2000.000 µs")
        #expect(w.compile() == (-EINVAL, "the waveform has no channels"), "every refused channel left the waveform unchanged")
        #expect(w.pwm(18, 1000, duty: 0.5).rc == 0)
        #expect(w.pwm(18, 2000, duty: 0.5) == (-EINVAL, "GPIO18 already has a PWM channel in this waveform: one channel per pin (more channels than pins)"))
        #expect(w.servo(18, pulseMicroseconds: 1500).why.hasPrefix("GPIO18 already has a PWM channel"))
        #expect(w.compile().rc == 0)
    }

    @Test("edges closer than the engine can keep are refused, within a channel and across channels")
    func minimumGap() throws {
        let fast = Wave()
        fast.pwm(18, 1_000_000, duty: 0.5)  // 1 MHz: edges 500 ns apart
        let r = fast.compile(minGap: 2000)
        #expect(r == (-EINVAL, "the PWM on GPIO18 needs edges 500 ns apart (at 0 and 500 ns), closer than the 2000 ns the engine can keep"))
        #expect(fast.compile(minGap: 500).rc == 0, "the same wave at a finer engine")

        let close = Wave()
        close.pwm(18, 1000, duty: 0.25)
        close.pwm(19, 1000, duty: 0.251)  // falls 1 µs after 18
        let c = close.compile(minGap: 2000)
        #expect(c == (-EINVAL, "edges at 250000 ns (GPIO18) and 251000 ns (GPIO19) are 1000 ns apart, closer than the 2000 ns the engine can keep"), "\(c.why)")

        let wrap = Wave()
        wrap.pwm(18, 1000, duty: 0.5, phase: 0.0005)   // rises at 500 ns
        wrap.pwm(19, 1000, duty: 0.25, phase: 0.9995)  // rises at 999 500 ns: 1 µs before the wrap
        #expect(wrap.compile(minGap: 2000).why.contains("are 1000 ns apart"), "the gap across the period end counts")
    }

    @Test("adding a channel after compiling uncompiles the waveform")
    func recompile() throws {
        let w = try Self.pwm(18, 1000, duty: 0.5)
        #expect(strobe_wave_is_compiled(w.w))
        w.pwm(19, 1000, duty: 0.5)
        #expect(!strobe_wave_is_compiled(w.w) && strobe_wave_block_count(w.w) == 0)
        #expect(w.compile().rc == 0 && w.blocks.count == 2)
    }

    // MARK: Playback in virtual time

    @Test("on the bench in virtual time every edge lands exactly on schedule")
    func exactSchedule() throws {
        let (board, bench) = try Self.bench()
        let pin = try board.output(18)
        let w = try Self.pwm(18, 1000, duty: 0.25)
        let player = try Player(board: board, clock: strobe_vbench_clock(bench.handle))
        try bench.advance(nanoseconds: 5 * Self.us)
        bench.clearChanges()
        let t0 = bench.now
        #expect(strobe_player_start(player.p, w.w) == 0)
        #expect(strobe_player_pass_start_ns(player.p) == t0)
        #expect(strobe_player_run_until(player.p, t0 + 10 * Self.ms - 1) == 0)
        #expect(bench.now == t0 + 10 * Self.ms - 1)

        var expected: [VirtualBench.Change] = []
        for k in 0..<UInt64(10) {
            expected.append(.init(time: t0 + k * Self.ms, pin: 18, level: .high))
            expected.append(.init(time: t0 + k * Self.ms + 250 * Self.us, pin: 18, level: .low))
        }
        #expect(bench.changes == expected)
        let records = player.records
        #expect(records.count == 20)
        #expect(records.map(\.scheduled_ns) == expected.map(\.time), "one record per block, at its time")
        #expect(records.allSatisfy { strobe_edge_error_ns($0) == 0 && $0.flags & STROBE_EDGE_LATE == 0 })
        #expect(records[0].flags == STROBE_EDGE_START && records.dropFirst().allSatisfy { $0.flags == 0 })
        #expect(strobe_player_record_total(player.p) == 20)
        _ = consume pin
    }

    @Test("swapping 25 % for 75 % mid-period changes duty only at the boundary: every period stays 1 ms")
    func glitchFreeSwap() throws {
        let (board, bench) = try Self.bench()
        let pin = try board.output(18)
        let quarter = try Self.pwm(18, 1000, duty: 0.25), threeQuarters = try Self.pwm(18, 1000, duty: 0.75)
        let player = try Player(board: board, clock: strobe_vbench_clock(bench.handle))
        bench.clearChanges()
        let t0 = bench.now
        #expect(strobe_player_start(player.p, quarter.w) == 0)
        #expect(strobe_player_run_until(player.p, t0 + 3 * Self.ms + 500 * Self.us) == 0)  // mid-period, pin low
        #expect(strobe_player_swap(player.p, threeQuarters.w) == 0)
        #expect(strobe_player_swap_pending(player.p))
        #expect(strobe_player_run_until(player.p, t0 + 3 * Self.ms + 900 * Self.us) == 0)
        #expect(strobe_player_swap_pending(player.p), "not before the boundary")
        #expect(strobe_player_run_until(player.p, t0 + 8 * Self.ms - 1) == 0)
        #expect(!strobe_player_swap_pending(player.p))
        #expect(strobe_player_pass_start_ns(player.p) == t0 + 7 * Self.ms)

        let changes = bench.changes
        let (rises, widths) = risesAndWidths(changes)
        #expect(rises == (0..<8).map { t0 + $0 * Self.ms }, "every period exactly 1 ms")
        #expect(widths == [250, 250, 250, 250, 750, 750, 750, 750].map { $0 * Self.us },
                "the duty changes at the 4 ms boundary and nowhere else")
        let swap = player.records.filter { $0.flags & STROBE_EDGE_SWAP != 0 }
        #expect(swap.count == 1 && swap[0].scheduled_ns == t0 + 4 * Self.ms)
        _ = consume pin
    }

    @Test("stop at the boundary finishes the period; release leaves the pins as asked")
    func stopAndRelease() throws {
        let (board, bench) = try Self.bench()
        let a = try board.output(18), b = try board.output(19)
        let w = Wave()
        w.pwm(18, 1000, duty: 0.5)
        w.pwm(19, 1000, duty: 0.5, phase: 0.5)
        #expect(w.compile().rc == 0)
        let player = try Player(board: board, clock: strobe_vbench_clock(bench.handle))
        bench.clearChanges()
        let t0 = bench.now
        #expect(strobe_player_start(player.p, w.w) == 0)
        #expect(strobe_player_run_until(player.p, t0 + 1 * Self.ms + 200 * Self.us) == 0)
        #expect(strobe_player_stop(player.p, STROBE_STOP_AT_BOUNDARY) == 0)
        #expect(strobe_player_get_state(player.p) == STROBE_PLAYER_IDLE)
        #expect(bench.now == t0 + 2 * Self.ms, "played the rest of the period")
        let lastBlock: UInt64 = t0 + 1_500 * Self.us
        let expectedTail: [VirtualBench.Change] = [.init(time: lastBlock, pin: 19, level: .high), .init(time: lastBlock, pin: 18, level: .low)]
        #expect(Array(bench.changes.suffix(2)) == expectedTail, "no runt: the period's last block was its own (set, then clear)")
        let count = bench.changes.count
        #expect(strobe_player_run_until(player.p, t0 + 5 * Self.ms) == 0)
        #expect(bench.changes.count == count, "stopped means no more stores")
        #expect(strobe_player_release(player.p, Self.gpio18) == 0)
        #expect(bench.level(of: 18) == .high && bench.level(of: 19) == .low)

        // Stop now: mid-period, the pins keep what they have.
        #expect(strobe_player_start(player.p, w.w) == 0)
        let t1 = bench.now
        #expect(strobe_player_run_until(player.p, t1 + 200 * Self.us) == 0)
        #expect(strobe_player_stop(player.p, STROBE_STOP_NOW) == 0)
        #expect(bench.now == t1 + 200 * Self.us && bench.level(of: 18) == .high && bench.level(of: 19) == .low)
        #expect(strobe_player_release(player.p, 0) == 0)
        #expect(bench.level(of: 18) == .low && bench.level(of: 19) == .low)
        _ = consume a
        _ = consume b
    }

    @Test("a one-shot train plays once, then a swap starts the next wave at its end")
    func oneShot() throws {
        let (board, bench) = try Self.bench()
        let pin = try board.output(5)
        let once = Wave()
        once.train(5, [0, 100 * Self.us, 300 * Self.us, 350 * Self.us])
        #expect(once.compile().rc == 0)
        let player = try Player(board: board, clock: strobe_vbench_clock(bench.handle))
        bench.clearChanges()
        let t0 = bench.now
        #expect(strobe_player_start(player.p, once.w) == 0)
        #expect(strobe_player_run_until(player.p, t0 + 200 * Self.us) == 0)
        let pwm = try Self.pwm(5, 1000, duty: 0.5)
        #expect(strobe_player_swap(player.p, pwm.w) == 0)
        #expect(strobe_player_run_until(player.p, t0 + 1 * Self.ms) == 0)
        // The train's last edge drops the pin at 350 µs; the PWM's start block raises it again at
        // that same instant: the new wave starts exactly where the one-shot ended.
        #expect(bench.changes.map(\.time) == [0, 100, 300, 350, 350, 850].map { t0 + $0 * Self.us }, "\(bench.changes)")
        #expect(bench.changes.map(\.level) == [.high, .low, .high, .low, .high, .low])
        #expect(strobe_player_stop(player.p, STROBE_STOP_NOW) == 0)

        #expect(strobe_player_start(player.p, once.w) == 0)
        #expect(strobe_player_run_until(player.p, bench.now + 2 * Self.ms) == 0)
        #expect(strobe_player_get_state(player.p) == STROBE_PLAYER_DONE)
        #expect(strobe_player_start(player.p, once.w) == 0, "a finished one-shot may be started again")
        _ = consume pin
    }

    @Test("a player a whole period behind skips whole periods, on the period grid, and says so")
    func resync() throws {
        let (board, bench) = try Self.bench()
        let pin = try board.output(18)
        let w = try Self.pwm(18, 1000, duty: 0.25)
        let player = try Player(board: board, clock: strobe_vbench_clock(bench.handle))
        let t0 = bench.now
        try bench.setStoreCost(nanoseconds: 1_600 * Self.us)  // every store a stall longer than the period
        #expect(strobe_player_start(player.p, w.w) == 0)
        #expect(strobe_player_run_until(player.p, t0 + 20 * Self.ms) == 0)
        let records = player.records
        #expect(strobe_player_skipped_periods(player.p) > 0)
        #expect(records.contains { $0.flags & STROBE_EDGE_RESYNC != 0 })
        #expect(records.allSatisfy { ($0.scheduled_ns - t0) % (250 * Self.us) == 0 }, "still on the grid")
        #expect(records.allSatisfy { $0.flags & STROBE_EDGE_LATE != 0 || $0.flags & STROBE_EDGE_START != 0 })
        let sets = records.filter { $0.set_mask != 0 }.map(\.scheduled_ns)
        #expect(zip(sets, sets.dropFirst()).allSatisfy { ($1 - $0) % Self.ms == 0 && $1 > $0 }, "rises only at period starts")
        try bench.setStoreCost(nanoseconds: 0)
        _ = consume pin
    }

    @Test("sigrok-cli decodes the bench's VCD of the played wave as 25 % at 1 kHz")
    func sigrokReadsPlayedWave() throws {
        let (board, bench) = try Self.bench()
        let pin = try board.output(18)
        let w = try Self.pwm(18, 1000, duty: 0.25)
        let player = try Player(board: board, clock: strobe_vbench_clock(bench.handle))
        bench.clearChanges()
        #expect(strobe_player_start(player.p, w.w) == 0)
        #expect(strobe_player_run_until(player.p, bench.now + 10 * Self.ms + 500 * Self.us) == 0)
        let dir = try TempDir()
        defer { dir.cleanup() }
        let vcd = dir.path + "/pwm.vcd"
        try bench.writeVCD(to: vcd, pins: [18])
        let sigrok = try runTool("sigrok-cli", ["-I", "vcd", "-i", vcd, "-P", "pwm:data=GPIO18", "-A", "pwm=duty-cycle"])
        let duty = sigrok.split(separator: "\n").filter { $0.hasPrefix("pwm-1:") }
        #expect(duty.count >= 8 && duty.allSatisfy { $0 == "pwm-1: 25.000000%" }, "\(sigrok)")
        let timing = try runTool("sigrok-cli", ["-I", "vcd", "-i", vcd, "-P", "timing:data=GPIO18:edge=rising", "-A", "timing=time"])
        let periods = timing.split(separator: "\n").filter { $0.hasPrefix("timing-1:") }
        #expect(periods.count >= 8 && periods.allSatisfy { $0 == "timing-1: 1.000 ms (1.000 kHz)" }, "rising to rising: \(timing)")
        _ = consume pin
    }

    // MARK: Real time

    @Test("a threaded real-time run on a RAM block records every block and reports each real-time feature")
    func threadedRealTime() throws {
        let board = try Board.ram(.bcm2711)
        let quarter = try Self.pwm(18, 1000, duty: 0.25), half = try Self.pwm(18, 1000, duty: 0.5)
        let cpu = Int32(ProcessInfo.processInfo.activeProcessorCount - 1)
        let player = try Player(board: board, clock: strobe_clock_monotonic()) { cfg in
            #expect(cfg.threaded && cfg.spin_ns == 100 * Self.us && cfg.lock_memory == STROBE_LOCK_PLAYER)
            cfg.cpu = cpu
            cfg.rt_priority = 10
        }
        #expect(strobe_player_run_until(player.p, 0) == -EBUSY, "a threaded player plays on its own")
        #expect(strobe_player_start(player.p, quarter.w) == 0)
        #expect(strobe_player_start(player.p, quarter.w) == -EBUSY)
        #expect(strobe_player_get_state(player.p) == STROBE_PLAYER_PLAYING)

        // Each feature asked for is active or explained — never silently missing.
        let active = strobe_player_rt_active(player.p)
        let warnings = player.warnings
        #expect(warnings.count == strobe_player_warning_count(player.p))
        for (bit, word) in [(STROBE_RT_FIFO, "SCHED_FIFO"), (STROBE_RT_AFFINITY, "CPU \(cpu)"), (STROBE_RT_MLOCK, "locking the player's memory")] {
            let warned = warnings.contains { $0.contains(word) }
            #expect((active & UInt32(bit) != 0) != warned, "\(word): active \(active), warnings \(warnings)")
        }

        Thread.sleep(forTimeInterval: 0.15)
        #expect(strobe_player_swap(player.p, half.w) == 0)
        Thread.sleep(forTimeInterval: 0.15)
        #expect(strobe_player_stop(player.p, STROBE_STOP_NOW) == 0)
        #expect(strobe_player_get_state(player.p) == STROBE_PLAYER_IDLE)
        #expect(strobe_player_release(player.p, 0) == 0)
        #expect(register(board, STROBE_BCM_GPCLR0) == Self.gpio18, "release cleared the pin through GPCLR0")

        let records = player.records
        #expect(records.count > 100, "about 2 blocks per ms for 300 ms")
        #expect((records.first?.flags ?? 0) & STROBE_EDGE_START != 0)
        #expect(records.allSatisfy { $0.actual_ns >= $0.scheduled_ns && strobe_edge_error_ns($0) < 1_000_000_000 },
                "edge errors are finite and never negative")
        #expect(zip(records, records.dropFirst()).allSatisfy { $0.scheduled_ns < $1.scheduled_ns }, "the schedule only moves forward")
        let base = records[0].scheduled_ns
        let swaps = records.filter { $0.flags & STROBE_EDGE_SWAP != 0 }
        #expect(swaps.count == 1 && (swaps[0].scheduled_ns - base) % Self.ms == 0, "the swap landed on a period boundary")
        #expect(records.allSatisfy { ($0.scheduled_ns - base) % (250 * Self.us) == 0 }, "every block on the 25 %/50 % grid")
    }

    @Test("the player refuses bad settings and uncompiled waves")
    func playerArguments() throws {
        let board = try Board.ram(.bcm2711)
        var port = strobe_port()
        _ = strobe_port_make(STROBE_LAYOUT_BCM2711, strobe_gpio_block(board.gpio), 0, &port)
        var cfg = strobe_player_config()
        var err: Int32 = 0
        strobe_player_config_init(&cfg, port.set, port.clr, strobe_clock_monotonic())
        cfg.rt_priority = 100
        #expect(strobe_player_new(&cfg, &err) == nil && err == -EINVAL)
        let bench = try VirtualBench(layout: .bcm2711)
        strobe_player_config_init(&cfg, port.set, port.clr, strobe_vbench_clock(bench.handle))
        #expect(!cfg.threaded && cfg.start_lead_ns == 0)
        cfg.threaded = true
        #expect(strobe_player_new(&cfg, &err) == nil && err == -EINVAL, "virtual time is played synchronously")
        let player = try Player(board: board, clock: strobe_vbench_clock(bench.handle))
        let raw = Wave()
        raw.pwm(18, 1000, duty: 0.5)
        #expect(strobe_player_start(player.p, raw.w) == -EINVAL)
        #expect(strobe_player_stop(player.p, STROBE_STOP_NOW) == 0, "stopping an idle player is fine")
    }
}
