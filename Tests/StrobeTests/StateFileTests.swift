import Foundation
import Testing
@testable import Strobe
@testable import StrobeSimulator

/// The virtual bench's state file as the CLI uses it between commands: locked for each
/// command's read-modify-write, written atomically through a temporary file nobody could have
/// planted, never through a symbolic link, never over a file that isn't one.
@Suite("Virtual bench state files")
struct StateFileTests {
    @Test("20 concurrent `strobe set` on distinct pins of one state file lose no update")
    func concurrentSets() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let state = dir.path + "/bench.state"
        let pins = Array(2...21)
        let results = try await withThrowingTaskGroup(of: (Int, CLIResult).self) { group in
            for pin in pins {
                group.addTask { (pin, try runStrobe(["set", "\(pin)", "1", "--virtual", "bcm2711", "--virtual-state", state])) }
            }
            var all: [(Int, CLIResult)] = []
            for try await r in group { all.append(r) }
            return all
        }
        for (pin, r) in results { #expect(r.status == 0, "set \(pin): \(r.stderr)") }
        for pin in pins {
            let r = try runStrobe(["get", "\(pin)", "-q", "--virtual", "bcm2711", "--virtual-state", state])
            #expect(r.stdout == "1\n", "GPIO\(pin) after the concurrent sets: \(r.stdout)\(r.stderr)")
        }
        // Nothing left behind but the state and its lock.
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(left == ["bench.state", "bench.state.lock"])
    }

    @Test("20 concurrent `strobe toggle` of one pin: every one succeeds and the level ends where the count says")
    func concurrentToggles() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let state = dir.path + "/bench.state"
        let target = ["--virtual", "bcm2835", "--virtual-state", state]
        #expect(try runStrobe(["set", "17", "0"] + target).status == 0)
        let results = try await withThrowingTaskGroup(of: CLIResult.self) { group in
            for _ in 0..<20 { group.addTask { try runStrobe(["toggle", "17"] + target) } }
            var all: [CLIResult] = []
            for try await r in group { all.append(r) }
            return all
        }
        for r in results { #expect(r.status == 0, "\(r.stderr)") }
        #expect(try runStrobe(["get", "17", "-q"] + target).stdout == "0\n", "20 toggles from low end low")
        let r = try runStrobe(["toggle", "17"] + target)
        let after = try runStrobe(["get", "17", "-q"] + target)
        #expect(r.status == 0 && after.stdout == "1\n")
    }

    @Test("commands SIGKILLed at random moments never leave a torn state, and the next command removes their temporary files")
    func killedMidSave() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let state = dir.path + "/bench.state"
        let target = ["--virtual", "bcm2711", "--virtual-state", state]
        for pin in [17] + Array(2...16) { #expect(try runStrobe(["set", "\(pin)", pin == 17 ? "1" : "0"] + target).status == 0) }
        // How long one toggle takes here (the fastest of five): the kills land across its run,
        // its save at the end included.
        var fastest = Duration.seconds(10)
        for _ in 0..<5 {
            let start = ContinuousClock.now
            #expect(try runStrobe(["toggle", "2"] + target).status == 0)
            fastest = min(fastest, ContinuousClock.now - start)
        }
        let micros = max(2_000, Int(fastest / .microseconds(1)))
        var generator = SystemRandomNumberGenerator()
        for round in 0..<60 {
            let process = Process()
            process.executableURL = try strobeExecutable()
            process.arguments = ["toggle", "\(2 + round % 15)"] + target // never 17, the pin checked
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(UInt32(Int.random(in: micros / 3...micros, using: &generator)))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            // Whatever moment the kill hit, the state is the old one or the new one: it loads.
            let r = try runStrobe(["get", "17", "-q"] + target)
            #expect(r.status == 0 && r.stdout == "1\n", "round \(round): \(r.stdout)\(r.stderr)")
        }
        // A stray temporary file as a kill between mkstemp and rename leaves it, and look-alikes
        // that are not ours to remove.
        let fm = FileManager.default
        _ = fm.createFile(atPath: state + ".Ab12Cd", contents: Data("half a save".utf8))
        _ = fm.createFile(atPath: state + ".notes", contents: Data("keep".utf8))
        _ = fm.createFile(atPath: dir.path + "/victim", contents: Data("keep".utf8))
        try fm.createSymbolicLink(atPath: state + ".Zz99Yy", withDestinationPath: dir.path + "/victim")
        #expect(try runStrobe(["get", "17", "-q"] + target).status == 0)
        let left = try fm.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(left == ["bench.state", "bench.state.Zz99Yy", "bench.state.lock", "bench.state.notes", "victim"])
        #expect(try String(contentsOfFile: dir.path + "/victim", encoding: .utf8) == "keep")
    }

    @Test("a symbolic link planted at the state file, or at its lock, is refused and its target untouched")
    func plantedLinks() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let victim = dir.path + "/victim"
        try "precious\n".write(toFile: victim, atomically: false, encoding: .utf8)
        let state = dir.path + "/bench.state"
        try FileManager.default.createSymbolicLink(atPath: state, withDestinationPath: victim)
        var r = try runStrobe(["set", "17", "1", "--virtual", "bcm2711", "--virtual-state", state])
        #expect(r.status != 0 && r.stderr.contains("is a symbolic link"), "\(r.stderr)")
        r = try runStrobe(["set", "17", "1", "--virtual", "bcm2711", "--fresh", "--virtual-state", state])
        #expect(r.status != 0 && r.stderr.contains("is a symbolic link"), "--fresh: \(r.stderr)")
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "precious\n")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: state) == victim)

        let other = dir.path + "/other.state"
        try FileManager.default.createSymbolicLink(atPath: other + ".lock", withDestinationPath: victim)
        r = try runStrobe(["set", "17", "1", "--virtual", "bcm2711", "--virtual-state", other])
        #expect(r.status != 0 && r.stderr.contains("other.state.lock is a symbolic link"), "\(r.stderr)")
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "precious\n")
    }

    @Test("--fresh replaces a state file or nothing: another file is kept, and a damaged state says how to recover")
    func freshAndDamaged() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let notes = dir.path + "/notes.txt"
        try "not a bench\n".write(toFile: notes, atomically: false, encoding: .utf8)
        var r = try runStrobe(["set", "17", "1", "--virtual", "bcm2711", "--fresh", "--virtual-state", notes])
        #expect(r.status != 0 && r.stderr.contains("is not a Strobe virtual bench state file, so it is not replaced"), "\(r.stderr)")
        #expect(try String(contentsOfFile: notes, encoding: .utf8) == "not a bench\n")

        let state = dir.path + "/bench.state"
        #expect(try runStrobe(["set", "17", "1", "--virtual", "bcm2711", "--virtual-state", state]).status == 0)
        r = try runStrobe(["set", "18", "1", "--virtual", "bcm2711", "--fresh", "--virtual-state", state])
        #expect(r.status == 0, "--fresh over a state file: \(r.stderr)")
        #expect(try runStrobe(["get", "17", "-q", "--virtual", "bcm2711", "--virtual-state", state]).stdout == "0\n", "--fresh started from reset")

        // A torn file (as a crash during a non-atomic save would leave): refused, with the way out.
        _ = FileManager.default.createFile(atPath: state, contents: Data())
        r = try runStrobe(["get", "17", "--virtual", "bcm2711", "--virtual-state", state])
        #expect(r.status != 0 && r.stderr.contains("damaged or foreign): delete it to start from the reset state"), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1)
    }

    @Test("a state file holding what no bench can be in (a pull of 7, a level on a pin the layout lacks) is refused as damaged",
          arguments: [(80 + 17, UInt8(7)), (48 + 7, UInt8(0x80))])
    func implausibleState(offset: Int, byte: UInt8) throws {
        // Found by Tests/Fuzz/fuzz-state.c: such a file loaded, and pull(of:) had no answer.
        // The header: magic 8, version/layout/size/npins 16, then latch, driven, drive_level,
        // level (at 48), eds, now, store cost as UInt64, then one pull byte per pin (at 80).
        let dir = try TempDir()
        defer { dir.cleanup() }
        let path = dir.path + "/bench.state"
        try VirtualBench(layout: .bcm2711).saveState(to: path)
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        data[offset] = byte
        try data.write(to: URL(fileURLWithPath: path))
        let bench = try VirtualBench(layout: .bcm2711)
        #expect(throws: StrobeError.self) { try bench.loadState(from: path) }
        #expect(bench.pull(of: 17) != nil)
    }

    @Test("the default state directory without XDG_RUNTIME_DIR is the user's own, mode 0700")
    func defaultDirectory() throws {
        let r = try runStrobe(["set", "5", "1", "--virtual", "rp1"], env: ["XDG_RUNTIME_DIR": ""])
        #expect(r.status == 0, "\(r.stderr)")
        let dir = "/tmp/strobe-\(getuid())"
        let attributes = try FileManager.default.attributesOfItem(atPath: dir)
        #expect(attributes[.type] as? FileAttributeType == .typeDirectory)
        #expect((attributes[.posixPermissions] as? Int).map { $0 & 0o077 } == 0)
        #expect(FileManager.default.fileExists(atPath: dir + "/strobe-virtual-rp1.state"))
    }
}
