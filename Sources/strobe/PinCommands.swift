import ArgumentParser
import Strobe

struct Get: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Read a pin's level (and show its function and pull).")
    @OptionGroup var target: TargetOptions
    @Argument(help: "GPIO number.") var pin: Int
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

struct Set: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Make a pin an output and drive it (it stays so after strobe exits).")
    @OptionGroup var target: TargetOptions
    @Argument(help: "GPIO number.") var pin: Int
    @Argument(help: "Level: 1/0, high/low, on/off.") var level: Level

    func run() throws {
        if target.backend != .registers {
            try target.withController { controller in try print(drive(controller)) }
            return
        }
        try target.withBoard { board in
            try board.drive(pin, to: level)
            print(describe(try board.state(of: pin)))
        }
    }

    func drive<C: GPIOController>(_ controller: C) throws -> String {
        let out = try controller.output(pin, initial: level)
        let now = out.read()
        out.keep()
        let note = target.backend == .libgpiod ? "; libgpiod gives the line back to the kernel when strobe exits, which may reset it" : ""
        return "GPIO\(pin) = \(now) (output, \(controller.backendDescription)\(note))"
    }
}

struct Toggle: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Invert an output pin.")
    @OptionGroup var target: TargetOptions
    @Argument(help: "GPIO number.") var pin: Int

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
    @Argument(help: "GPIO number.") var pin: Int
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
    @Argument(help: "GPIO number.") var pin: Int
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
