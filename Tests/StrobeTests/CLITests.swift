import Foundation
import Testing
@testable import Strobe
@testable import StrobeSimulator

/// The `strobe` executable, run as a user would run it, on the virtual bench.
@Suite("strobe CLI", .serialized)
struct CLITests {
    let dir: TempDir
    init() throws { dir = try TempDir() }

    func strobe(_ args: String...) throws -> CLIResult { try runStrobe(args + ["--virtual-state", dir.path + "/state"], env: ["NO_COLOR": "1"]) }

    @Test("info --virtual rp1 shows the board and every pin")
    func info() throws {
        defer { dir.cleanup() }
        let r = try strobe("info", "--virtual", "rp1")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("virtual bench, rp1 layout"))
        #expect(r.stdout.contains("GPIO  PIN  FUNCTION"))
        let rows = r.stdout.split(separator: "\n").filter { $0.range(of: #"^ *\d+ +(\d+|-) "#, options: .regularExpression) != nil }
        #expect(rows.count == 28)
    }

    @Test("set, get, toggle, mode and pull share one virtual bench between runs")
    func pinCommands() throws {
        defer { dir.cleanup() }
        var r = try strobe("set", "17", "1", "--virtual", "bcm2711")
        #expect(r.status == 0 && r.stdout == "GPIO17 = 1 (output, pull down)\n", "\(r)")
        r = try strobe("get", "17", "--virtual", "bcm2711", "-q")
        #expect(r.stdout == "1\n")
        r = try strobe("toggle", "17", "--virtual", "bcm2711")
        #expect(r.stdout == "GPIO17 = 0 (output, pull down)\n")
        r = try strobe("pull", "22", "up", "--virtual", "bcm2711")
        #expect(r.stdout == "GPIO22 = 1 (input, pull up)\n", "a pulled-up input reads high")
        r = try strobe("mode", "14", "alt0", "--virtual", "bcm2711")
        #expect(r.stdout == "GPIO14 = 0 (alt0 TXD0, pull down)\n")
        r = try strobe("info", "--virtual", "bcm2711", "--pins", "14,17,22")
        #expect(r.stdout.contains("  14    8  alt0 TXD0"))
        r = try strobe("get", "17", "--virtual", "bcm2711", "--fresh")
        #expect(r.stdout == "GPIO17 = 0 (input, pull down)\n", "--fresh starts from reset")
    }

    @Test("toggle refuses a pin that is not an output")
    func toggleInput() throws {
        defer { dir.cleanup() }
        let r = try strobe("toggle", "5", "--virtual", "bcm2835")
        #expect(r.status != 0)
        #expect(r.stderr == "Error: GPIO 5 is an input, not an output; make it one with `strobe set 5 0|1`\n")
    }

    @Test("a bad pin gives a one-line error and a non-zero exit", arguments: [
        (["set", "99", "1", "--virtual", "bcm2711"], "Error: GPIO 99 does not exist on bcm2711: valid pins are 0–57\n"),
        (["get", "54", "--virtual", "bcm2835"], "Error: GPIO 54 does not exist on bcm2835: valid pins are 0–53\n"),
        (["get", "--virtual", "rp1", "--fresh", "--virtual-state", "/tmp/strobe-cli-test-negative.state", "--", "-1"], "Error: GPIO -1 does not exist on rp1: valid pins are 0–27\n"),
        (["mode", "4", "a9", "--virtual", "rp1"], "Error: RP1 has functions a0–a8 only, so alt9 cannot be selected for GPIO 4\n"),
    ])
    func badInput(args: [String], message: String) throws {
        defer { dir.cleanup() }
        let r = try runStrobe(args.contains("--") ? args : args + ["--virtual-state", dir.path + "/state"])
        #expect(r.status != 0)
        #expect(r.stderr == message)
    }

    @Test("off a Pi, hardware commands say so and point to --virtual")
    func notAPi() throws {
        defer { dir.cleanup() }
        let r = try runStrobe(["info", "--root", dir.path])
        #expect(r.status != 0)
        #expect(r.stderr.hasPrefix("Error: not a Raspberry Pi: "))
        #expect(r.stderr.contains("[strobe: --virtual bcm2835|bcm2711|rp1]"))
        #expect(r.stderr.split(separator: "\n").count == 1)
    }

    @Test("pinout shows the 40-pin header, plain when piped")
    func pinout() throws {
        defer { dir.cleanup() }
        let r = try runStrobe(["pinout"])
        #expect(r.status == 0)
        #expect(!r.stdout.contains("\u{1B}["), "no colour codes when piped")
        #expect(r.stdout.contains("3V3  1 o o 2  5V"))
        #expect(r.stdout.contains("GPIO2 (I2C1 SDA)  3 o o 4  5V"))
        #expect(r.stdout.contains("GND 39 o o 40 GPIO21"))
        let colour = try runStrobe(["pinout", "--color"])
        #expect(colour.stdout.contains("\u{1B}[34mGPIO2 (I2C1 SDA)") || colour.stdout.contains("\u{1B}[34m"))
    }

    @Test("bench prints C and Swift side by side per backend, and JSON when asked")
    func bench() throws {
        defer { dir.cleanup() }
        let r = try runStrobe(["bench", "--toggles", "100000", "--syscall-toggles", "2000", "--rounds", "3", "--root", dir.path, "--backends", "registers,sysfs"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("RAM-backed bcm2711 block"))
        for op in ["toggle", "write", "read", "mask"] {
            #expect(r.stdout.contains("registers  \(op)"), "register \(op) row")
        }
        #expect(r.stdout.contains("sysfs      toggle  Swift"))
        let j = try runStrobe(["bench", "--toggles", "10000", "--rounds", "1", "--json", "--op", "toggle", "--root", dir.path, "--backends", "registers"])
        let rows = try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as? [[String: Any]]
        #expect(rows?.count == 2)
        #expect((rows?.first?["ops_per_s"] as? Double ?? 0) > 0)
        #expect(rows?.first?["env"] as? String == "host")
    }

    @Test("bench's mask writes every other pin of --pin's bank off a Pi, --mask-pins picks others, bad lists are refused")
    func benchMaskPins() throws {
        defer { dir.cleanup() }
        func maskNote(_ extra: [String]) throws -> String? {
            let r = try runStrobe(["bench", "--toggles", "1000", "--rounds", "1", "--json", "--op", "mask", "--impl", "c",
                                   "--root", dir.path, "--backends", "registers"] + extra)
            #expect(r.status == 0, "\(r.stderr)")
            let rows = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]]
            return rows?.first?["note"] as? String
        }
        #expect(try maskNote([]) == "31-pin mask")
        #expect(try maskNote(["--mask-pins", "18,20-23"]) == "5-pin mask")
        #expect(try maskNote(["--mask-pins", "next"]) == "1-pin mask")
        #expect(try maskNote(["--pin", "40", "--mask-pins", "all"]) == "25-pin mask", "bank 1 of the bcm2711 has GPIO 32–57")
        let refusals = [
            (["--mask-pins", "17"], "includes --pin 17"),
            (["--mask-pins", "3-x"], "takes a list of GPIO numbers"),
            (["--mask-pins", "5,,6"], "takes a list of GPIO numbers"),
            (["--mask-pins", "40"], "is not in --pin 17's 32-pin bank"),
        ]
        for (args, message) in refusals {
            let r = try runStrobe(["bench", "--root", dir.path, "--backends", "registers"] + args)
            #expect(r.status != 0, "\(args) accepted")
            #expect(r.stderr.contains(message), "\(args): \(r.stderr)")
        }
    }

    @Test("syscall accounting: registers none, sysfs exactly one per write and per read")
    func syscalls() throws {
        defer { dir.cleanup() }
        let r = try runStrobe(["bench", "--toggles", "1000", "--syscall-toggles", "1000", "--rounds", "1", "--json", "--count-syscalls",
                               "--root", dir.path, "--backends", "registers,sysfs"])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = try JSONDecoder().decode([Row].self, from: Data(r.stdout.utf8))
        let expected: [String: Double] = ["registers": 0, "sysfs/toggle": 2, "sysfs/write": 1, "sysfs/read": 1]
        #expect(rows.count == 18) // registers: toggle, write, read, mask, spi, i2c; sysfs: toggle, write, read — each C and Swift
        for row in rows {
            let want = expected["\(row.backend)/\(row.op)"] ?? expected[row.backend]
            // Within 0.005 of the count: one stray syscall of a sanitizer's runtime thread over the
            // 2000 operations between the two runs is 0.0005; one syscall too many per operation is 1.
            let got = row.syscalls_per_op ?? .nan
            #expect(want.map { abs(got - $0) < 0.005 } ?? false, "\(row.backend) \(row.op) \(row.impl): \(got) syscalls per op")
        }
    }

    struct Row: Decodable { var backend: String; var op: String; var impl: String; var syscalls_per_op: Double? }
}

/// The CLI against the outside world: signals, sigrok, permissions.
@Suite("strobe CLI, end to end", .serialized)
struct CLIEndToEndTests {
    @Test("SIGTERM during blink restores the pin and exits 143")
    func terminationRestores() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let state = dir.path + "/state"
        let process = Process()
        process.executableURL = try strobeExecutable()
        process.arguments = ["blink", "17", "--hz", "50", "--virtual", "bcm2711", "--fresh", "--virtual-state", state]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        try await Task.sleep(for: .milliseconds(400))
        #expect(process.isRunning, "blink runs until told to stop")
        process.terminate()  // SIGTERM
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 143)
        let r = try runStrobe(["get", "17", "--virtual", "bcm2711", "--virtual-state", state])
        #expect(r.stdout == "GPIO17 = 0 (input, pull down)\n", "the pin is an input again: \(r.stdout)\(r.stderr)")
    }

    @Test("sigrok-cli decodes the trace of a 1 kHz blink as 1 kHz, 50 %")
    func sigrokReadsTrace() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let vcd = dir.path + "/blink.vcd"
        let r = try runStrobe(["blink", "18", "--hz", "1000", "--count", "10", "--trace", vcd, "--virtual", "rp1", "--fresh", "--virtual-state", dir.path + "/state"])
        #expect(r.status == 0, "\(r.stderr)")
        let sigrok = try runTool("sigrok-cli", ["-I", "vcd", "-i", vcd, "-P", "pwm:data=GPIO18", "-A", "pwm=duty-cycle"])
        let duty = sigrok.split(separator: "\n").filter { $0.hasPrefix("pwm-1:") }
        #expect(duty.count >= 8 && duty.allSatisfy { $0 == "pwm-1: 50.000000%" }, "\(sigrok)")
        let timing = try runTool("sigrok-cli", ["-I", "vcd", "-i", vcd, "-P", "timing:data=GPIO18"])
        let periods = timing.split(separator: "\n").filter { $0.hasPrefix("timing-1:") }
        #expect(periods.count >= 18 && periods.allSatisfy { $0 == "timing-1: 500.000 μs (2.000 kHz)" }, "half periods of 500 µs: \(timing)")
    }

    @Test("a device nobody may open names the group fix; one that can't be mapped says so")
    func deviceErrors() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let root = fixturesDirectory.appendingPathComponent("boards/pi4-model-b").path
        try FileManager.default.createDirectory(atPath: dir.path + "/dev", withIntermediateDirectories: true)
        // /dev/null opens but can't be mapped.
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/dev/gpiomem", withDestinationPath: "/dev/null")
        var r = try runStrobe(["info", "--root", root, "--device-root", dir.path])
        #expect(r.status != 0)
        #expect(r.stderr.hasPrefix("Error: \(dir.path)/dev/gpiomem cannot be mapped ("), "\(r.stderr)")
        // A device only root may open, tried as an ordinary user.
        try FileManager.default.removeItem(atPath: dir.path + "/dev/gpiomem")
        _ = FileManager.default.createFile(atPath: dir.path + "/dev/gpiomem", contents: Data(count: 4096), attributes: [.posixPermissions: 0o600])
        let args = ["info", "--root", root, "--device-root", dir.path]
        if getuid() == 0 {
            // As nobody. Nothing nobody needs may sit where it can't reach: the checkout (the
            // fixtures, the built tool) may be below a directory only its owner can enter — a
            // clone in a mode-700 temporary directory — and so may $TMPDIR. So the fixture, the
            // tool and the device go into a fresh directory in /tmp, which everyone can enter.
            let shared = try TempDir(in: URL(fileURLWithPath: "/tmp"))
            defer { shared.cleanup() }
            let fm = FileManager.default
            try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: shared.path)
            try fm.createDirectory(atPath: shared.path + "/root", withIntermediateDirectories: true)
            try fm.copyItem(atPath: root + "/proc", toPath: shared.path + "/root/proc")
            try fm.copyItem(atPath: try strobeExecutable().path, toPath: shared.path + "/strobe")
            // Copies keep their modes, and a checkout made under umask 077 has no bits for others.
            for case let item as String in fm.enumerator(atPath: shared.path + "/root")?.allObjects ?? [] {
                var isDir: ObjCBool = false
                let path = shared.path + "/root/" + item
                _ = fm.fileExists(atPath: path, isDirectory: &isDir)
                try fm.setAttributes([.posixPermissions: isDir.boolValue ? 0o755 : 0o644], ofItemAtPath: path)
            }
            try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: shared.path + "/root")
            try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: shared.path + "/strobe")
            try fm.createDirectory(atPath: shared.path + "/dev", withIntermediateDirectories: true)
            _ = fm.createFile(atPath: shared.path + "/dev/gpiomem", contents: Data(count: 4096), attributes: [.posixPermissions: 0o600])
            let out = try runTool("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", shared.path + "/strobe",
                                              "info", "--root", shared.path + "/root", "--device-root", shared.path], allowFailure: true)
            #expect(out.contains("Error: permission denied opening \(shared.path)/dev/gpiomem: add yourself to the gpio group"), "\(out)")
        } else {
            r = try runStrobe(args)
            #expect(r.stderr.contains("Error: permission denied opening \(dir.path)/dev/gpiomem: add yourself to the gpio group"), "\(r.stderr)")
        }
    }
}

/// Runs a tool from PATH and returns stdout and stderr together; a missing tool fails the test
/// with how to install it (scripts/test installs it).
func runTool(_ name: String, _ args: [String], allowFailure: Bool = false) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [name] + args
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self)
    if process.terminationStatus == 127 { Issue.record("\(name) is not installed: run scripts/test, or apt-get install the Debian package that has it") }
    else if !allowFailure && process.terminationStatus != 0 { Issue.record("\(name) \(args.joined(separator: " ")) failed: \(text)") }
    return text
}

/// The hardware path end to end, with a file standing in for the GPIO device: detection from a
/// fixture, mapping, and the exact register words the commands leave behind.
@Suite("strobe CLI on a file-backed register block", .serialized)
struct CLIFileBackedTests {
    func words(_ path: String) throws -> [UInt32] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return data.withUnsafeBytes { Array($0.bindMemory(to: UInt32.self)) }
    }

    @Test("Pi 4: info, then set 17 1 writes GPFSEL1 = 001 << 21 and GPSET0 = 1 << 17")
    func pi4() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let root = fixturesDirectory.appendingPathComponent("boards/pi4-model-b").path
        try FileManager.default.createDirectory(atPath: dir.path + "/dev", withIntermediateDirectories: true)
        let device = dir.path + "/dev/gpiomem"
        _ = FileManager.default.createFile(atPath: device, contents: Data(count: 4096))
        var r = try runStrobe(["info", "--root", root, "--device-root", dir.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("Board:     Raspberry Pi 4 Model B Rev 1.4 (4B, 4 GB, revision c03114)\nSoC:       bcm2711 (layout bcm2711, 58 GPIOs)\nRegisters: \(device), GPIO block at 0xfe200000\n"))
        r = try runStrobe(["set", "17", "1", "--root", root, "--device-root", dir.path])
        #expect(r.status == 0, "\(r.stderr)")
        let w = try words(device)
        #expect(w[0x04 / 4] == 1 << 21, "GPFSEL1: GPIO17 = 001 (output)")
        #expect(w[0x1C / 4] == 1 << 17, "GPSET0: the stored word (a file keeps what was written)")
        #expect(w[0x28 / 4] == 0, "GPCLR0 untouched")
        r = try runStrobe(["pull", "4", "up", "--root", root, "--device-root", dir.path])
        #expect(try words(device)[0xE4 / 4] == 0b01 << 8, "GPIO_PUP_PDN_CNTRL_REG0: GPIO4 = 01 (up)")
    }

    @Test("Pi 5: set 17 1 writes FUNCSEL 5, OE and OUT through the RP1 SET aliases")
    func pi5() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let root = fixturesDirectory.appendingPathComponent("boards/pi5-model-b").path
        try FileManager.default.createDirectory(atPath: dir.path + "/dev", withIntermediateDirectories: true)
        let device = dir.path + "/dev/gpiomem0"
        _ = FileManager.default.createFile(atPath: device, contents: Data(count: 0x30000))
        let r = try runStrobe(["set", "17", "1", "--root", root, "--device-root", dir.path])
        #expect(r.status == 0, "\(r.stderr)")
        let w = try words(device)
        #expect(w[0x1_2000 / 4] == 1 << 17, "SYS_RIO0 OUT SET alias")
        #expect(w[0x1_2004 / 4] == 1 << 17, "SYS_RIO0 OE SET alias")
        #expect(w[(0x8C + 0x1000) / 4] == 5, "GPIO17_CTRL (0x8c) XOR alias: FUNCSEL 0 ^ 5 in one atomic write")
        #expect(w[(0x2_0048 + 0x2000) / 4] == 1 << 6, "pad SET alias: input enable")
        #expect(w[(0x2_0048 + 0x3000) / 4] == 1 << 7, "pad CLR alias: output disable")
    }
}

@Suite("strobe monitor")
struct MonitorCLITests {
    @Test("monitor --virtual shows the debounced edges a stimulus drives")
    func debounced() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let r = try runStrobe(["monitor", "17", "--virtual", "bcm2711", "--fresh", "--virtual-state", dir.path + "/s",
                               "--pull", "up", "--bounce", "5ms",
                               "--stimulus", "0@1ms 1@1.2ms 0@1.4ms 1@1.5ms 0@2ms 1@30ms 0@30.5ms 1@31ms"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "GPIO17 falling at 0.001000000 s\nGPIO17 rising  at 0.030000000 s\n")
        let all = try runStrobe(["monitor", "17", "--virtual", "bcm2711", "--fresh", "--virtual-state", dir.path + "/s",
                                 "--pull", "up", "--stimulus", "0@1ms 1@1.2ms"])
        #expect(all.stdout == "GPIO17 falling at 0.001000000 s\nGPIO17 rising  at 0.001200000 s\n", "no bounce: every edge")
        let rising = try runStrobe(["monitor", "17", "--virtual", "rp1", "--fresh", "--virtual-state", dir.path + "/r",
                                    "--edge", "rising", "--stimulus", "1@10us,0@20us,1@30us"])
        #expect(rising.stdout == "GPIO17 rising  at 0.000010000 s\nGPIO17 rising  at 0.000030000 s\n")
    }

    @Test("monitor refuses a stimulus off the bench and bad stimuli")
    func badArguments() throws {
        var r = try runStrobe(["monitor", "17", "--stimulus", "1@1ms"])
        #expect(r.status != 0 && r.stderr.contains("--stimulus needs --virtual"))
        r = try runStrobe(["monitor", "17", "--virtual", "rp1", "--stimulus", "1@2ms 0@1ms"])
        #expect(r.status != 0 && r.stderr.contains("--stimulus"), "times must not go backwards")
    }
}
