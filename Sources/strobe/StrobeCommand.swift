import ArgumentParser
import Foundation
import Strobe

@main
struct StrobeCommand: ParsableCommand {
    /// Runs the command; Strobe's errors, whose texts speak of the API, get the flags that do
    /// what they suggest (`CLIError`).
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as StrobeError {
            exit(withError: CLIError(error))
        } catch {
            // A refused argument is one line naming the value and the range it takes: the
            // usage ArgumentParser would print after it is what --help shows.
            let code = exitCode(for: error)
            let text = message(for: error)
            guard !code.isSuccess, !text.isEmpty, !text.contains("\n") else { exit(withError: error) }
            FileHandle.standardError.write(Data("Error: \(text)\n".utf8))
            Foundation.exit(code.rawValue)
        }
    }

    static let configuration = CommandConfiguration(
        commandName: "strobe",
        abstract: "Raspberry Pi GPIO from the command line: board info, pinout, get/set, bench.",
        discussion: """
            Every command runs on the detected Raspberry Pi, or on the virtual bench with \
            --virtual bcm2835|bcm2711|rp1 (simulated registers; state is kept between commands \
            in a state file, see --virtual-state).
            """,
        version: versionText,
        subcommands: [Info.self, Pinout.self, Lines.self, Get.self, Set.self, Toggle.self, Mode.self, PullCommand.self, Blink.self, Monitor.self, PWMCommand.self, ServoCommand.self, WaveCommand.self, SPICommand.self, I2CCommand.self, Bench.self, ReportCommand.self, Trace.self]
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

/// A library error as the CLI prints it: the library's text (which names no flags), then the
/// flags that do what it suggests.
struct CLIError: Error, CustomStringConvertible {
    let error: StrobeError
    init(_ error: StrobeError) { self.error = error }

    /// Phrases of the library's texts, and the flag that does each.
    static let hints: [(phrase: String, flag: String)] = [
        ("run on the virtual bench", "--virtual bcm2835|bcm2711|rp1"),
        ("map /dev/mem as root", "--devmem"),
        ("start from the reset state", "--fresh"),
        ("another state file", "--virtual-state PATH"),
        ("kernelPins: .override", "--force"),
    ]

    var description: String {
        let text = error.description
        let flags = Self.hints.filter { text.contains($0.phrase) }.map(\.flag)
        return flags.isEmpty ? text : "\(text) [strobe: \(flags.joined(separator: ", "))]"
    }
}