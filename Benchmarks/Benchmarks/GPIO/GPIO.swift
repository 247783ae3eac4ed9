// The Swift API's throughput per backend and operation, measured by package-benchmark.
// The same operations as Benchmarks/CBench (Google Benchmark, the C core) and `strobe bench`.
//
// Backends: registers — the GPIO block on a Raspberry Pi, else a RAM-backed block shaped like
// it; sysfs — the real /sys/class/gpio when it has a chip, else a regular file standing in for
// the value file; libgpiod — only where a GPIO chip opens. The pin is STROBE_BENCH_PIN (17).
import Benchmark
import Foundation
import Strobe

let pin = Int(ProcessInfo.processInfo.environment["STROBE_BENCH_PIN"] ?? "") ?? 17

/// The register block: hardware when this is a Pi, RAM otherwise.
func registerBoard() throws -> (Board, String) {
    if let board = try? Board.detect() { return (board, "hardware") }
    return (try Board.ram(.bcm2711), "ram")
}

/// The real sysfs, or a temporary tree whose value file is a regular file.
func sysfs() throws -> (SysfsGPIO, String) {
    if let real = try? SysfsGPIO() { return (real, "sysfs") }
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strobe-pkgbench-\(getpid())/class/gpio")
    try FileManager.default.createDirectory(at: dir.appendingPathComponent("gpiochip0"), withIntermediateDirectories: true)
    try FileManager.default.createDirectory(at: dir.appendingPathComponent("gpio\(pin)"), withIntermediateDirectories: true)
    for (file, text) in [("gpiochip0/label", "file-stand-in\n"), ("gpiochip0/base", "0\n"), ("gpiochip0/ngpio", "64\n"),
                         ("export", ""), ("unexport", ""), ("gpio\(pin)/direction", "in\n"), ("gpio\(pin)/value", "0\n")] {
        try Data(text.utf8).write(to: dir.appendingPathComponent(file))
    }
    return (try SysfsGPIO(root: dir.deletingLastPathComponent().deletingLastPathComponent().path), "file")
}

/// Toggle, write and read benchmarks for one backend's output pin.
func pinBenchmarks<C: GPIOController>(_ name: String, _ controller: C, scale: Int) throws {
    let out = try controller.output(pin)
    let config = Benchmark.Configuration(metrics: [.wallClock, .throughput], scalingFactor: scale == 1 ? .one : .kilo)
    Benchmark("\(name) toggle", configuration: config) { benchmark in
        for _ in benchmark.scaledIterations {
            out.set()
            out.clear()
        }
    }
    Benchmark("\(name) write", configuration: config) { benchmark in
        for i in benchmark.scaledIterations {
            if i & 1 == 0 { out.set() } else { out.clear() }
        }
    }
    Benchmark("\(name) read", configuration: config) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(out.read())
        }
    }
    // `out` now belongs to the closures above, which live for the whole run.
}

let benchmarks: @Sendable () -> Void = {
    do {
        let (board, kind) = try registerBoard()
        try pinBenchmarks("registers(\(kind))", board, scale: 1000)
        let group = try board.outputs([pin + 1])
        let mask = group.mask
        Benchmark("registers(\(kind)) mask", configuration: .init(metrics: [.wallClock, .throughput], scalingFactor: .kilo)) { benchmark in
            for _ in benchmark.scaledIterations {
                group.set(mask: mask)
                group.clear(mask: mask)
            }
        }
        let (s, sysfsKind) = try sysfs()
        try pinBenchmarks("sysfs(\(sysfsKind))", s, scale: 1)
        if let chip = try? GpiodChip(ProcessInfo.processInfo.environment["STROBE_BENCH_GPIOD_CHIP"]) {
            try pinBenchmarks("libgpiod(\(chip.name))", chip, scale: 1)
            let lines = try chip.outputs([pin + 1])
            let lineMask = lines.mask
            Benchmark("libgpiod(\(chip.name)) mask", configuration: .init(metrics: [.wallClock, .throughput], scalingFactor: .one)) { benchmark in
                for _ in benchmark.scaledIterations {
                    lines.set(mask: lineMask)
                    lines.clear(mask: lineMask)
                }
            }
        }
    } catch {
        fatalError("benchmark set-up failed: \(error)")
    }
}
