import CStrobe
import Foundation
import Synchronization
import Testing
@testable import Strobe
@testable import StrobeSimulator

@Suite("Edge events and debounce")
struct EventTests {
    func e(_ rising: Bool, _ t: UInt64) -> EdgeEvent { EdgeEvent(pin: 4, rising: rising, timestamp: t) }

    @Test("the debouncer drops edges within the bounce time and repeated levels")
    func debouncer() {
        var d = Debouncer(bounce: .milliseconds(5))
        #expect(d.bounce == 5_000_000)
        let input = [e(false, 1_000_000), e(true, 1_200_000), e(false, 1_400_000), e(true, 30_000_000), e(false, 30_500_000), e(true, 31_000_000), e(false, 60_000_000)]
        let kept = input.filter { d.accept($0) }
        #expect(kept == [e(false, 1_000_000), e(true, 30_000_000), e(false, 60_000_000)])
        var none = Debouncer(bounce: .zero)
        #expect(input.filter { none.accept($0) }.count == input.count, "zero bounce keeps every alternating edge")
        var levels = Debouncer(bounce: .zero)
        #expect([e(true, 1), e(true, 2), e(false, 3)].filter { levels.accept($0) } == [e(true, 1), e(false, 3)])
        var risingOnly = Debouncer(bounce: .zero, alternates: false)
        #expect([e(true, 1), e(true, 2)].filter { risingOnly.accept($0) }.count == 2, "one direction: repeats are the point")
    }

    @Test("a monitor on the virtual bench reports debounced edges in virtual time, through the stream and the callback")
    func benchMonitor() async throws {
        let board = try Board.virtual(.bcm2711)
        let bench = try #require(board.bench)
        let fromCallback = Mutex<[EdgeEvent]>([])
        let monitor = try board.monitor(17, edge: .both, pull: .up, bounce: .milliseconds(5)) { event in
            fromCallback.withLock { $0.append(event) }
        }
        #expect(throws: StrobeError.pinInUse(17)) { _ = try board.output(17) }
        for (level, at) in [(Level.low, 1_000_000), (.high, 1_200_000), (.low, 1_400_000), (.high, 30_000_000), (.low, 30_500_000), (.high, 31_000_000)] as [(Level, UInt64)] {
            try bench.advance(nanoseconds: at - bench.now)
            try bench.drive(17, to: level)
        }
        var received: [EdgeEvent] = []
        for await event in monitor.events {
            received.append(event)
            if received.count == 2 { break }
        }
        monitor.stop()
        let expected = [EdgeEvent(pin: 17, rising: false, timestamp: 1_000_000), EdgeEvent(pin: 17, rising: true, timestamp: 30_000_000)]
        #expect(received == expected)
        #expect(fromCallback.withLock { $0 } == expected)
        #expect(board.claimedPins.isEmpty, "stopping gives the pin back")
    }

    @Test("rising-only and falling-only monitors filter by direction")
    func directions() throws {
        let board = try Board.virtual(.rp1)
        let bench = try #require(board.bench)
        let rising = try board.monitor(5, edge: .rising, pull: .down)
        for level in [Level.high, .low, .high, .low] {
            try bench.advance(nanoseconds: 1000)
            try bench.drive(5, to: level)
        }
        rising.stop()
        let got = collect(rising.events)
        #expect(got.map(\.rising) == [true, true])
        #expect(got.map(\.timestamp) == [1000, 3000])
        let falling = try board.monitor(5, edge: .falling)
        try bench.advance(nanoseconds: 1000)
        try bench.drive(5, to: .high)
        try bench.advance(nanoseconds: 1000)
        try bench.drive(5, to: .low)
        falling.stop()
        #expect(collect(falling.events).map(\.timestamp) == [6000])
    }

    @Test("the register event-detect source reads and clears GPEDS on a BCM block")
    func registerSource() throws {
        let board = try Board.virtual(.bcm2835)
        let bench = try #require(board.bench)
        let claimed = try board.claimLine(22, initial: nil, pull: .down)
        let source = try board.registerEdgeSource(pin: 22, edge: .both, token: claimed.token, pollInterval: .milliseconds(1))
        #expect(register(board, STROBE_BCM_GPREN0) & (1 << 22) != 0 && register(board, STROBE_BCM_GPFEN0) & (1 << 22) != 0)
        #expect(source.drain().isEmpty)
        try bench.drive(22, to: .high)
        #expect(source.drain().map(\.rising) == [true])
        #expect(register(board, STROBE_BCM_GPEDS0) & (1 << 22) == 0, "the source cleared the latch")
        try bench.drive(22, to: .low)
        try bench.drive(22, to: .high)
        try bench.drive(22, to: .low)
        #expect(source.drain().map(\.rising) == [false], "edges between polls collapse; the level decides")
        try bench.drive(22, to: .high)
        try bench.drive(22, to: .low)
        #expect(source.drain().map(\.rising) == [true, false], "a pulse between polls shows as its two edges")
        source.close()
        #expect(register(board, STROBE_BCM_GPREN0) & (1 << 22) == 0, "closing disables detection")
        #expect(board.claimedPins.isEmpty)
    }

    @Test("RP1 has no register event source; the error points to libgpiod")
    func rp1RegisterEvents() throws {
        let board = try Board.virtual(.rp1)
        let claimed = try board.claimLine(4, initial: nil, pull: nil)
        #expect(throws: StrobeError.invalidArgument("rp1 register event detection is not available (RP1 keeps edge latches elsewhere); use the libgpiod backend for events on a Pi 5")) {
            _ = try board.registerEdgeSource(pin: 4, edge: .both, token: claimed.token, pollInterval: .milliseconds(1))
        }
        #expect(board.claimedPins.isEmpty)
    }

    /// Everything a finished stream holds.
    func collect(_ stream: AsyncStream<EdgeEvent>) -> [EdgeEvent] {
        let box = Mutex<[EdgeEvent]>([])
        let done = DispatchSemaphore(value: 0)
        Task {
            for await e in stream { box.withLock { $0.append(e) } }
            done.signal()
        }
        done.wait()
        return box.withLock { $0 }
    }
}
