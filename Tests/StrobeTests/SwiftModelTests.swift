import Foundation
import Synchronization
import Testing
@testable import Strobe
@testable import StrobeSimulator

/// GPIO 27 shows the opposite of GPIO 17; every event it saw is kept.
private final class Inverter: SwiftBenchModel, @unchecked Sendable {
    let input: Int, output: Int
    let seen = Mutex<[BenchModelEvent]>([])
    init(input: Int = 17, output: Int = 27) { self.input = input; self.output = output }
    var watchedPins: Set<Int> { [input] }
    func respond(to event: BenchModelEvent, reply: inout BenchModelReply) {
        seen.withLock { $0.append(event) }
        reply.drive(output, event.level == .high ? .low : .high)
    }
}

/// On each rising edge of `trigger`: `out` high 10 µs later, let go 5 µs after that.
private final class DelayedPulse: SwiftBenchModel, @unchecked Sendable {
    let trigger = 17, out = 22
    private var phase = 0 // only the model's thread touches it
    var watchedPins: Set<Int> { [trigger] }
    func respond(to event: BenchModelEvent, reply: inout BenchModelReply) {
        if let pin = event.pin {
            if pin == trigger && event.level == .high { phase = 1; reply.wake(at: event.time + 10_000) }
            return
        }
        if phase == 1 { reply.drive(out, .high); reply.wake(at: event.time + 5_000); phase = 2 }
        else if phase == 2 { reply.release(out); phase = 0 }
    }
}

/// Answers late, or asks for the impossible.
private final class Misbehaving: SwiftBenchModel, @unchecked Sendable {
    let sleep: Duration?
    init(sleep: Duration?) { self.sleep = sleep }
    var watchedPins: Set<Int> { [17] }
    func respond(to event: BenchModelEvent, reply: inout BenchModelReply) {
        if let sleep { Thread.sleep(forTimeInterval: Double(sleep.components.attoseconds) / 1e18 + Double(sleep.components.seconds)) }
        reply.drive(99, .high)   // no such pin: rejected
        reply.drive(27, .high)   // applied
    }
}

@Suite("Device models written in Swift")
struct SwiftModelTests {
    @Test("A model's drive lands at the change's virtual instant, before the store returns")
    func answersAtOnce() throws {
        let board = try Board.virtual(.bcm2711)
        let bench = try #require(board.bench)
        let model = Inverter()
        let attachment = try bench.attach(model)
        let out = try board.output(17, initial: .low)
        let watcher = try board.input(27, pull: .down)
        try bench.advance(nanoseconds: 1000)
        bench.clearChanges()
        out.set()
        #expect(watcher.read() == .low)
        out.clear()
        #expect(watcher.read() == .high)         // the very next load sees the answer
        try bench.advance(nanoseconds: 500)
        out.set()
        #expect(watcher.read() == .low)
        let changes = bench.changes
        let fall17 = try #require(changes.first { $0.pin == 17 && $0.level == .low })
        let rise27 = try #require(changes.first { $0.pin == 27 && $0.level == .high })
        let rise17 = try #require(changes.last { $0.pin == 17 && $0.level == .high })
        let fall27 = try #require(changes.last { $0.pin == 27 && $0.level == .low })
        #expect(fall17.time == rise27.time && rise17.time == fall27.time && rise17.time == fall17.time + 500)
        let events = model.seen.withLock { $0 }
        #expect(events.count == 3)
        #expect(events.last?.pin == 17 && events.last?.level == .high)
        #expect(events.contains { $0.pin == 17 && $0.level == .high && $0.level(of: 17) == .high })
        #expect(attachment.timeouts == 0 && attachment.rejectedReplies == 0)
        attachment.detach()
        out.clear()
        #expect(watcher.read() == .low, "detached: nothing answers; 27 keeps its last drive")
    }

    @Test("Wake-ups come at their own virtual time, with no pin change")
    func wakeUps() throws {
        let board = try Board.virtual(.bcm2711)
        let bench = try #require(board.bench)
        let attachment = try bench.attach(DelayedPulse())
        let trigger = try board.output(17, initial: .low)
        _ = try board.input(22, pull: .down)
        bench.clearChanges()
        let t0 = bench.now
        trigger.set()
        try bench.advance(nanoseconds: 20_000)
        let pulse = bench.changes.filter { $0.pin == 22 }
        #expect(pulse.map(\.level) == [.high, .low])
        #expect(pulse.map { $0.time - t0 } == [10_000, 15_000])
        #expect(attachment.timeouts == 0)
    }

    @Test("A model that answers late is given up on (no hang); impossible requests are counted")
    func misbehaviour() throws {
        let board = try Board.virtual(.bcm2711)
        let bench = try #require(board.bench)
        let slow = try bench.attach(Misbehaving(sleep: .milliseconds(200)), timeout: .milliseconds(10))
        let out = try board.output(17, initial: .low)
        let clock = ContinuousClock()
        let took = clock.measure { out.set() }
        #expect(took < .milliseconds(150))
        #expect(slow.timeouts == 1)
        slow.detach()

        let bad = try bench.attach(Misbehaving(sleep: nil))
        let watcher = try board.input(27, pull: .down)
        out.clear()
        #expect(bad.rejectedReplies == 1)
        #expect(watcher.read() == .high, "the drives that were possible were applied")
    }

    @Test("Bad attachments are typed errors")
    func badAttachments() throws {
        let board = try Board.virtual(.bcm2711)
        let bench = try #require(board.bench)
        #expect(throws: StrobeError.invalidPin(99, layout: .bcm2711)) { _ = try bench.attach(Inverter(input: 99)) }
        #expect(throws: StrobeError.self) { _ = try bench.attach(Inverter(), timeout: .zero) }
        #expect(throws: StrobeError.self) { _ = try bench.attach(Inverter(), timeout: .seconds(3600)) }
        let a = try bench.attach(Inverter())
        #expect(throws: StrobeError.self) { try a.attach(to: bench) }
    }
}
