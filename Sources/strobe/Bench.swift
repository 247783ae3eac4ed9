import ArgumentParser
import CStrobe
import Foundation
import Strobe

/// The Swift side of the comparison: the loop a Swift user writes, over the public API.
/// `@inline(never)` so each is one function to measure; the pin calls inside inline fully.
@inline(never)
func swiftToggleLoop(_ pin: borrowing OutputPin<Board>, _ count: UInt64) {
    var i: UInt64 = 0
    while i < count {
        pin.set()
        pin.clear()
        i &+= 1
    }
}

@inline(never)
func swiftMaskLoop(_ group: borrowing OutputGroup, _ mask: UInt32, _ count: UInt64) {
    var i: UInt64 = 0
    while i < count {
        group.set(mask: mask)
        group.clear(mask: mask)
        i &+= 1
    }
}

@inline(never)
func swiftReadLoop(_ pin: borrowing OutputPin<Board>, _ count: UInt64) -> UInt64 {
    var high: UInt64 = 0
    var i: UInt64 = 0
    while i < count {
        if pin.read().isHigh { high &+= 1 }
        i &+= 1
    }
    return high
}

enum BenchOp: String, CaseIterable, ExpressibleByArgument, Codable {
    case toggle, mask, read
}

enum BenchImpl: String, CaseIterable, ExpressibleByArgument, Codable {
    case c, swift
}

struct BenchRow: Codable {
    var operation: String
    var impl: String
    var opsPerSecond: Double
    var nsPerOp: Double
    var ratioToC: Double?
}

struct BenchReport: Codable {
    var target: String
    var note: String
    var pin: Int
    var count: UInt64
    var rounds: Int
    var rows: [BenchRow]
}

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure register toggles per second through the C path and the Swift path, side by side.",
        discussion: """
            On a Raspberry Pi the stores go to the GPIO registers. Elsewhere they go to a RAM-backed \
            block shaped like the registers (nothing answers them), which measures the cost of the \
            code path, not of a bus. --virtual measures the virtual bench's trapped stores.
            """
    )

    @OptionGroup var target: TargetOptions

    @Option(help: ArgumentHelp("Layout of the RAM-backed block off a Pi.", valueName: "bcm2835|bcm2711|rp1"))
    var ram: Layout = .bcm2711

    @Option(help: "GPIO to toggle.") var pin: Int = 17
    @Option(help: "Operations per round (a toggle is a set and a clear).") var toggles: UInt64 = 20_000_000
    @Option(help: "Rounds; C and Swift alternate and the median round is reported.") var rounds: Int = 7
    @Option(help: "Only this implementation (c or swift).") var impl: BenchImpl?
    @Option(help: "Only this operation (toggle, mask or read).") var op: BenchOp?
    @Flag(help: "Print JSON instead of a table.") var json = false

    func run() throws {
        try target.requireRegisters("bench")
        guard toggles > 0, rounds > 0 else { throw StrobeError.invalidArgument("--toggles and --rounds must be positive") }
        let board: Board
        let note: String
        if let virtual = target.virtual {
            board = try Board.virtual(virtual)
            note = "virtual bench: every store traps into the simulator; this measures the bench, not a Pi"
        } else {
            switch Result(catching: { () throws(StrobeError) in try Board.detect(root: target.root, useDevMem: target.devmem, deviceRoot: target.deviceRoot) }) {
            case .success(let b):
                board = b
                note = "hardware registers"
            case .failure(.notRaspberryPi):
                board = try Board.ram(ram)
                note = "not a Raspberry Pi: stores land in a RAM-backed \(ram) block, no pin moves; this measures the code path"
            case .failure(let error):
                throw error
            }
        }
        let out = try board.output(pin)
        let group = try board.outputs([pin + 1 < board.layout.pinCount ? pin + 1 : pin - 1])
        let mask = group.mask
        let ops = op.map { [$0] } ?? BenchOp.allCases
        let impls = impl.map { [$0] } ?? BenchImpl.allCases
        let count = target.virtual == nil ? toggles : min(toggles, 20_000)

        var samples: [String: [Double]] = [:]
        var sink: UInt64 = 0
        for _ in 0..<rounds {
            for o in ops {
                for i in impls {
                    let t0 = strobe_monotonic_ns()
                    switch (o, i) {
                    case (.toggle, .c): strobe_bench_toggle_c(out.registerPort, count)
                    case (.toggle, .swift): swiftToggleLoop(out, count)
                    case (.mask, .c):
                        var port = out.registerPort
                        port.mask = mask
                        strobe_bench_mask_c(port, mask, count)
                    case (.mask, .swift): swiftMaskLoop(group, mask, count)
                    case (.read, .c): sink &+= strobe_bench_read_c(out.registerPort, count)
                    case (.read, .swift): sink &+= swiftReadLoop(out, count)
                    }
                    let dt = Double(strobe_monotonic_ns() - t0)
                    samples["\(o.rawValue)/\(i.rawValue)", default: []].append(dt / Double(count))
                }
            }
        }
        var rows: [BenchRow] = []
        for o in ops {
            let cNs = median(samples["\(o.rawValue)/c"])
            for i in impls {
                guard let ns = median(samples["\(o.rawValue)/\(i.rawValue)"]) else { continue }
                rows.append(BenchRow(operation: o.rawValue, impl: i.rawValue, opsPerSecond: 1e9 / ns, nsPerOp: ns,
                                     ratioToC: cNs.map { $0 / ns }))
            }
        }
        let where_ = board.info.map { "\($0.model) (\($0.soc)), \(board.access)" } ?? "\(board.layout) \(board.access)"
        let report = BenchReport(target: where_, note: note, pin: pin, count: count, rounds: rounds, rows: rows)
        if json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try enc.encode(report), as: UTF8.self))
        } else {
            print(table(report))
        }
        if sink == UInt64.max { print("") } // keeps the read loops' results alive
    }

    func table(_ r: BenchReport) -> String {
        var lines = [
            "Register throughput on \(r.target)",
            "(\(r.note))",
            "GPIO \(r.pin), \(r.count) operations per round, median of \(r.rounds) rounds; a toggle is a set and a clear, a mask op a set and a clear of a mask",
            "",
            "operation  path    ops/s          ns/op   Swift/C",
        ]
        for row in r.rows {
            let ratio = row.ratioToC.map { String(format: "%.3f", $0) } ?? "-"
            lines.append("\(pad(row.operation, 9))  \(pad(row.impl == "c" ? "C" : "Swift", 6))  \(pad(rate(row.opsPerSecond), 13))  \(pad(String(format: "%.3f", row.nsPerOp), 6, right: true))   \(row.impl == "c" ? "1.000" : ratio)")
        }
        return lines.joined(separator: "\n")
    }
}

func median(_ xs: [Double]?) -> Double? {
    guard let xs, !xs.isEmpty else { return nil }
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

func rate(_ x: Double) -> String {
    if x >= 1e9 { return String(format: "%.2f G/s", x / 1e9) }
    if x >= 1e6 { return String(format: "%.2f M/s", x / 1e6) }
    if x >= 1e3 { return String(format: "%.2f k/s", x / 1e3) }
    return String(format: "%.0f /s", x)
}
