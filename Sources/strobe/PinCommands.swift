import ArgumentParser
import CStrobe
import Strobe
#if canImport(Glibc)
import Glibc
#endif

struct Get: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Read a pin's level (and show its function and pull).")
    @OptionGroup var target: TargetOptions
    @Argument(help: "GPIO number.", transform: Parse.pin()) var pin: Int
    @Flag(name: .shortAndLong, help: "Print only 0 or 1.") var quiet = false

    func run() throws {
        if target.backend != .registers {
            // Like gpioget: the kernel backends read a line by requesting it as an input.
            try target.withController { controller in try print(readLine(controller)) }
            return
        }
        try target.withBoard { board in
            let s = try board.state(of: pin)
            print(quiet ? s.level.description : describe(s))
        }
    }

    func readLine<C: GPIOController>(_ controller: C) throws -> String {
        let input = try controller.input(pin, pull: .none)
        let level = input.read()
        return quiet ? level.description : "GPIO\(pin) = \(level) (input, \(controller.backendDescription))"
    }
}

/// How `strobe set` drives its pin.
enum DriveChoice: String, ExpressibleByArgument, CaseIterable {
    case pushPull = "push-pull", openDrain = "open-drain"
}

struct Set: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make a pin an output and drive it (it stays so after strobe exits).",
        discussion: """
            With --drive open-drain the pin is an open-drain output: 0 pulls it low, 1 lets go             and the pull (--pull, default up) makes it read high — registers switch the             direction with the latch at 0, libgpiod requests the kernel's open-drain flag, sysfs             writes low/in to the direction file (no pulls there: --pull none). With --hold,             strobe holds the pin that long and then gives it back, restoring what it was.
            """
    )
    @OptionGroup var target: TargetOptions
    @Argument(help: "GPIO number.", transform: Parse.pin()) var pin: Int
    @Argument(help: "Level: 1/0, high/low, on/off.") var level: Level
    @Option(help: ArgumentHelp("push-pull, or open-drain (1 releases the line to its pull).", valueName: "push-pull|open-drain"))
    var drive: DriveChoice = .pushPull
    @Option(help: "open-drain: the pull that makes a released line read high (up, down or none; default up, sysfs none).")
    var pull: Pull?
    @Option(help: "Hold the pin this long (e.g. 2s, at most 24 h), then give it back restored.",
            transform: Parse.duration("--hold", maximum: 24 * DurationArgument.hour))
    var hold: DurationArgument?

    func validate() throws {
        if pull != nil, drive != .openDrain { throw ValidationError("--pull goes with --drive open-drain") }
    }

    func run() throws {
        if target.backend != .registers || drive == .openDrain || hold != nil {
            try target.withController { controller in if let text = try apply(controller) { print(text) } }
            return
        }
        try target.withBoard { board in
            try board.drive(pin, to: level)
            print(describe(try board.state(of: pin)))
        }
    }

    func apply<C: GPIOController>(_ controller: C) throws -> String? {
        if drive == .openDrain {
            let line = try controller.openDrain(pin, pull: pull ?? (target.backend == .sysfs ? nil : .up))
            try line.write(level)
            let what = level.isHigh ? "released" : "driven low"
            if try holdThenRestore(line.read(), "open-drain output, \(what), \(controller.backendDescription)") { return nil }
            let now = line.read()
            line.keep()
            return "GPIO\(pin) = \(now) (open-drain output, \(what), \(controller.backendDescription)\(keepNote))"
        }
        let out = try controller.output(pin, initial: level)
        if try holdThenRestore(out.read(), "output, \(controller.backendDescription)") { return nil }
        let now = out.read()
        out.keep()
        return "GPIO\(pin) = \(now) (output, \(controller.backendDescription)\(keepNote))"
    }

    var keepNote: String {
        target.backend == .libgpiod ? "; libgpiod gives the line back to the kernel when strobe exits, which may reset it" : ""
    }

    /// With --hold: prints the state at once (flushed, so a script sees it while the pin is
    /// held), sleeps, and says the pin is given back — the caller drops it right after.
    func holdThenRestore(_ now: Level, _ what: String) throws -> Bool {
        guard let hold else { return false }
        print("GPIO\(pin) = \(now) (\(what)); holding for \(hold.duration)")
        fflush(nil) // every stream: a script reads this while the pin is held
        strobe_sleep_ns(hold.nanoseconds)
        print("GPIO\(pin): given back")
        return true
    }
}

struct Toggle: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Invert an output pin.")
    @OptionGroup var target: TargetOptions
    @Argument(help: "GPIO number.", transform: Parse.pin()) var pin: Int

    func run() throws {
        try target.requireRegisters("toggle")
        try target.withBoard { board in
            let s = try board.state(of: pin)
            guard s.function == .output else {
                throw StrobeError.invalidArgument("GPIO \(pin) is an \(s.function), not an output; make it one with `strobe set \(pin) 0|1`")
            }
            try board.drive(pin, to: s.level.inverted)
            print(describe(try board.state(of: pin)))
        }
    }
}

struct Mode: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Select a pin's function: in, out, alt0-alt5 (BCM), a0-a8 or none (RP1).")
    @OptionGroup var target: TargetOptions
    @Argument(help: "GPIO number.", transform: Parse.pin()) var pin: Int
    @Argument(help: "Function: in, out, alt0…alt5, a0…a8, none.") var function: PinFunction

    func run() throws {
        try target.requireRegisters("mode")
        try target.withBoard { board in
            try board.setFunction(function, pin: pin)
            print(describe(try board.state(of: pin)))
        }
    }
}

struct PullCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pull", abstract: "Set a pin's pull resistor: up, down or none.")
    @OptionGroup var target: TargetOptions
    @Argument(help: "GPIO number.", transform: Parse.pin()) var pin: Int
    @Argument(help: "up, down or none.") var pull: Pull

    func run() throws {
        try target.requireRegisters("pull")
        try target.withBoard { board in
            try board.setPull(pull, pin: pin)
            print(describe(try board.state(of: pin)))
        }
    }
}

/// "GPIO17 = 1 (output, pull down)" — the one-line state every pin command prints.
func describe(_ s: PinState) -> String {
    var fn = s.function.description
    if let name = s.functionName { fn += " \(name)" }
    let pull = s.pull.map { $0 == .none ? "no pull" : "pull \($0)" } ?? "pull unknown"
    return "GPIO\(s.pin) = \(s.level) (\(fn), \(pull))"
}
