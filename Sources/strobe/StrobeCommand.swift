import ArgumentParser
import Strobe

@main
struct StrobeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "strobe",
        abstract: "Raspberry Pi GPIO from the command line: board info, pinout, get/set, bench.",
        discussion: """
            Every command runs on the detected Raspberry Pi, or on the virtual bench with \
            --virtual bcm2835|bcm2711|rp1 (simulated registers; state is kept between commands \
            in a state file, see --virtual-state).
            """,
        version: versionText,
        subcommands: [Info.self, Pinout.self, Lines.self, Get.self, Set.self, Toggle.self, Mode.self, PullCommand.self, Blink.self, Monitor.self, PWMCommand.self, ServoCommand.self, WaveCommand.self, Bench.self, ReportCommand.self, Trace.self]
    )
}

let strobeVersion = "0.1.0"

/// `strobe --version`: the version, and the libgpiod this build speaks (scripts and bug reports
/// read it).
var versionText: String {
    #if Libgpiod
    "\(strobeVersion) (libgpiod \(GpiodChip.libraryVersion), uAPI v\(GpiodChip.apiGeneration))"
    #else
    "\(strobeVersion) (no libgpiod backend)"
    #endif
}
