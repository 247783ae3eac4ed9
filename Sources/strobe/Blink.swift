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
        let half = 0.5 / hz
        let halfNs = UInt64(half * 1e9)
        var n = 0
        while count.map({ n < $0 }) ?? true {
            guard gate.run({ () -> Void in out.set(); bench?.advance(nanoseconds: halfNs) }) != nil, gate.sleep(nanoseconds: halfNs),
                  gate.run({ () -> Void in out.clear(); bench?.advance(nanoseconds: halfNs) }) != nil, gate.sleep(nanoseconds: halfNs)
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
