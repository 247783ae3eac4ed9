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
            The pin is claimed as an output and given back on exit, Ctrl-C (SIGINT), SIGTERM or \
            SIGHUP (a closed terminal): its previous function and pull are restored, and the exit \
            status is 128 + the signal. On the virtual bench, virtual time moves by half a period \
            per edge, so --trace writes a VCD with the requested frequency — also when interrupted.
            """
    )

    @OptionGroup var target: TargetOptions
    @Argument(help: "GPIO number.", transform: Parse.pin()) var pin: Int
    @Option(help: "Blinks per second, 0.01…100000 (a blink is at most 100 s).", transform: Parse.double("--hz", 0.01...100_000, unit: "Hz")) var hz: Double = 1
    @Option(help: "Stop after this many blinks, 0…1000000000 (default: run until interrupted).", transform: Parse.int("--count", 0...1_000_000_000)) var count: Int?
    @Option(help: "Write the pin's changes to this VCD file (virtual bench only).") var trace: String?

    func validate() throws {
        if trace != nil, target.virtual == nil { throw ValidationError("--trace needs --virtual: on hardware use a logic analyser") }
    }

    func run() throws {
        if target.backend != .registers {
            try target.withController { controller in try blink(controller, bench: nil, statePath: nil) }
            return
        }
        try target.withBoard { board in try blink(board, bench: board.bench, statePath: try target.statePath()) }
    }

    /// Blinks until --count or a termination signal. On SIGINT, SIGTERM or SIGHUP the handler
    /// closes the gate (the loop stops between two edges), writes --trace, restores the pin,
    /// saves the virtual bench and exits 128 + signal.
    func blink<C: GPIOController>(_ controller: C, bench: VirtualBench?, statePath: String?) throws {
        let gate = TerminationGate()
        let pin = pin, trace = trace
        controller.restoreOnTermination(gate: gate, beforeRelease: {
            guard let trace, let bench else { return }
            do { try bench.writeVCD(to: trace, pins: [pin]) } catch {
                let line = "strobe: writing the trace \(trace): \(error)\n"
                _ = line.withCString { write(STDERR_FILENO, $0, strlen($0)) }
            }
        }, beforeExit: {
            if let bench, let statePath { try? bench.saveState(to: statePath) }
        })
        let out = try controller.output(pin)
        bench?.clearChanges()
        // hz is 0.01…100000, so half a period is 5 µs…50 s: it converts exactly.
        let halfNs = try Checked.nanoseconds(0.5 / hz, scale: 1e9, unit: "s", "half a blink period")
        var n = 0
        while count.map({ n < $0 }) ?? true {
            guard try gate.run({ () throws -> Void in out.set(); try bench?.advance(nanoseconds: halfNs) }) != nil, gate.sleep(nanoseconds: halfNs),
                  try gate.run({ () throws -> Void in out.clear(); try bench?.advance(nanoseconds: halfNs) }) != nil, gate.sleep(nanoseconds: halfNs)
            else { gate.waitForExit() }  // the handler restores the pin and exits
            n += 1
        }
        // Through the gate too: a signal now waits until the trace is whole.
        let written: Void? = try gate.run { () throws -> Void in
            if let trace, let bench { try bench.writeVCD(to: trace, pins: [pin]) }
        }
        if written == nil { gate.waitForExit() }
        print("GPIO\(pin): \(n) blinks at \(hz) Hz (\(controller.backendDescription))")
    }
}
