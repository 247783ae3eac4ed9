import ArgumentParser

/// `strobe trace OUT.vcd -- COMMAND …`: runs a waveform or blink command on the virtual bench and
/// captures every pin change it makes to a VCD file (the same as giving that command --trace).
struct Trace: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Capture what pwm, servo, wave or blink do on the virtual bench to a VCD file.",
        discussion: """
            Example: strobe trace pwm.vcd -- pwm 18 --freq 1000 --duty 0.25 --virtual bcm2711. \
            The VCD opens in PulseView or GTKWave and decodes with sigrok-cli \
            (-I vcd -i pwm.vcd -P pwm:data=GPIO18).
            """
    )

    @Argument(help: "The VCD file to write.") var output: String
    @Argument(parsing: .postTerminator, help: "The command to trace: pwm, servo, wave or blink, with its options (include --virtual LAYOUT).")
    var command: [String] = []

    static let traceable = ["pwm", "servo", "wave", "blink"]

    func validate() throws {
        guard let first = command.first else { throw ValidationError("name a command to trace after --, e.g. -- pwm 18 --freq 1000 --duty 0.25 --virtual bcm2711") }
        guard Self.traceable.contains(first) else { throw ValidationError("strobe trace captures \(Self.traceable.joined(separator: ", ")); not \(first)") }
        guard command.contains("--virtual") else { throw ValidationError("tracing needs the virtual bench: add --virtual bcm2835|bcm2711|rp1 to the command") }
        guard !command.contains("--trace") else { throw ValidationError("give the VCD path once, as strobe trace's first argument") }
    }

    func run() throws {
        var inner = try StrobeCommand.parseAsRoot(command + ["--trace", output])
        try inner.run()
    }
}
