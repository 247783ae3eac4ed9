import ArgumentParser
import Foundation
import Strobe

/// Benchmark rows from any number of environments, as a table, CSV, JSON and an SVG chart.
struct Report {
    var rows: [BenchRow]

    static let backendOrder = ["registers", "libgpiod", "sysfs"]
    static let opOrder = ["toggle", "write", "read", "mask"]

    /// What each known environment is, for rows that don't say.
    static let knownPlaces = [
        "emulated-pi3b": "emulated Raspberry Pi 3B (QEMU raspi3b, TCG) on real kernel drivers: relative costs only, not hardware timing",
        "gpio-sim-kvm": "x86_64 KVM guest with the kernel's gpio-sim driver: real kernel GPIO paths, near-native timing, no Raspberry Pi",
        "gpio-sim-icount": "x86_64 QEMU guest with the kernel's gpio-sim driver, guest clock = instructions executed (1 ns each): whole-path instruction counts, kernel included, not hardware timing",
        "gpio-sim-tcg": "x86_64 QEMU TCG guest with the kernel's gpio-sim driver: emulated CPU, timings mean nothing",
    ]

    init(rows: [BenchRow]) {
        var rows = rows
        for i in rows.indices where rows[i].where == nil { rows[i].where = Report.knownPlaces[rows[i].env] }
        func rank(_ r: BenchRow) -> [Int] {
            [Report.backendOrder.firstIndex(of: r.backend) ?? 9, Report.opOrder.firstIndex(of: r.op) ?? 9, r.impl == "c" ? 0 : 1]
        }
        var envs: [String] = []
        for r in rows where !envs.contains(r.env) { envs.append(r.env) }
        // Where the command ran comes first: the hardware, or this machine; then the guests.
        envs = envs.filter { ["raspberry-pi", "host"].contains($0) } + envs.filter { !["raspberry-pi", "host"].contains($0) }
        self.rows = rows.sorted {
            let a = [envs.firstIndex(of: $0.env)!] + rank($0), b = [envs.firstIndex(of: $1.env)!] + rank($1)
            return a.lexicographicallyPrecedes(b)
        }
    }

    func row(_ env: String, _ backend: String, _ op: String, _ impl: String) -> BenchRow? {
        rows.first { $0.env == env && $0.backend == backend && $0.op == op && $0.impl == impl }
    }

    /// ns/op of this row divided by register-C's for the same operation in the same place.
    func timesRegisterC(_ r: BenchRow) -> Double? {
        row(r.env, "registers", r.op, "c").map { r.ns_per_op / $0.ns_per_op }
    }

    /// C's ns/op over Swift's for the same place, backend and operation (≥ 1: Swift no slower).
    func swiftOverC(_ r: BenchRow) -> Double? {
        guard r.impl == "swift", let c = row(r.env, r.backend, r.op, "c") else { return nil }
        return c.ns_per_op / r.ns_per_op
    }

    func table() -> String {
        var lines: [String] = []
        var lastEnv: String?
        for r in rows {
            if r.env != lastEnv {
                if lastEnv != nil { lines.append("") }
                lines.append("\(r.env): \(r.where ?? "")")
                lines.append("backend    op      impl   ops/s         ns/op       × reg-C   syscalls/op  Swift/C  notes")
                lastEnv = r.env
            }
            let times = timesRegisterC(r).map { String(format: "%.1f", $0) } ?? "-"
            let sys = r.syscalls_per_op.map { String(format: "%.2f", $0) } ?? "-"
            let ratio = r.impl == "c" ? "" : (swiftOverC(r).map { String(format: "%.3f", $0) } ?? "-")
            let note = r.impl == "c" && (r.op == "toggle" || r.op == "mask" || r.op == "spi" || r.op == "i2c") ? (r.note ?? "") : ""
            lines.append([pad(r.backend, 10), pad(r.op, 7), pad(r.impl == "c" ? "C" : "Swift", 6), pad(rate(r.ops_per_s), 13),
                          pad(String(format: "%.3f", r.ns_per_op), 10, right: true), " ", pad(times, 8, right: true), "  ",
                          pad(sys, 11, right: true), "  ", pad(ratio, 7), "  ", note].joined(separator: " "))
        }
        lines.append("")
        lines.append("toggle = set + clear; write = one set or clear; mask = set + clear of several pins at once; spi, i2c = one byte (8 bits)")
        lines.append("through the bit-banged master at max. × reg-C: how many times register-C's time per operation in the same place.")
        lines.append("Swift/C: C's time over Swift's (1.000 = equal, higher = Swift faster).")
        return lines.joined(separator: "\n")
    }

    func csv() -> String {
        var out = ["env,where,backend,op,impl,ops,ns_per_op,ops_per_s,times_register_c,syscalls_per_op,swift_over_c,note"]
        func q(_ s: String?) -> String { "\"\((s ?? "").replacingOccurrences(of: "\"", with: "\"\""))\"" }
        for r in rows {
            out.append([r.env, q(r.where), r.backend, r.op, r.impl, String(r.ops), String(format: "%.4f", r.ns_per_op),
                        String(format: "%.1f", r.ops_per_s), timesRegisterC(r).map { String(format: "%.3f", $0) } ?? "",
                        r.syscalls_per_op.map { String(format: "%.3f", $0) } ?? "", swiftOverC(r).map { String(format: "%.4f", $0) } ?? "",
                        q(r.note)].joined(separator: ","))
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// A horizontal bar chart of operations per second on a log scale, one bar per row.
    func svg() -> String {
        let barH = 14.0, gap = 4.0, left = 330.0, width = 900.0, top = 40.0
        let plotW = width - left - 110
        let values = rows.map(\.ops_per_s).filter { $0 > 0 }
        let lo = pow(10, floor(log10(values.min() ?? 1))), hi = pow(10, ceil(log10(values.max() ?? 10)))
        func x(_ v: Double) -> Double { left + plotW * (log10(max(v, lo)) - log10(lo)) / max(log10(hi) - log10(lo), 1) }
        let colours = ["registers": "#2b6cb0", "libgpiod": "#2f855a", "sysfs": "#c05621"]
        var y = top
        var body: [String] = []
        var lastEnv: String?
        for r in rows {
            if r.env != lastEnv {
                y += lastEnv == nil ? 0 : 10
                body.append("<text x=\"8\" y=\"\(y + 11)\" font-weight=\"bold\">\(xml(r.env)): \(xml(r.where ?? ""))</text>")
                y += barH + gap
                lastEnv = r.env
            }
            let colour = colours[r.backend] ?? "#555"
            let opacity = r.impl == "c" ? "1" : "0.55"
            body.append("<text x=\"\(left - 6)\" y=\"\(y + 11)\" text-anchor=\"end\">\(r.backend) \(r.op) \(r.impl == "c" ? "C" : "Swift")</text>")
            body.append("<rect x=\"\(left)\" y=\"\(y)\" width=\"\(max(1, x(r.ops_per_s) - left))\" height=\"\(barH)\" fill=\"\(colour)\" fill-opacity=\"\(opacity)\"/>")
            body.append("<text x=\"\(x(r.ops_per_s) + 4)\" y=\"\(y + 11)\">\(rate(r.ops_per_s))</text>")
            y += barH + gap
        }
        var axis: [String] = []
        var tick = lo
        // Rows are checked on load (ops/s 10⁻³…10¹²), so this is at most 16 ticks; the bound
        // keeps it so for rows made in code.
        while tick <= hi * 1.0001, tick.isFinite, axis.count < 64 {
            axis.append("<line x1=\"\(x(tick))\" y1=\"\(top - 6)\" x2=\"\(x(tick))\" y2=\"\(y)\" stroke=\"#ddd\"/>")
            axis.append("<text x=\"\(x(tick))\" y=\"\(top - 10)\" text-anchor=\"middle\" fill=\"#666\">\(rate(tick))</text>")
            tick *= 10
        }
        let height = y + 30
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="sans-serif" font-size="11">
            <rect width="100%" height="100%" fill="white"/>
            <text x="8" y="16" font-size="13" font-weight="bold">Strobe: GPIO operations per second (log scale; C solid, Swift light)</text>
            \(axis.joined(separator: "\n"))
            \(body.joined(separator: "\n"))
            <text x="8" y="\(Int(height) - 10)" fill="#666">Emulated and RAM-backed figures measure code paths and relative costs, not Raspberry Pi hardware.</text>
            </svg>

            """
    }

    func xml(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    /// Every row in `dir`: bench-*.json (arrays) and *.jsonl (one row per line), each checked
    /// (``BenchRow/check()``); a file that isn't rows is an error naming it.
    static func load(_ dir: String) throws -> [BenchRow] {
        let fm = FileManager.default
        var rows: [BenchRow] = []
        let names: [String]
        do { names = try fm.contentsOfDirectory(atPath: dir).sorted() } catch {
            throw StrobeError.invalidArgument("\(dir) is not a directory of results that can be read")
        }
        for name in names {
            let path = "\(dir)/\(name)"
            if name.hasPrefix("bench-") && name.hasSuffix(".json") {
                let data = try readResults(path)
                let decoded: [BenchRow]
                do { decoded = try JSONDecoder().decode([BenchRow].self, from: data) } catch { throw notRows(path, error) }
                for (i, r) in decoded.enumerated() { try r.check("\(path) row \(i + 1)") }
                rows += decoded
            } else if name.hasSuffix(".jsonl") {
                guard let text = String(data: try readResults(path), encoding: .utf8) else {
                    throw StrobeError.invalidArgument("\(path) is not UTF-8 text: not benchmark rows")
                }
                for (i, line) in text.split(separator: "\n").enumerated() where line.hasPrefix("{") {
                    let row: BenchRow
                    do { row = try JSONDecoder().decode(BenchRow.self, from: Data(line.utf8)) } catch { throw notRows("\(path) line \(i + 1)", error) }
                    try row.check("\(path) line \(i + 1)")
                    rows.append(row)
                }
            }
        }
        return rows
    }

    /// A results file's bytes; at most 64 MB (a bench run writes kilobytes).
    static func readResults(_ path: String) throws -> Data {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
        guard size <= 64 << 20 else { throw StrobeError.invalidArgument("\(path) is \(size) bytes: over 64 MB, not benchmark rows") }
        do { return try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw StrobeError.invalidArgument("\(path) can't be read (\((error as NSError).localizedDescription))")
        }
    }

    /// "PATH is not benchmark rows: the key ops_per_s is missing" — one line for a decoding error.
    static func notRows(_ where: String, _ error: any Error) -> StrobeError {
        let why: String = switch error as? DecodingError {
        case .keyNotFound(let key, _)?: "the key \(key.stringValue) is missing"
        case .typeMismatch(_, let c)?, .valueNotFound(_, let c)?:
            "\(c.codingPath.map(\.stringValue).filter { !$0.isEmpty }.joined(separator: ".")) has the wrong type"
        case .dataCorrupted(let c)?: c.codingPath.isEmpty ? "not valid JSON" : "\(c.codingPath.map(\.stringValue).joined(separator: ".")) is not a valid value"
        default: "not valid JSON"
        }
        return .invalidArgument("\(`where`) is not benchmark rows: \(why)")
    }
}

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Merge benchmark results (bench-*.json, *.jsonl) into one table, report.csv, report.json and report.svg."
    )

    @Argument(help: "Directory with the results.") var directory: String
    @Option(help: "Fail when any Swift row's Swift/C ratio is below this, 0.01…100 (e.g. 0.98: Swift may cost at most 2 % over C).",
            transform: Parse.double("--min-swift-ratio", 0.01...100))
    var minSwiftRatio: Double?

    func run() throws {
        let rows = try Report.load(directory)
        guard !rows.isEmpty else { throw ValidationError("no bench-*.json or *.jsonl results in \(directory)") }
        let report = Report(rows: rows)
        if let minSwiftRatio {
            let swiftRows = report.rows.filter { $0.impl == "swift" }
            guard !swiftRows.isEmpty else { throw ValidationError("no Swift rows to compare in \(directory)") }
            var failures: [String] = []
            for r in swiftRows {
                guard let ratio = report.swiftOverC(r) else { failures.append("\(r.env) \(r.backend) \(r.op): no C row to compare with"); continue }
                let line = String(format: "%@ %@ %@: Swift/C %.3f", r.env, r.backend, r.op, ratio)
                print(line + (ratio >= minSwiftRatio ? "" : "  < \(minSwiftRatio)"))
                if ratio < minSwiftRatio { failures.append(line) }
            }
            if !failures.isEmpty {
                throw StrobeError.invalidArgument("Swift costs more than \(String(format: "%.0f", (1 / minSwiftRatio - 1) * 100)) % over C: \(failures.joined(separator: "; "))")
            }
            print("all \(swiftRows.count) Swift rows within \(String(format: "%.1f", (1 - minSwiftRatio) * 100)) % of C")
            return
        }
        try report.csv().write(toFile: "\(directory)/report.csv", atomically: true, encoding: .utf8)
        try report.svg().write(toFile: "\(directory)/report.svg", atomically: true, encoding: .utf8)
        try JSONEncoder.pretty.encode(report.rows).write(to: URL(fileURLWithPath: "\(directory)/report.json"))
        print(report.table())
        print("\nwrote \(directory)/report.csv, report.json, report.svg")
    }
}

func rate(_ x: Double) -> String {
    if x >= 1e9 { return String(format: "%.2f G/s", x / 1e9) }
    if x >= 1e6 { return String(format: "%.2f M/s", x / 1e6) }
    if x >= 1e3 { return String(format: "%.2f k/s", x / 1e3) }
    return String(format: "%.0f /s", x)
}
