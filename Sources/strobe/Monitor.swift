import ArgumentParser
import Dispatch
@_spi(StrobeInternals) import Strobe
import StrobeSimulator

/// "1@0 0@1ms 1@1.2ms": levels to drive at virtual times (from the start of the run), each
/// at most 24 h and none before the one ahead of it; at most 100 000 steps.
struct Stimulus {
    var steps: [(level: Level, at: UInt64)]

    static func parse(_ argument: String) throws -> Stimulus {
        let takes = RangeText("--stimulus", takes: "steps \"LEVEL@TIME ...\" (e.g. \"1@0 0@1ms\"), times 0…24 h in order, at most 100000 steps")
        var steps: [(Level, UInt64)] = []
        for token in argument.split(whereSeparator: { $0 == " " || $0 == "," }) {
            let parts = token.split(separator: "@", maxSplits: 1)
            guard parts.count == 2, let level = Level(argument: String(parts[0])),
                  let at = DurationArgument.nanoseconds(parsing: String(parts[1])), at <= 24 * DurationArgument.hour,
                  steps.count < 100_000 else { throw takes }
            if let last = steps.last, at < last.1 { throw takes }
            steps.append((level, at))
        }
        guard !steps.isEmpty else { throw takes }
        return Stimulus(steps: steps)
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
    @Argument(help: "GPIO number.", transform: Parse.pin()) var pin: Int
    @Option(help: "rising, falling or both.") var edge: Edge = .both
    @Option(help: "Debounce time, 0…60 s: edges closer than this to the last reported one are dropped (e.g. 5ms).",
            transform: Parse.duration("--bounce", maximum: 60 * DurationArgument.second))
    var bounce: DurationArgument = .init(nanoseconds: 0)
    @Option(help: ArgumentHelp("libgpiod 2.x: the kernel debounces the line, reporting an edge once the new level has held this long (1 µs…60 s, e.g. 5ms); --bounce may filter again after it.", valueName: "time"),
            transform: Parse.duration("--kernel-debounce", minimum: 1_000, maximum: 60 * DurationArgument.second))
    var kernelDebounce: DurationArgument?
    @Option(help: "Pull to set on the input: up, down or none (default: leave it).") var pull: Pull?
    @Option(help: "Exit after this many edges (1…1000000000).", transform: Parse.int("--count", 1...1_000_000_000)) var count: Int?
    @Option(help: "Exit after this long (1 ns…24 h, e.g. 10s).", transform: Parse.duration("--timeout", minimum: 1, maximum: 24 * DurationArgument.hour))
    var timeout: DurationArgument?
    @Option(help: "Virtual bench only: levels to drive at virtual times, \"LEVEL@TIME ...\" (times 0…24 h).", transform: Stimulus.parse) var stimulus: Stimulus?

    func validate() throws {
        if stimulus != nil, target.virtual == nil { throw ValidationError("--stimulus needs --virtual: on hardware, the world drives the pin") }
        if kernelDebounce != nil, target.backend != .libgpiod {
            throw ValidationError("--kernel-debounce asks the kernel's GPIO character device: use it with --backend libgpiod (or debounce with --bounce)")
        }
    }

    func run() throws {
        if let stimulus {
            try target.withBoard { board in
                let monitor = try board.monitor(pin, edge: edge, pull: pull, bounce: bounce.duration) { print($0) }
                // Stopped on every path, a refused step too (dropping it would stop it as well).
                defer { monitor.stop() }
                guard let bench = board.bench else { return }
                let start = bench.now
                for step in stimulus.steps {
                    let target = try Checked.sum(start, step.at, "virtual time at a --stimulus step")
                    if target > bench.now { try bench.advance(nanoseconds: target - bench.now) }
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
