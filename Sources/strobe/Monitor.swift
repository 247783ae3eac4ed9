import ArgumentParser
import Dispatch
import Strobe
import StrobeSimulator

/// A duration on the command line: "5ms", "1.5ms", "250us", "2s", "100ns" (a bare number is ms).
struct DurationArgument: ExpressibleByArgument, CustomStringConvertible {
    var nanoseconds: UInt64
    var duration: Duration { .nanoseconds(Int64(nanoseconds)) }
    var description: String { "\(nanoseconds)ns" }

    init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    init?(argument: String) {
        let units: [(String, Double)] = [("ns", 1), ("us", 1e3), ("µs", 1e3), ("ms", 1e6), ("s", 1e9)]
        var text = Substring(argument.lowercased())
        var scale = 1e6
        for (suffix, s) in units where text.hasSuffix(suffix) {
            text = text.dropLast(suffix.count)
            scale = s
            break
        }
        // Finite, not negative, and within what UInt64 nanoseconds hold (584 years).
        guard let v = Double(text), v >= 0, v.isFinite, (v * scale).rounded() < 1.8e19 else { return nil }
        nanoseconds = UInt64((v * scale).rounded())
    }
}

/// "1@0 0@1ms 1@1.2ms": levels to drive at virtual times (from the start of the run).
struct Stimulus: ExpressibleByArgument {
    var steps: [(level: Level, at: UInt64)]
    init?(argument: String) {
        var steps: [(Level, UInt64)] = []
        for token in argument.split(whereSeparator: { $0 == " " || $0 == "," }) {
            let parts = token.split(separator: "@", maxSplits: 1)
            guard parts.count == 2, let level = Level(argument: String(parts[0])),
                  let at = DurationArgument(argument: String(parts[1])) else { return nil }
            if let last = steps.last, at.nanoseconds < last.1 { return nil }
            steps.append((level, at.nanoseconds))
        }
        guard !steps.isEmpty else { return nil }
        self.steps = steps
    }
}

struct Monitor: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a pin's edges as they happen, debounced (like gpiomon).",
        discussion: """
            Each edge prints as "GPIO17 rising  at 1.250000000 s". Timestamps are CLOCK_MONOTONIC on \
            hardware (libgpiod: the kernel's own), virtual time on the virtual bench. With \
            --virtual, --stimulus drives the pin from outside in virtual time, e.g. \
            --stimulus "0@1ms 1@1.2ms 0@1.4ms 1@30ms" (a bouncing press and a release); strobe \
            plays it, prints the debounced edges and exits.
            """
    )

    @OptionGroup var target: TargetOptions
    @Argument(help: "GPIO number.") var pin: Int
    @Option(help: "rising, falling or both.") var edge: Edge = .both
    @Option(help: "Debounce time: edges closer than this to the last reported one are dropped (e.g. 5ms).") var bounce: DurationArgument = .init(nanoseconds: 0)
    @Option(help: ArgumentHelp("libgpiod 2.x: the kernel debounces the line, reporting an edge once the new level has held this long (e.g. 5ms); --bounce may filter again after it.", valueName: "time"))
    var kernelDebounce: DurationArgument?
    @Option(help: "Pull to set on the input: up, down or none (default: leave it).") var pull: Pull?
    @Option(help: "Exit after this many edges.") var count: Int?
    @Option(help: "Exit after this long (e.g. 10s).") var timeout: DurationArgument?
    @Option(help: "Virtual bench only: levels to drive at virtual times, \"LEVEL@TIME ...\".") var stimulus: Stimulus?

    func validate() throws {
        if stimulus != nil, target.virtual == nil { throw ValidationError("--stimulus needs --virtual: on hardware, the world drives the pin") }
        if let count, count <= 0 { throw ValidationError("--count must be positive") }
        if kernelDebounce != nil, target.backend != .libgpiod {
            throw ValidationError("--kernel-debounce asks the kernel's GPIO character device: use it with --backend libgpiod (or debounce with --bounce)")
        }
    }

    func run() throws {
        if let stimulus {
            try target.withBoard { board in
                let monitor = try board.monitor(pin, edge: edge, pull: pull, bounce: bounce.duration) { print($0) }
                guard let bench = board.bench else { return }
                let start = bench.now
                for step in stimulus.steps {
                    let target = start + step.at
                    if target > bench.now { bench.advance(nanoseconds: target - bench.now) }
                    try bench.drive(pin, to: step.level)
                }
                monitor.stop()
            }
            return
        }
        try target.withController { controller in try watch(controller) }
    }

    /// Prints edges until --count, --timeout or a signal.
    func watch<C: GPIOController>(_ controller: C) throws {
        let done = DispatchSemaphore(value: 0)
        let limit = count
        let seen = Counter()
        let onEdge: @Sendable (EdgeEvent) -> Void = { event in
            print(event)
            if let limit, seen.increment() == limit { done.signal() }
        }
        let monitor: EdgeMonitor
        if let kernelDebounce {
            #if Libgpiod
            guard let chip = controller as? GpiodChip else { throw ValidationError("--kernel-debounce needs --backend libgpiod") }
            monitor = try chip.monitor(pin, edge: edge, pull: pull, kernelDebounce: kernelDebounce.duration, bounce: bounce.duration, onEdge: onEdge)
            #else
            throw StrobeError.libgpiodBackendMissing
            #endif
        } else {
            monitor = try controller.monitor(pin, edge: edge, pull: pull, bounce: bounce.duration, onEdge: onEdge)
        }
        controller.restoreOnTermination()
        let deadline: DispatchTime = timeout.map { .now() + .nanoseconds(Int($0.nanoseconds)) } ?? .distantFuture
        _ = done.wait(timeout: deadline)
        monitor.stop()
    }
}

extension Edge: ExpressibleByArgument {}

/// A thread-safe count for the event callback.
final class Counter: @unchecked Sendable {
    private var value = 0
    private let lock = DispatchSemaphore(value: 1)
    func increment() -> Int {
        lock.wait()
        defer { lock.signal() }
        value += 1
        return value
    }
}
