import Foundation
import Testing
@testable import Strobe
@testable import StrobeSimulator

/// Where the fixture trees live.
let fixturesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

/// A fresh temporary directory, removed by the caller with `cleanup()`.
struct TempDir {
    let url: URL
    /// A new directory in `parent` (default: the user's temporary directory).
    init(in parent: URL = FileManager.default.temporaryDirectory) throws {
        url = parent.appendingPathComponent("strobe-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    var path: String { url.path }
    func cleanup() { try? FileManager.default.removeItem(at: url) }
}

/// Reads a register of a board's block at byte offset `offset` (tests inspect the real bits).
func register(_ board: Board, _ offset: UInt32) -> UInt32 {
    let block = strobe_gpio_block(board.gpio)!
    return block[Int(offset / 4)]
}

import CStrobe

/// The result of running the `strobe` executable.
struct CLIResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// The built `strobe` binary, beside the test bundle in the build products directory.
func strobeExecutable() throws -> URL {
    var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<4 {
        let candidate = dir.appendingPathComponent("strobe")
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDir), !isDir.boolValue { return candidate }
        dir = dir.deletingLastPathComponent()
    }
    throw CLIError.notBuilt("the strobe executable was not found next to the tests (\(CommandLine.arguments[0])); run `swift build` before `swift test`")
}

enum CLIError: Error { case notBuilt(String) }

/// Runs `strobe` with `arguments` and the environment additions `env`.
func runStrobe(_ arguments: [String], env: [String: String] = [:]) throws -> CLIResult {
    let process = Process()
    process.executableURL = try strobeExecutable()
    process.arguments = arguments
    var environment = ProcessInfo.processInfo.environment
    for (k, v) in env { environment[k] = v }
    process.environment = environment
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CLIResult(status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
}

/// The rising-edge times and high-pulse widths of one pin's recorded changes (a PWM trace).
func risesAndWidths(_ changes: [VirtualBench.Change]) -> (rises: [UInt64], widths: [UInt64]) {
    let rises = changes.filter { $0.level == .high }.map(\.time)
    let falls = changes.filter { $0.level == .low }.map(\.time)
    return (rises, zip(rises, falls).map { $1 - $0 })
}

/// The changes of one signal in a VCD file, as "TIME:LEVEL" strings (times in the file's unit),
/// leaving out the initial value at time 0.
func vcdChanges(_ path: String, signal: String) throws -> [String] {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    var id: Substring?
    var time: Substring = "0"
    var out: [String] = []
    for line in text.split(separator: "\n") {
        let words = line.split(separator: " ")
        if words.first == "$var", words.count >= 5, words[4] == signal { id = words[3] }
        guard let id else { continue }
        if line.hasPrefix("#") { time = line.dropFirst() }
        else if (line.hasPrefix("0") || line.hasPrefix("1")), line.dropFirst() == id, time != "0" { out.append("\(time):\(line.first!)") }
    }
    return out
}
