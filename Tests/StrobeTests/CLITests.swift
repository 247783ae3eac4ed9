import Foundation
import Testing
@testable import Strobe

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
        #expect(r.stderr.contains("use --virtual bcm2835|bcm2711|rp1"))
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

    @Test("bench prints C and Swift side by side, and JSON when asked")
    func bench() throws {
        defer { dir.cleanup() }
        let r = try runStrobe(["bench", "--toggles", "100000", "--rounds", "3", "--root", dir.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("RAM-backed bcm2711 block"))
        for op in ["toggle", "mask", "read"] {
            #expect(r.stdout.contains("\(op)  ") && r.stdout.contains("Swift"))
        }
        let j = try runStrobe(["bench", "--toggles", "10000", "--rounds", "1", "--json", "--op", "toggle", "--root", dir.path])
        let report = try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as? [String: Any]
        let rows = report?["rows"] as? [[String: Any]]
        #expect(rows?.count == 2)
        #expect((rows?.first?["opsPerSecond"] as? Double ?? 0) > 0)
    }
}
