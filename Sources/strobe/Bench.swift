import ArgumentParser
import CStrobe
#if Libgpiod
import CStrobeGpiod
#endif
import Foundation
@_spi(StrobeInternals) import Strobe
import StrobeSimulator

// MARK: - The Swift side of the comparison

// The loops a Swift user writes over the public API. `@inline(never)` keeps each one a function
// of its own to measure; the pin calls inside inline fully. `swiftToggleLoop` is the one
// scripts/hotpath-proof counts instructions in.

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
func swiftToggle<C: GPIOController>(_ pin: borrowing OutputPin<C>, _ count: UInt64) {
    var i: UInt64 = 0
    while i < count {
        pin.set()
        pin.clear()
        i &+= 1
    }
}

@inline(never)
func swiftWrite<C: GPIOController>(_ pin: borrowing OutputPin<C>, _ count: UInt64) {
    var i: UInt64 = 0
    while i < count {
        if i & 1 == 0 { pin.set() } else { pin.clear() }
        i &+= 1
    }
}

@inline(never)
func swiftRead<C: GPIOController>(_ pin: borrowing OutputPin<C>, _ count: UInt64) -> UInt64 {
    var high: UInt64 = 0
    var i: UInt64 = 0
    while i < count {
        if pin.read().isHigh { high &+= 1 }
        i &+= 1
    }
    return high
}

@inline(never)
func swiftMaskLoop<Group: OutputPinGroup & ~Copyable>(_ group: borrowing Group, _ mask: UInt32, _ count: UInt64) {
    var i: UInt64 = 0
    while i < count {
        group.set(mask: mask)
        group.clear(mask: mask)
        i &+= 1
    }
}


// MARK: - Rows and options

enum BenchOp: String, CaseIterable, ExpressibleByArgument, Codable {
    case toggle, write, read, mask
    /// One byte (0x55: MOSI changes every bit) written by the bit-banged SPI master at max,
    /// write-only, in calls of ``spiChunk`` bytes: C's strobe_spi_transfer against
    /// BitBangSPI<Board>.write. On a RAM block or the virtual bench only (no pin moves on
    /// hardware that the user didn't name).
    case spi
    /// One I2C data byte (0x00) written at max to the general-call address, ``spiChunk`` bytes a
    /// transaction: C's strobe_i2c_transfer against BitBangI2C<Board>.write on the same bus, on a
    /// RAM-backed RP1 block whose lines read as a target that ACKs everything
    /// (strobe_i2c_loopback_ram). This machine only.
    case i2c
}

/// The Swift I2C loop: what a Swift user sending a buffer writes.
@inline(never)
func swiftI2CLoop(_ bus: BitBangI2C<Board>, _ bytes: [UInt8], _ count: UInt64) -> UInt64 {
    var sent: UInt64 = 0, failed: UInt64 = 0
    let last = bytes.count
    let general = try! I2CAddress(0)
    while sent < count {
        let n = Int(min(UInt64(last), count - sent))
        do { try bus.write(general, n == last ? bytes : Array(bytes.prefix(n))) } catch { failed += 1 }
        sent += UInt64(n)
    }
    return failed
}

/// Bytes per call in the SPI loops.
let spiChunk = 256

/// The Swift SPI loop: what a Swift user sending a buffer writes.
@inline(never)
func swiftSPILoop(_ bus: BitBangSPI<Board>, _ words: [UInt32], _ count: UInt64) {
    var sent: UInt64 = 0
    let last = words.count
    while sent < count {
        let n = Int(min(UInt64(last), count - sent))
        do { try bus.write(n == last ? words : Array(words.prefix(n))) } catch { return }
        sent += UInt64(n)
    }
}

enum BenchImpl: String, CaseIterable, ExpressibleByArgument, Codable {
    case c, swift
}

/// One measurement: the unit every environment (this machine, the emulated Pi, a gpio-sim VM)
/// writes, so `strobe report` can put them in one table.
struct BenchRow: Codable {
    /// Short id of where it ran: "host", "raspberry-pi", "emulated-pi3b", "gpio-sim-kvm".
    var env: String
    /// What that means, for people.
    var `where`: String?
    var backend: String
    var op: String
    var impl: String
    var ops: UInt64
    var ns_per_op: Double
    var ops_per_s: Double
    var syscalls_per_op: Double?
    var note: String?
}

extension BenchRow {
    /// A row read from a file is checked before it is charted: every number finite and in a
    /// range a measurement can have (ns/op and ops/s 10⁻³…10¹², syscalls/op 0…10⁶, ops ≥ 1), and
    /// its names short. `place` names the file and row in the error.
    func check(_ place: String) throws {
        func inRange(_ v: Double, _ name: String, _ range: ClosedRange<Double>) throws {
            guard v.isFinite, range.contains(v) else {
                throw StrobeError.outOfRange(parameter: "\(place): \(name)", value: Checked.number(v), range: "\(Checked.number(range.lowerBound))…\(Checked.number(range.upperBound))")
            }
        }
        try inRange(ns_per_op, "ns_per_op", 1e-3...1e12)
        try inRange(ops_per_s, "ops_per_s", 1e-3...1e12)
        if let s = syscalls_per_op { try inRange(s, "syscalls_per_op", 0...1e6) }
        guard ops >= 1 else { throw StrobeError.outOfRange(parameter: "\(place): ops", value: "\(ops)", range: "1 or more") }
        for (name, text) in [("env", env), ("backend", backend), ("op", op), ("impl", impl), ("where", `where` ?? ""), ("note", note ?? "")] where text.utf8.count > 1000 {
            throw StrobeError.invalidArgument("\(place): \(name) is \(text.utf8.count) bytes long; a result's names are short")
        }
    }
}

/// A backend ready to measure: for each (operation, implementation) a loop of `count` operations.
struct BenchTarget {
    var backend: String
    var note: String
    var count: UInt64
    var loops: [BenchOp: [BenchImpl: (UInt64) -> Void]]
    /// Operations per loop where it differs from ``count`` (an SPI byte costs some 20 stores).
    var counts: [BenchOp: UInt64] = [:]
    /// How many pins the mask loops write (0: no mask operation on this backend).
    var maskWidth = 0
}

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure GPIO throughput per backend and operation, C path and Swift path side by side.",
        discussion: """
            Backends: registers (the GPIO block; off a Pi a RAM-backed block shaped like it), \
            sysfs (off a Pi: a regular file standing in for the value file, so the syscall path is \
            real but no driver answers), libgpiod (needs a GPIO chip). Operations: toggle (set + \
            clear), write (one set or clear), read, mask (a set and a clear of several pins at \
            once: one store on registers, one ioctl on libgpiod; sysfs has none). The mask pins \
            are --mask-pins; by default every other free pin of --pin's 32-pin bank where no \
            hardware can be harmed (a RAM block, the virtual bench, a gpio-sim or gpio-mockup \
            chip), and only --pin + 1 on hardware, where the other pins may be wired to \
            something. Each round runs C then Swift; the median round is reported. \
            --count-syscalls re-runs each loop under strace to count syscalls per operation. \
            --out DIR writes bench-ENV.json for `strobe report`.
            """
    )

    @OptionGroup var target: TargetOptions
    @Option(help: ArgumentHelp("Only these backends (comma-separated; default: every one available).", valueName: "registers,sysfs,libgpiod")) var backends: String?
    @Option(help: ArgumentHelp("Layout of the RAM-backed block off a Pi.", valueName: "bcm2835|bcm2711|rp1")) var ram: Layout = .bcm2711
    @Option(help: "GPIO to drive, 0…1023 (the layout or chip decides which exist).", transform: Parse.int("--pin", 0...PinList.maximumPin)) var pin: Int = 17
    @Option(help: ArgumentHelp("Pins for the mask operation, in --pin's 32-pin bank: a list (\"18,20-23\"), \"all\" (every other free pin of the bank) or \"next\" (--pin + 1). Default: all on a RAM block, the virtual bench or a simulated chip; next on hardware.", valueName: "list|all|next"))
    var maskPins: String?
    @Option(help: "Register operations per round, 1…1000000000.", transform: Parse.int("--toggles", 1...1_000_000_000)) var toggles: UInt64 = 20_000_000
    @Option(help: "Operations per round on the kernel backends (each is a syscall), 1…10000000.", transform: Parse.int("--syscall-toggles", 1...10_000_000))
    var syscallToggles: UInt64 = 100_000
    @Option(help: "Rounds, 1…101; C and Swift alternate and the median round is reported.", transform: Parse.int("--rounds", 1...101)) var rounds: Int = 7
    @Option(help: "Only this implementation (c or swift).") var impl: BenchImpl?
    @Option(help: "Only this operation (toggle, write, read, mask, spi: a byte through the bit-banged SPI master, RAM block and virtual bench only; i2c: a byte through the I2C master, RAM block only).") var op: BenchOp?
    @Flag(help: "Count syscalls per operation (runs each loop again under strace).") var countSyscalls = false
    @Flag(help: "Print JSON rows instead of a table.") var json = false
    @Option(help: "Write bench-ENV.json into this directory.") var out: String?

    func run() throws {
        try target.requireRegisters("bench")  // --backend picks one way for other commands; bench takes --backends
        let wanted = try backendList()
        let env = BenchEnvironment.detect(target: target, ram: ram)
        var rows: [BenchRow] = []
        var notes: [String] = [], failures: [String] = []
        for backend in wanted {
            do {
                try withTarget(backend, env: env) { t in rows += measure(t, env: env) }
            } catch {
                // What the user asked for by name, or got wrong, is an error; a backend they
                // didn't name that this machine lacks is only a note.
                if asked(backend) || Self.isInputError(error) { failures.append("\(backend): \(error)") }
                else { notes.append("\(backend) not measured (not asked for, not available here): \(error)") }
            }
        }
        if !failures.isEmpty {
            for n in notes { FileHandle.standardError.write(Data("note: \(n)\n".utf8)) }
            throw StrobeError.invalidArgument("bench could not measure \(failures.joined(separator: "; "))")
        }
        guard !rows.isEmpty else {
            throw StrobeError.unsupported("bench measured nothing: \(notes.isEmpty ? "no backend ran" : notes.joined(separator: "; "))")
        }
        if countSyscalls { try addSyscallCounts(&rows) }
        if let out {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            let data = try JSONEncoder.pretty.encode(rows)
            try data.write(to: URL(fileURLWithPath: "\(out)/bench-\(env.id).json"))
        }
        if json {
            print(String(decoding: try JSONEncoder.pretty.encode(rows), as: UTF8.self))
        } else {
            print(Report(rows: rows).table())
            for n in notes { print("note: \(n)") }
        }
    }

    /// Whether the user asked for `backend`: named in --backends, the chip given with --chip,
    /// or the virtual bench's registers.
    func asked(_ backend: String) -> Bool {
        if backends != nil { return true }
        return (backend == "libgpiod" && target.chip != nil) || (backend == "registers" && target.virtual != nil)
    }

    /// Errors that say the request was wrong (a pin that doesn't exist, a pin listed twice),
    /// not that the backend is missing here.
    static func isInputError(_ error: any Error) -> Bool {
        switch error as? StrobeError {
        case .invalidPin, .invalidLine, .pinInUse, .outOfRange, .invalidArgument, .unsupportedFunction: true
        default: error is ValidationError
        }
    }

    func backendList() throws -> [String] {
        let all = ["registers", "sysfs", "libgpiod"]
        guard let backends else { return target.virtual != nil ? ["registers"] : all }
        let list = backends.split(separator: ",", omittingEmptySubsequences: false).map { String($0) }
        for b in list where !all.contains(b) { throw ValidationError("unknown backend '\(b)': registers, sysfs or libgpiod") }
        if let twice = list.first(where: { b in list.filter { $0 == b }.count > 1 }) { throw ValidationError("--backends lists \(twice) twice") }
        return list
    }

    /// Opens `backend` and hands its loops to `body`; pins are released afterwards.
    func withTarget(_ backend: String, env: BenchEnvironment, _ body: (BenchTarget) -> Void) throws {
        switch backend {
        case "registers":
            let board = try env.board()
            let note = board.info != nil ? "GPIO registers (\(board.access))"
                : board.bench != nil ? "virtual bench: every store traps into the simulator"
                : "RAM-backed \(board.layout) block: no pin moves; the cost of the code path"
            let out = try board.output(pin)
            let port = out.registerPort
            var sink: UInt64 = 0
            let count = board.bench != nil ? min(toggles, 20_000) : toggles
            var t = BenchTarget(backend: "registers", note: note, count: count, loops: [
                .toggle: [.c: { strobe_bench_toggle_c(port, $0) }, .swift: { swiftToggleLoop(out, $0) }],
                .write: [.c: { strobe_bench_write_c(port, $0) }, .swift: { swiftWrite(out, $0) }],
                .read: [.c: { sink &+= strobe_bench_read_c(port, $0) }, .swift: { sink &+= swiftRead(out, $0) }],
            ])
            // SPI on a board of its own (its pins are free of --pin and the mask pins), and only
            // where no pin moves: a RAM block or the virtual bench.
            var spiBus: BitBangSPI<Board>? = nil
            let spiWords = [UInt32](repeating: 0x55, count: spiChunk)
            if wantsSPI, board.info == nil {
                let spiBoard = try env.board()
                let bus = try spiBoard.spi(SPIPins(sck: 11, mosi: 10, miso: nil, chipSelect: .none),
                                           configuration: SPIConfiguration(clock: .maximum))
                var cBus = bus.registerBus
                spiBus = bus
                t.loops[.spi] = [.c: { n in spiWords.withUnsafeBufferPointer { strobe_bench_spi_c(&cBus, $0.baseAddress, spiChunk, n) } },
                                 .swift: { swiftSPILoop(bus, spiWords, $0) }]
                let bytes = board.bench != nil ? 256 : max(UInt64(spiChunk), toggles / 16 / UInt64(spiChunk) * UInt64(spiChunk))
                t.counts[.spi] = bytes
            }
            defer { withExtendedLifetime(spiBus) {} }
            var i2cBus: BitBangI2C<Board>? = nil
            var i2cFailed: UInt64 = 0
            let i2cBytes = [UInt8](repeating: 0, count: spiChunk)
            if wantsI2C, board.info == nil, board.bench == nil {
                let bus = try Board.ram(.rp1).i2c(sda: 2, scl: 3, configuration: I2CConfiguration(clock: .maximum))
                var cBus = try bus.loopBackOnRAM()
                i2cBus = bus
                t.loops[.i2c] = [.c: { n in
                                    var bytes = i2cBytes
                                    i2cFailed += bytes.withUnsafeMutableBufferPointer { strobe_bench_i2c_c(&cBus, $0.baseAddress, spiChunk, n) }
                                 },
                                 .swift: { i2cFailed += swiftI2CLoop(bus, i2cBytes, $0) }]
                t.counts[.i2c] = max(UInt64(spiChunk), toggles / 64 / UInt64(spiChunk) * UInt64(spiChunk))
            }
            defer { withExtendedLifetime(i2cBus) {} }
            if wantsMask {  // the mask pins are claimed only when measured
                // "all" leaves out the pins the kernel has given to a driver (unless --force).
                let group = try board.outputs(try maskPinList(pinCount: board.layout.pinCount, onHardware: board.info != nil) { pin in
                    board.kernelPins == .override || board.kernelOwners[pin] == nil
                })
                let mask = group.mask
                var maskPort = port
                maskPort.mask = mask
                t.loops[.mask] = [.c: { strobe_bench_mask_c(maskPort, mask, $0) }, .swift: { swiftMaskLoop(group, mask, $0) }]
                t.maskWidth = group.pins.count
                body(t)
            } else {
                body(t)
            }
            blackHole(sink)
            if i2cFailed > 0 {
                throw StrobeError.unsupported("the I2C benchmark's loopback bus failed \(i2cFailed) transactions: its figures would be wrong; please report this")
            }
        case "sysfs":
            let (gpio, note, cleanup) = try env.sysfs(pin: pin)
            defer { cleanup() }
            let out = try gpio.output(pin)
            let fd = out.line.cFileDescriptor
            var sink: UInt64 = 0
            body(BenchTarget(backend: "sysfs", note: note, count: syscallToggles, loops: [
                .toggle: [.c: { strobe_bench_sysfs_toggle_c(fd, $0) }, .swift: { swiftToggle(out, $0) }],
                .write: [.c: { strobe_bench_sysfs_write_c(fd, $0) }, .swift: { swiftWrite(out, $0) }],
                .read: [.c: { sink &+= strobe_bench_sysfs_read_c(fd, $0) }, .swift: { sink &+= swiftRead(out, $0) }],
            ]))
            blackHole(sink)
        case "libgpiod":
            #if Libgpiod
            let chip = try GpiodChip(target.chip)
            let out = try chip.output(pin)
            let request = out.line.cRequest
            var sink: UInt64 = 0
            var t = BenchTarget(backend: "libgpiod", note: "libgpiod (\(chip.name), \(chip.label))", count: syscallToggles, loops: [
                .toggle: [.c: { strobe_bench_gpiod_toggle_c(request, $0) }, .swift: { swiftToggle(out, $0) }],
                .write: [.c: { strobe_bench_gpiod_write_c(request, $0) }, .swift: { swiftWrite(out, $0) }],
                .read: [.c: { sink &+= strobe_bench_gpiod_read_c(request, $0) }, .swift: { sink &+= swiftRead(out, $0) }],
            ])
            if wantsMask {
                // Only a simulated chip's lines are all safe to drive; on real hardware, one more line.
                let simulated = chip.label.hasPrefix("gpio-sim") || chip.label.hasPrefix("gpio-mockup")
                let maskLines = try maskPinList(pinCount: chip.pinCount, onHardware: !simulated) { line in
                    (try? chip.holder(of: line)).flatMap { $0 } == nil
                }
                let group = try chip.outputs(maskLines)
                let groupRequest = group.cRequest, mask = group.mask
                t.loops[.mask] = [.c: { strobe_bench_gpiod_mask_c(groupRequest, mask, $0) }, .swift: { swiftMaskLoop(group, mask, $0) }]
                t.maskWidth = group.pins.count
                body(t)
            } else {
                body(t)
            }
            blackHole(sink)
            #else
            throw StrobeError.libgpiodBackendMissing
            #endif
        default:
            throw ValidationError("unknown backend \(backend)")
        }
    }

    func validate() throws {
        if let maskPins, maskPins != "all", maskPins != "next" {
            let pins: [Int]
            do { pins = try PinList.parse(maskPins, option: "--mask-pins") } catch { throw ValidationError(error.description) }
            if pins.contains(pin) { throw ValidationError("--mask-pins includes --pin \(pin), which the other operations hold") }
            if let other = pins.first(where: { $0 / 32 != pin / 32 }) {
                throw ValidationError("--mask-pins \(other) is not in --pin \(pin)'s 32-pin bank (\(pin / 32 * 32)–\(pin / 32 * 32 + 31)): one mask write reaches one bank")
            }
        }
    }

    /// Whether the mask operation is measured (its pins are claimed only then).
    var wantsMask: Bool { op == nil || op == .mask }
    /// Whether the SPI operation is measured.
    var wantsSPI: Bool { op == nil || op == .spi }
    /// Whether the I2C operation is measured.
    var wantsI2C: Bool { op == nil || op == .i2c }


    /// The pins the mask loops write (see --mask-pins), never including --pin.
    /// "all" leaves out lines `isFree` says someone else holds.
    func maskPinList(pinCount: Int, onHardware: Bool, isFree: (Int) -> Bool = { _ in true }) throws -> [Int] {
        let bank = pin / 32
        switch maskPins ?? (onHardware ? "next" : "all") {
        case "all": return (bank * 32..<min(bank * 32 + 32, pinCount)).filter { $0 != pin && isFree($0) }
        case "next": return [pin + 1 < pinCount && (pin + 1) / 32 == bank ? pin + 1 : pin - 1]
        case let list:
            let pins = try PinList.parse(list, option: "--mask-pins")
            if let missing = pins.first(where: { $0 >= pinCount }) {
                throw StrobeError.invalidArgument("--mask-pins \(missing) does not exist here: this GPIO block has \(pinCount) pins (0–\(pinCount - 1))")
            }
            return pins
        }
    }

    /// Runs every selected loop `rounds` times, C and Swift alternating, and keeps the medians.
    func measure(_ t: BenchTarget, env: BenchEnvironment) -> [BenchRow] {
        let ops = BenchOp.allCases.filter { op == nil || $0 == op }
        let impls = BenchImpl.allCases.filter { impl == nil || $0 == impl }
        var samples: [BenchOp: [BenchImpl: [Double]]] = [:]
        for _ in 0..<rounds {
            for o in ops {
                guard let loops = t.loops[o] else { continue }
                for i in impls {
                    guard let loop = loops[i] else { continue }
                    let n = t.counts[o] ?? t.count
                    let t0 = strobe_monotonic_ns()
                    loop(n)
                    let dt = Double(max(strobe_monotonic_ns() - t0, 1)) // a loop under the clock's resolution: 1 ns, never 0 (ops/s infinite)
                    samples[o, default: [:]][i, default: []].append(dt / Double(n))
                }
            }
        }
        var rows: [BenchRow] = []
        for o in ops {
            for i in impls {
                guard let ns = median(samples[o]?[i]) else { continue }
                rows.append(BenchRow(env: env.id, where: env.description, backend: t.backend, op: o.rawValue, impl: i.rawValue,
                                     ops: t.counts[o] ?? t.count, ns_per_op: ns, ops_per_s: 1e9 / ns, syscalls_per_op: nil,
                                     note: o == .mask ? "\(t.maskWidth)-pin mask"
                                         : o == .spi ? "SPI byte 0x55 at max, write-only, \(spiChunk) a call (\(formatBits(1e9 / ns * 8)))"
                                         : o == .i2c ? "I2C byte at max to 0x00 on an RP1 RAM block, \(spiChunk) a transaction (\(formatBits(1e9 / ns * 8)))" : t.note))
            }
        }
        return rows
    }

    /// For each row, runs its loop for two counts under `strace -f -c` (a child `strobe bench`)
    /// and takes the difference: syscalls per operation, with set-up cancelled out.
    func addSyscallCounts(_ rows: inout [BenchRow]) throws {
        guard let strace = findExecutable("strace") else {
            throw StrobeError.unsupported("--count-syscalls needs strace (sudo apt-get install strace)")
        }
        let me = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strobe-syscalls-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let (n1, n2): (UInt64, UInt64) = (1000, 3000)
        for index in rows.indices {
            let r = rows[index]
            var totals: [Int] = []
            for n in [n1, n2] {
                let file = dir.appendingPathComponent("\(r.backend)-\(r.op)-\(r.impl)-\(n)").path
                var args = ["-f", "-c", "-o", file, me, "bench", "--backends", r.backend, "--op", r.op, "--impl", r.impl,
                            "--toggles", "\(n)", "--syscall-toggles", "\(n)", "--rounds", "1", "--json", "--pin", "\(pin)", "--ram", ram.rawValue]
                args += target.passThrough
                if let maskPins { args += ["--mask-pins", maskPins] }
                let status = try runQuietly(strace, args)
                guard status == 0, let total = straceTotal(file) else {
                    throw StrobeError.unsupported("counting syscalls of \(r.backend)/\(r.op)/\(r.impl) under strace failed (status \(status))")
                }
                totals.append(total)
            }
            rows[index].syscalls_per_op = Double(totals[1] - totals[0]) / Double(n2 - n1)
        }
    }
}

/// Where the benchmark runs, and how to open each backend there.
struct BenchEnvironment {
    var id: String
    var description: String
    var target: TargetOptions
    var ramLayout: Layout
    var info: BoardInfo?

    static func detect(target: TargetOptions, ram: Layout) -> BenchEnvironment {
        if let v = target.virtual {
            return BenchEnvironment(id: "virtual-\(v)", description: "the virtual bench (\(v)): trapped stores, simulator cost", target: target, ramLayout: ram)
        }
        if let info = try? BoardInfo.detect(root: target.root) {
            return BenchEnvironment(id: "raspberry-pi", description: "\(info.model) (\(info.soc))", target: target, ramLayout: ram, info: info)
        }
        let env = ProcessInfo.processInfo.environment
        let id = env["STROBE_BENCH_ENV"] ?? "host"
        let text = env["STROBE_BENCH_WHERE"] ?? "this machine (\(machineName())), not a Raspberry Pi"
        return BenchEnvironment(id: id, description: text, target: target, ramLayout: ram)
    }

    func board() throws -> Board {
        if let v = target.virtual { return try Board.virtual(v) }
        if info != nil { return try Board.detect(root: target.root, useDevMem: target.devmem, deviceRoot: target.deviceRoot, kernelPins: target.kernelPins) }
        return try Board.ram(ramLayout)
    }

    /// The real sysfs when it has a GPIO chip; otherwise a temporary tree whose value file is a
    /// regular file, so the syscalls are real but nothing drives a pin.
    func sysfs(pin: Int) throws -> (SysfsGPIO, String, () -> Void) {
        if let real = try? SysfsGPIO(root: target.sysfsRoot) {
            return (real, "sysfs (\(real.chipName), \(real.label))", {})
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strobe-bench-sysfs-\(getpid())")
        let gpio = dir.appendingPathComponent("class/gpio")
        let fm = FileManager.default
        try fm.createDirectory(at: gpio.appendingPathComponent("gpiochip0"), withIntermediateDirectories: true)
        try fm.createDirectory(at: gpio.appendingPathComponent("gpio\(pin)"), withIntermediateDirectories: true)
        for (file, text) in [("gpiochip0/label", "file-stand-in\n"), ("gpiochip0/base", "0\n"), ("gpiochip0/ngpio", "64\n"),
                             ("export", ""), ("unexport", ""), ("gpio\(pin)/direction", "in\n"), ("gpio\(pin)/value", "0\n")] {
            try Data(text.utf8).write(to: gpio.appendingPathComponent(file))
        }
        let s = try SysfsGPIO(root: dir.path)
        return (s, "sysfs code path on a regular file in \(dir.deletingLastPathComponent().path) (no GPIO driver: a real pwrite/pread per op)",
                { try? fm.removeItem(at: dir) })
    }
}

extension TargetOptions {
    /// The options a child `strobe bench` needs to open the same things.
    var passThrough: [String] {
        var a: [String] = []
        if let virtual { a += ["--virtual", virtual.rawValue, "--fresh", "--virtual-state", "/dev/null"] }
        if let chip { a += ["--chip", chip] }
        if devmem { a.append("--devmem") }
        if root != "/" { a += ["--root", root] }
        if sysfsRoot != "/sys" { a += ["--sysfs-root", sysfsRoot] }
        return a
    }
}

// MARK: - Helpers

@inline(never)
func blackHole(_ x: UInt64) { if x == .max { print("") } }

func median(_ xs: [Double]?) -> Double? {
    guard let xs, !xs.isEmpty else { return nil }
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

func machineName() -> String {
    var u = utsname()
    uname(&u)
    let machine = withUnsafeBytes(of: u.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    return "\(machine), \(ProcessInfo.processInfo.activeProcessorCount) cores"
}

func findExecutable(_ name: String) -> String? {
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
        let path = "\(dir)/\(name)"
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return nil
}

/// Runs a program with its output discarded; returns its exit status.
func runQuietly(_ path: String, _ args: [String]) throws -> Int32 {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = args
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    try p.run()
    p.waitUntilExit()
    return p.terminationStatus
}

/// The total number of calls in an `strace -c` summary.
func straceTotal(_ file: String) -> Int? {
    guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
    for line in text.split(separator: "\n").reversed() where line.hasSuffix("total") {
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        // "100.00  0.000123  1  4567  12  total": % time, seconds, usecs/call, calls, [errors], total
        if fields.count >= 5, let calls = Int(fields[3]) { return calls }
    }
    return nil
}

extension JSONEncoder {
    static var pretty: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return e
    }
}

/// "12.3 Mbit/s".
func formatBits(_ perSecond: Double) -> String {
    perSecond >= 1e6 ? String(format: "%.1f Mbit/s", perSecond / 1e6) : String(format: "%.0f kbit/s", perSecond / 1e3)
}
