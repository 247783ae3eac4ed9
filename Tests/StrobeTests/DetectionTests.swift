import CStrobe
import Foundation
import Testing
@testable import Strobe
@testable import StrobeSimulator

/// One fixture's expected.json (see Fixtures/boards/README.md).
struct ExpectedBoard: Decodable {
    var model: String?
    var compatible0: String?
    var soc: String?
    var layout: String?
    var revision: String?
    var revisionName: String?
    var memoryMB: Int?
    var peripheralBase: String?
    var error: String?
}

func hex(_ s: String?) -> UInt64? {
    guard let s else { return nil }
    return UInt64(s.hasPrefix("0x") ? String(s.dropFirst(2)) : s, radix: 16)
}

let boardFixtures: [String] = {
    let dir = fixturesDirectory.appendingPathComponent("boards")
    let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
    return names.filter { !$0.hasSuffix(".md") }.sorted()
}()

@Suite("Board detection")
struct DetectionTests {
    @Test("the fixture set covers every board family and the failure cases")
    func fixtureCoverage() {
        for name in ["pi1-model-b", "pi-zero-w", "pi2-model-b", "pi3-model-b", "pi4-model-b", "pi4-model-b-4.19", "pi400", "cm4", "pi5-model-b", "x86-pc",
                     "bad-compatible-unterminated", "bad-ranges-short", "bad-model-empty", "bad-revision-garbage"] {
            #expect(boardFixtures.contains(name), "missing fixture \(name)")
        }
    }

    @Test("each fixture detects as its expected.json says", arguments: boardFixtures)
    func fixture(name: String) throws {
        let root = fixturesDirectory.appendingPathComponent("boards/\(name)")
        let expected = try JSONDecoder().decode(ExpectedBoard.self, from: Data(contentsOf: root.appendingPathComponent("expected.json")))
        let result = Result { () throws(StrobeError) in try BoardInfo.detect(root: root.path) }
        switch (expected.error, result) {
        case (nil, .success(let info)):
            #expect(info.model == expected.model ?? "")
            #expect(info.compatible == expected.compatible0)
            #expect(info.soc == expected.soc)
            #expect(info.layout.rawValue == expected.layout)
            #expect(info.revision.map(UInt64.init) == hex(expected.revision))
            #expect(info.revisionName == expected.revisionName)
            #expect(info.memoryMB == expected.memoryMB)
            #expect(info.peripheralBase == hex(expected.peripheralBase))
            if let base = info.peripheralBase { #expect(info.gpioPhysicalAddress == base + 0x200000) }
            #expect(info.gpiomemPath == (info.layout == .rp1 ? "/dev/gpiomem0" : "/dev/gpiomem"))
        case ("notPi", .failure(.notRaspberryPi(let detail))):
            #expect(!detail.isEmpty)
        case ("malformed", .failure(.malformedDeviceTree(let detail))):
            #expect(detail.contains(root.path), "the message names the file: \(detail)")
        default:
            Issue.record("\(name): expected \(expected.error ?? "success"), got \(result)")
        }
    }

    @Test("a root too long for detection is an error, not the directory its cut names")
    func longRoot() {
        // "/" then 300 bytes of "./": cut to 255 bytes it was "/", so this detected the machine.
        let root = "/" + String(repeating: "./", count: 150) + "no-such-fixture"
        #expect(throws: StrobeError.self) { try BoardInfo.detect(root: root) }
        do { _ = try BoardInfo.detect(root: root) } catch {
            if case .notRaspberryPi = error { Issue.record("a cut root read another directory: \(error)") }
        }
    }

    @Test("early Pi 4 kernels' brcm,bcm2838 is a BCM2711, from the device tree alone")
    func bcm2838IsBCM2711() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        // The fixture without cpuinfo: no revision code to fall back on.
        let fixture = fixturesDirectory.appendingPathComponent("boards/pi4-model-b-4.19/proc/device-tree")
        try FileManager.default.createDirectory(atPath: dir.path + "/proc", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: fixture.path, toPath: dir.path + "/proc/device-tree")
        let info = try BoardInfo.detect(root: dir.path)
        #expect(info.soc == "bcm2711" && info.layout == .bcm2711)
        #expect(info.revision == nil)
        #expect(info.peripheralBase == 0xFE00_0000)
    }

    @Test("malformed files are named in the message")
    func malformedMessages() throws {
        let base = fixturesDirectory.appendingPathComponent("boards").path
        let cases = [
            ("bad-compatible-unterminated", "proc/device-tree/compatible is malformed: the string list does not end in NUL"),
            ("bad-compatible-empty", "proc/device-tree/compatible is malformed: the file is empty"),
            ("bad-ranges-short", "proc/device-tree/soc/ranges is malformed: it must hold at least three 32-bit cells, found 6 bytes"),
            ("bad-model-empty", "proc/device-tree/model is malformed: it must be a non-empty NUL-terminated string"),
            ("bad-revision-garbage", "proc/cpuinfo has a Revision line that is not a hexadecimal code"),
        ]
        for (name, text) in cases {
            #expect(throws: StrobeError.malformedDeviceTree(detail: "\(base)/\(name)/\(text)")) {
                _ = try BoardInfo.detect(root: "\(base)/\(name)")
            }
        }
    }

    @Test("this machine, with no device tree, is not a Raspberry Pi")
    func notAPi() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let error = StrobeError.notRaspberryPi(detail: "\(dir.path)/proc/device-tree/compatible does not exist: no device tree, so this is not a Raspberry Pi")
        #expect(throws: error) { _ = try Board.detect(root: dir.path) }
        #expect(error.description.contains("Board.virtual(_:)"), "points to the virtual bench")
        #expect(!error.description.contains("--"), "the library names no CLI flags; the CLI adds them")
    }

    @Test("revision codes decode into board, memory and SoC")
    func revisionCodes() {
        var info = strobe_board_info()
        #expect(strobe_decode_revision(0xd04170, &info) == 0)
        #expect(cString(info.revision_name) == "5" && info.memory_mb == 8192)
        #expect(strobe_decode_revision(0x902120, &info) == 0)
        #expect(cString(info.revision_name) == "Zero 2 W" && info.memory_mb == 512)
        #expect(strobe_decode_revision(0x0010, &info) == 0)
        #expect(cString(info.revision_name) == "B+" && info.memory_mb == 512)
        #expect(strobe_decode_revision(0x0001, &info) == -EINVAL, "0001 was never issued")
    }

    @Test("mapping failures name the device and the fix")
    func mappingErrors() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let root = fixturesDirectory.appendingPathComponent("boards/pi4-model-b").path
        // No /dev/gpiomem below the device root.
        #expect(throws: StrobeError.deviceMissing(path: dir.path + "/dev/gpiomem")) {
            _ = try Board.detect(root: root, deviceRoot: dir.path)
        }
        // A directory where the device should be.
        try FileManager.default.createDirectory(atPath: dir.path + "/dev/gpiomem", withIntermediateDirectories: true)
        #expect(throws: StrobeError.system(operation: "mapping", path: dir.path + "/dev/gpiomem", errno: .isDirectory)) {
            _ = try Board.detect(root: root, deviceRoot: dir.path)
        }
        // A regular file can't stand in for the device either: mmap of an empty file fails at use, so check the text instead.
        #expect(StrobeError.mapping(path: "/dev/gpiomem", rc: -EACCES).description
            == "permission denied opening /dev/gpiomem: add yourself to the gpio group (sudo usermod -aG gpio $USER, then log in again) or add a udev rule: SUBSYSTEM==\"*gpiomem*\", GROUP=\"gpio\", MODE=\"0660\"")
        #expect(StrobeError.mapping(path: "/dev/mem", rc: -EPERM).description.contains("/dev/mem needs root"))
        #expect(StrobeError.deviceMissing(path: "/dev/gpiomem0").description.contains("Pi 5 kernel"))
    }
}
