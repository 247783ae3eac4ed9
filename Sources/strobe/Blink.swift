import ArgumentParser
import CStrobe
import Strobe
import StrobeSimulator
#if canImport(Glibc)
import Glibc
#endif

struct Blink: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Blink a pin until interrupted (or --count times); Ctrl-C restores the pin.",
        discussion: """
            The pin is claimed as an output and given back on exit, Ctrl-C (SIGINT) or SIGTERM: \
            its previous function and pull are restored. On the virtual bench, virtual time moves \
            by half a period per edge, so --trace writes a VCD with the requested frequency.
            """
    )

    @OptionGroup var target: TargetOptions
    @Argument(help: "GPIO number.") var pin: Int
    @Option(help: "Blinks per second.") var hz: Double = 1
    @Option(help: "Stop after this many blinks (default: run until interrupted).") var count: Int?
    @Option(help: "Write the pin's changes to this VCD file (virtual bench only).") var trace: String?

    func validate() throws {
        guard hz > 0, hz <= 100_000 else { throw ValidationError("--hz must be in (0, 100000]") }
        if let count, count < 0 { throw ValidationError("--count must not be negative") }
        if trace != nil, target.virtual == nil { throw ValidationError("--trace needs --virtual: on hardware use a logic analyser") }
    }

    func run() throws {
        if target.backend != .registers {
            try target.withController { controller in try blink(controller, bench: nil) }
            return
        }
        try target.withBoard { board in
            let statePath = try target.statePath()
            let bench = board.bench
            board.restoreOnTermination(beforeExit: {
                if let bench, let statePath { try? bench.saveState(to: statePath) }
            })
            try blink(board, bench: bench)
        }
    }

    func blink<C: GPIOController>(_ controller: C, bench: VirtualBench?) throws {
        if bench == nil { controller.restoreOnTermination() }
        do {
            let out = try controller.output(pin)
            bench?.clearChanges()
            let half = 0.5 / hz
            let halfNs = UInt64(half * 1e9)
            var n = 0
            while count.map({ n < $0 }) ?? true {
                out.set()
                bench?.advance(nanoseconds: halfNs)
                strobe_sleep_ns(halfNs)
                out.clear()
                bench?.advance(nanoseconds: halfNs)
                strobe_sleep_ns(halfNs)
                n += 1
            }
            if let trace, let bench { try bench.writeVCD(to: trace, pins: [pin]) }
            print("GPIO\(pin): \(n) blinks at \(hz) Hz (\(controller.backendDescription))")
        }
    }
}
