import CStrobeSimulator
import Glibc
import Strobe

/// Edges of a pin on the virtual bench, from the bench's change log: exact, in virtual time.
final class BenchEdgeSource: EdgeSource, @unchecked Sendable {
    // Sendable: cursor and generation are touched by the monitor thread, and by stop() only
    // after that thread has been joined.
    let pin: Int
    let board: Board
    let bench: VirtualBench
    let token: UInt64
    var cursor = 0
    var generation: UInt64
    var fileDescriptor: Int32? { strobe_vbench_notify_fd(bench.handle) }
    var pollInterval: Duration { .milliseconds(50) }

    init(board: Board, bench: VirtualBench, pin: Int, token: UInt64) {
        self.board = board
        self.bench = bench
        self.pin = pin
        self.token = token
        generation = strobe_vbench_generation(bench.handle)
        cursor = strobe_vbench_event_count(bench.handle)  // only what happens from now on
    }

    func drain() -> [EdgeEvent] {
        var counter: UInt64 = 0
        _ = read(strobe_vbench_notify_fd(bench.handle), &counter, 8)  // reset the eventfd
        var out: [EdgeEvent] = []
        var buffer = [strobe_vbench_event](repeating: strobe_vbench_event(), count: 256)
        while true {
            let n = strobe_vbench_events_since(bench.handle, &generation, &cursor, UInt32(pin), &buffer, buffer.count)
            for e in buffer.prefix(n) { out.append(EdgeEvent(pin: pin, rising: e.level != 0, timestamp: e.time_ns)) }
            if n < buffer.count { break }
        }
        return out
    }

    func close() { board.releaseLine(pin, token: token, keepState: false) }
}

