import Foundation
import Testing
import CStrobe
import CStrobeSimulator
@testable import Strobe
@testable import StrobeSimulator

// The bus's pins in these tests: the Pi's SPI0 header pins (CE0 8, MISO 9, MOSI 10, SCLK 11).
private let cs = 8, miso = 9, mosi = 10, sck = 11
private let spiPins = SPIPins(sck: sck, mosi: mosi, miso: miso, chipSelect: .activeLow(cs))

/// What a logic analyser sampling `data` on each sampling edge of `clock` would read, from the
/// bench's change log: the level of `data` at the time of each edge (changes at the same
/// instant as the edge but recorded after it excluded: data changes *with* a trailing edge).
private func sampled(_ changes: [VirtualBench.Change], clock: Int, data: Int, on rising: Bool, initialData: Level = .low) -> [Int] {
    var level = initialData
    var out: [Int] = []
    for c in changes {
        if c.pin == data { level = c.level }
        if c.pin == clock, c.level.isHigh == rising { out.append(level.isHigh ? 1 : 0) }
    }
    return out
}

/// The `n` low bits of `word` in wire order (also used by SPIBackendTests).
func bits(_ word: UInt32, _ n: Int, lsbFirst: Bool = false) -> [Int] {
    (0..<n).map { i in Int(word >> UInt32(lsbFirst ? i : n - 1 - i) & 1) }
}

@Suite("SPI master and the MCP3008 model on the virtual bench")
struct SPITests {
    @Test("Each mode idles SCK at CPOL, samples MOSI's bits on the right edge, both bit orders")
    func modesAndBitOrders() throws {
        for mode in SPIMode.allCases {
            for order in SPIBitOrder.allCases {
                let board = try Board.virtual(.bcm2711)
                let bench = try #require(board.bench)
                let bus = try board.spi(spiPins, configuration: SPIConfiguration(mode: mode, bitOrder: order, clock: .hertz(1_000_000)))
                #expect(bench.level(of: sck) == Level(mode.clockIdlesHigh))
                #expect(bench.level(of: cs) == .high)
                bench.clearChanges()
                try bus.write([0xA5, 0x3C])
                let changes = bench.changes
                // Sampling edge: leading for CPHA 0, trailing for CPHA 1; rising when they agree with CPOL 0.
                let rising = mode.clockIdlesHigh == mode.samplesOnTrailingEdge
                let got = sampled(changes, clock: sck, data: mosi, on: rising)
                let want = bits(0xA5, 8, lsbFirst: order == .lsbFirst) + bits(0x3C, 8, lsbFirst: order == .lsbFirst)
                #expect(got == want, "mode \(mode.rawValue) \(order)")
                #expect(bench.level(of: sck) == Level(mode.clockIdlesHigh))
                #expect(bench.level(of: cs) == .high)
                // CS low for the whole transfer: it falls first and rises last.
                #expect(changes.first?.pin == cs && changes.first?.level == .low)
                #expect(changes.last?.pin == cs && changes.last?.level == .high)
            }
        }
    }

    @Test("Edges fall on exact deadlines: 1 MHz is 500 ns half periods, 3 MHz averages 10⁹/6 ns without drift")
    func clockTiming() throws {
        for hz in [1_000_000.0, 3_000_000.0, 10_000.0] {
            let board = try Board.virtual(.bcm2711)
            let bench = try #require(board.bench)
            let bus = try board.spi(spiPins, configuration: SPIConfiguration(clock: .hertz(hz)))
            bench.clearChanges()
            try bus.write([UInt32](repeating: 0x55, count: 32))
            let edges = bench.changes.filter { $0.pin == sck }.map(\.time)
            #expect(edges.count == 2 * 8 * 32)
            let half = 1e9 / (2 * hz)
            for (k, t) in edges.enumerated() {
                // Edge k+1 after t0 is at t0 + floor((k+1)·half) (t0 = the first edge − half).
                let ideal = Double(edges[0]) - half + Double(k + 1) * half
                #expect(abs(Double(t) - ideal) < 1.0, "edge \(k) at \(t), ideal \(ideal)")
            }
            let period = Double(edges.last! - edges.first!) / Double(edges.count - 1) * 2
            #expect(abs(period - 1e9 / hz) / (1e9 / hz) < 0.001)
        }
    }

    @Test("Word sizes 1…32: 12- and 32-bit words go out whole, MSB or LSB first")
    func wordSizes() throws {
        for (size, word) in [(1, UInt32(1)), (12, 0xABC), (16, 0xBEEF), (32, 0xDEAD_BEEF)] {
            for order in SPIBitOrder.allCases {
                let board = try Board.virtual(.rp1)
                let bench = try #require(board.bench)
                let bus = try board.spi(SPIPins(sck: 3, mosi: 4, miso: nil, chipSelect: .activeHigh(5)),
                                        configuration: SPIConfiguration(bitOrder: order, wordSize: size, clock: .hertz(250_000)))
                #expect(bench.level(of: 5) == .low) // active high: released low
                bench.clearChanges()
                try bus.write([word])
                #expect(sampled(bench.changes, clock: 3, data: 4, on: true) == bits(word, size, lsbFirst: order == .lsbFirst))
                #expect(bench.changes.first?.pin == 5 && bench.changes.first?.level == .high)
            }
        }
    }

    @Test("Read-only clocks zeros out; write-only and read-only buses refuse the other direction")
    func directions() throws {
        let board = try Board.virtual(.bcm2711)
        let bench = try #require(board.bench)
        let bus = try board.spi(spiPins)
        try bench.drive(miso, to: .high)
        #expect(try bus.read(count: 3) == [0xFF, 0xFF, 0xFF])
        #expect(try bus.transfer([0x12]) == [0xFF])
        let writeOnly = try board.spi(SPIPins(sck: 20, mosi: 21, miso: nil, chipSelect: .none))
        #expect(throws: StrobeError.self) { _ = try writeOnly.read(count: 1) }
        #expect(throws: StrobeError.self) { _ = try writeOnly.transfer([1]) }
        let readOnly = try board.spi(SPIPins(sck: 22, mosi: nil, miso: 23, chipSelect: .none))
        #expect(throws: StrobeError.self) { try readOnly.write([1]) }
        try bench.drive(23, to: .high)
        #expect(try readOnly.read(count: 2) == [0xFF, 0xFF])
    }

    @Test("Bad input is a typed error, and nothing stays claimed")
    func badInput() throws {
        let board = try Board.virtual(.bcm2711)
        func config(_ c: SPIConfiguration) -> () throws -> Void { { _ = try board.spi(spiPins, configuration: c) } }
        #expect(throws: StrobeError.outOfRange(parameter: "the SPI word size", value: "0 bits", range: "1 bits…32 bits"), performing: config(SPIConfiguration(wordSize: 0)))
        #expect(throws: StrobeError.self, performing: config(SPIConfiguration(wordSize: 33)))
        #expect(throws: StrobeError.self, performing: config(SPIConfiguration(clock: .hertz(0))))
        #expect(throws: StrobeError.self, performing: config(SPIConfiguration(clock: .hertz(.nan))))
        #expect(throws: StrobeError.self, performing: config(SPIConfiguration(clock: .hertz(.infinity))))
        #expect(throws: StrobeError.self, performing: config(SPIConfiguration(clock: .hertz(-1))))
        #expect(throws: StrobeError.self, performing: config(SPIConfiguration(clock: .hertz(600_000_000))))
        #expect(throws: StrobeError.self, performing: config(SPIConfiguration(clock: .hertz(1.5))))
        #expect(throws: StrobeError.self, performing: config(SPIConfiguration(chipSelectSetup: .seconds(2))))
        #expect(throws: StrobeError.self, performing: config(SPIConfiguration(chipSelectHold: .nanoseconds(-1))))
        #expect(throws: StrobeError.self) { _ = try board.spi(SPIPins(sck: 11, mosi: 11, miso: 9, chipSelect: .none)) }
        #expect(throws: StrobeError.self) { _ = try board.spi(SPIPins(sck: 11, mosi: 10, miso: 9, chipSelect: .activeLow(9))) }
        #expect(throws: StrobeError.invalidPin(99, layout: .bcm2711)) { _ = try board.spi(SPIPins(sck: 99, mosi: 10, miso: 9, chipSelect: .none)) }
        #expect(throws: StrobeError.self) { _ = try board.spi(SPIPins(sck: 11, mosi: nil, miso: nil, chipSelect: .none)) }
        // Each refusal above claimed nothing: the pins are free.
        do { _ = try board.output(11); _ = try board.output(8) }
        // A pin held elsewhere: the bus fails, and releases what it had claimed already.
        let held = try board.input(9)
        #expect(throws: StrobeError.pinInUse(9)) { _ = try board.spi(spiPins) }
        _ = held
        let bus = try board.spi(SPIPins(sck: 11, mosi: 10, miso: nil, chipSelect: .activeLow(8)),
                                configuration: SPIConfiguration(wordSize: 12))
        #expect(throws: StrobeError.outOfRange(parameter: "SPI word 1", value: "0x1000", range: "0…0xfff (12-bit words)")) { try bus.write([0xFFF, 0x1000]) }
        #expect(throws: StrobeError.self) { _ = try bus.write(bytes: [1]) }
        #expect(throws: StrobeError.self) { _ = try bus.read(count: -1) }
    }

    @Test("The bus owns its pins for its lifetime and gives them back, restored, on deinit")
    func ownership() throws {
        let board = try Board.virtual(.bcm2711)
        let before = try board.state(of: sck)
        do {
            let bus = try board.spi(spiPins, configuration: SPIConfiguration(mode: .mode3))
            for pin in [cs, miso, mosi, sck] {
                #expect(throws: StrobeError.pinInUse(pin)) { _ = try board.output(pin) }
            }
            #expect(try board.state(of: sck).function == .output)
            #expect(try board.state(of: miso).function == .input)
            _ = bus
        }
        #expect(try board.state(of: sck).function == before.function)
        let p = try board.output(sck)
        _ = p
    }

    @Test("As fast as the pins go: every edge one store apart on a bench whose stores cost 7 ns")
    func maximumRate() throws {
        let board = try Board.virtual(.bcm2711)
        let bench = try #require(board.bench)
        let bus = try board.spi(spiPins, configuration: SPIConfiguration(clock: .maximum))
        try bench.setStoreCost(nanoseconds: 7)
        bench.clearChanges()
        let stores = bench.storeCount
        try bus.write([0x00, 0xFF])
        // 2 stores per bit for SCK, one for MOSI's single change, two for CS.
        #expect(bench.storeCount - stores == 32 + 1 + 2)
        #expect(sampled(bench.changes, clock: sck, data: mosi, on: true) == bits(0x00, 8) + bits(0xFF, 8))
    }

    @Test("On the real clock (a RAM block, no simulation) edges wait for their deadlines: 100 kHz never runs early")
    func realClock() throws {
        let board = try Board.ram(.bcm2711)
        let bus = try board.spi(spiPins, configuration: SPIConfiguration(clock: .hertz(100_000)))
        let start = ContinuousClock.now
        try bus.write([UInt32](repeating: 0xA5, count: 50)) // 400 bits of 10 µs, plus set-up and hold
        #expect(ContinuousClock.now - start >= .microseconds(4000))
    }

    // MARK: MCP3008, checked against the datasheet's figures (DS21295 figures 5-1, 5-2, 6-1)

    /// Figure 6-1's three bytes: start bit in byte 1's last bit, SGL/DIFF and D2–D0 at the top
    /// of byte 2; the reply's byte 2 ends "0 B9 B8" (null bit, then MSB first), byte 3 is B7–B0.
    private func read(_ bus: BitBangSPI<Board>, channel: Int, single: Bool = true, extra: Int = 0) throws -> [UInt8] {
        try bus.transfer(bytes: [0x01, (single ? 0x80 : 0) | UInt8(channel) << 4, 0x00] + [UInt8](repeating: 0, count: extra))
    }

    @Test("MCP3008: figure 6-1's framing gives the codes of equation 4-1, literal values")
    func mcp3008Framing() throws {
        for mode in [SPIMode.mode0, .mode3] {
            let board = try Board.virtual(.bcm2711)
            let bench = try #require(board.bench)
            let adc = MCP3008Model(chipSelect: cs, sck: sck, mosi: mosi, miso: miso, reference: 3.3)
            try bench.attach(adc)
            let bus = try board.spi(spiPins, configuration: SPIConfiguration(mode: mode, clock: .hertz(1_350_000)))
            // 2.0 V of 3.3 V: 1024 · 2.0 / 3.3 = 620.6 → 620 = 0b10_0110_1100.
            try adc.setVoltage(2.0, channel: 5)
            let r = try read(bus, channel: 5)
            #expect(r[1] & 0x07 == 0b010, "null bit 0, then B9 B8 = 1 0 (mode \(mode.rawValue))")
            #expect(r[2] == 0x6C)
            // 1.0 V: 310.3 → 310 = 0b01_0011_0110; with clocks going on, B1…B9 LSB first (figure 5-2),
            // then zeros.
            try adc.setVoltage(1.0, channel: 2)
            let l = try read(bus, channel: 2, extra: 3)
            #expect(l[1] & 0x07 == 0b001 && l[2] == 0x36)
            #expect(l[3] == 0b1101_1001, "B1 B2 … B8")
            #expect(l[4] == 0b0000_0000, "B9 (0), then zeros")
            #expect(l[5] == 0)
            try adc.setVoltage(2.0, channel: 2)
            let m = try read(bus, channel: 2, extra: 2)
            #expect(m[3] == 0b0110_1100 && m[4] == 0b1000_0000, "620 LSB first: B1…B8, then B9 = 1")
            // Full scale and beyond saturate at 1023; 0 V and below read 0.
            try adc.setVoltage(3.3, channel: 0)
            try adc.setVoltage(-1, channel: 1)
            let f = try read(bus, channel: 0), z = try read(bus, channel: 1)
            #expect(f[1] & 3 == 3 && f[2] == 0xFF)
            #expect(z[1] & 3 == 0 && z[2] == 0)
            #expect(adc.conversions == 5)
        }
    }

    @Test("MCP3008: leading zeros before the start bit are ignored; differential pairs per table 5-2")
    func mcp3008StartBitAndDifferential() throws {
        let board = try Board.virtual(.bcm2711)
        let bench = try #require(board.bench)
        let adc = MCP3008Model(chipSelect: cs, sck: sck, mosi: mosi, miso: miso, reference: 3.3, voltages: [2.0, 0.5])
        try bench.attach(adc)
        // 5-bit start+config aligned to the end of 24 clocks the other common way: 0x00 0x06|…
        // Here: start bit as the 6th bit of byte 1 (0b0000_0110 would put SGL next): SGL=1, ch 0.
        let bus = try board.spi(spiPins, configuration: SPIConfiguration(clock: .hertz(500_000)))
        // Byte 1 = 0b0000_0110: start at bit 5 (clock 6), SGL at clock 7, D2 at 8; byte 2 top
        // bits D1 D0 = 0 0, so the null bit is on clock 11's falling edge's, B9 read at clock
        // 13: the reply's byte 2 is "? ? ? 0 B9 B8 B7 B6", byte 3 "B5 … B0 ? ?".
        let r = try bus.transfer(bytes: [0b0000_0110, 0x00, 0x00])
        let code = (Int(r[1]) & 0x0F) << 6 | Int(r[2]) >> 2
        #expect(code == 620) // 2.0 V on CH0
        #expect(r[1] & 0x10 == 0, "null bit")
        // Differential, D2 D1 D0 = 000: IN+ = CH0, IN− = CH1: 1.5 V → 465.45 → 465.
        let d = try read(bus, channel: 0, single: false)
        #expect((Int(d[1]) & 3) << 8 | Int(d[2]) == 465)
        // 001: IN+ = CH1, IN− = CH0: negative → 0.
        let n = try read(bus, channel: 1, single: false)
        #expect((Int(n[1]) & 3) << 8 | Int(n[2]) == 0)
        // Detached, DOUT floats (pull-down on GPIO 9): all zeros.
        adc.detach()
        try bench.drive(miso, to: .high)
        #expect(try read(bus, channel: 0) == [0xFF, 0xFF, 0xFF])
    }

    @Test("MCP3008: the bench's model hook refuses what it can't hold")
    func mcp3008Refusals() throws {
        let bench = try VirtualBench(layout: .bcm2711)
        #expect(throws: StrobeError.self) { try bench.attach(MCP3008Model(chipSelect: 8, sck: 8, mosi: 10, miso: 9)) }
        #expect(throws: StrobeError.self) { try bench.attach(MCP3008Model(chipSelect: 8, sck: 11, mosi: 10, miso: 90)) }
        #expect(throws: StrobeError.self) { try bench.attach(MCP3008Model(chipSelect: 8, sck: 11, mosi: 10, miso: 9, reference: 0)) }
        #expect(throws: StrobeError.self) { try bench.attach(MCP3008Model(chipSelect: 8, sck: 11, mosi: 10, miso: 9, reference: .nan)) }
        #expect(throws: StrobeError.self) { try bench.attach(MCP3008Model(chipSelect: 8, sck: 11, mosi: 10, miso: 9, voltages: [.infinity])) }
        let adc = MCP3008Model(chipSelect: 8, sck: 11, mosi: 10, miso: 9)
        try bench.attach(adc)
        #expect(throws: StrobeError.self) { try bench.attach(adc) }
        #expect(throws: StrobeError.self) { try adc.setVoltage(1, channel: 8) }
        #expect(throws: StrobeError.self) { try adc.setVoltage(.nan, channel: 0) }
        // Drives from outside the callback are refused by the C hook.
        #expect(strobe_vbench_model_drive(bench.handle, 9, 1) == -EPERM)
        #expect(strobe_vbench_model_overruns(bench.handle) == 0)
    }

    /// Traces for scripts/bus-check, written when STROBE_BUS_TRACES names a directory: one VCD
    /// per case and a manifest line "file mode bitorder wordsize hz tx-words [miso-words]".
    @Test("Traces for sigrok (scripts/bus-check)", .enabled(if: ProcessInfo.processInfo.environment["STROBE_BUS_TRACES"] != nil))
    func busCheckTraces() throws {
        let dir = ProcessInfo.processInfo.environment["STROBE_BUS_TRACES"]!
        var manifest = ""
        let hex: ([UInt32]) -> String = { $0.map { String($0, radix: 16) }.joined(separator: ",") }
        var n = 0
        for mode in SPIMode.allCases {
            for order in SPIBitOrder.allCases {
                for (size, words) in [(8, [0x01, 0xA5, 0x3C, 0xFF, 0x00, 0x80] as [UInt32]), (12, [0xABC, 0x123, 0xFFF, 0x800]), (16, [0xBEEF, 0x0001, 0x8000])] {
                    for hz in [100_000.0, 1_000_000.0, 3_000_000.0] {
                        let board = try Board.virtual(.bcm2711)
                        let bench = try #require(board.bench)
                        let bus = try board.spi(spiPins, configuration: SPIConfiguration(mode: mode, bitOrder: order, wordSize: size, clock: .hertz(hz)))
                        bench.clearChanges()
                        try bus.write(words)
                        try bench.advance(nanoseconds: 1000)
                        n += 1
                        let file = "spi-\(n).vcd"
                        try bench.writeVCD(to: dir + "/" + file, pins: [cs, miso, mosi, sck])
                        manifest += "\(file) \(mode.rawValue) \(order == .msbFirst ? "msb-first" : "lsb-first") \(size) \(Int(hz)) \(hex(words)) -\n"
                    }
                }
            }
        }
        // The MCP3008 end to end: mode 0 and 3, CH3 at 1.2 V of 3.3 V.
        for mode in [SPIMode.mode0, .mode3] {
            let board = try Board.virtual(.bcm2711)
            let bench = try #require(board.bench)
            let adc = MCP3008Model(chipSelect: cs, sck: sck, mosi: mosi, miso: miso, reference: 3.3)
            try bench.attach(adc)
            try adc.setVoltage(1.2, channel: 3)
            let bus = try board.spi(spiPins, configuration: SPIConfiguration(mode: mode, clock: .hertz(1_000_000)))
            bench.clearChanges()
            let tx: [UInt32] = [0x01, 0x80 | 3 << 4, 0x00]
            let rx = try bus.transfer(tx)
            try bench.advance(nanoseconds: 1000)
            n += 1
            let file = "mcp3008-\(n).vcd"
            try bench.writeVCD(to: dir + "/" + file, pins: [cs, miso, mosi, sck])
            manifest += "\(file) \(mode.rawValue) msb-first 8 1000000 \(hex(tx)) \(hex(rx)) mcp3008:1.2:3.3\n"
        }
        try manifest.write(toFile: dir + "/manifest", atomically: true, encoding: .utf8)
    }
}

@Suite("strobe spi")
struct SPICLITests {
    @Test("An MCP3008 read on the virtual bench prints the reply in hex; a write-only bus prints nothing")
    func mcp3008Read() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let state = ["--virtual", "bcm2711", "--virtual-state", dir.path + "/s.state"]
        let r = try runStrobe(["spi", "--pins", "8,11,10,9", "--mcp3008", "0,0,0,1.2", "--trace", dir.path + "/t.vcd"] + state + ["01", "b0", "00"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "00 01 74\n") // 1024 · 1.2 / 3.3 = 372.4 → 372 = 0x174
        #expect(FileManager.default.fileExists(atPath: dir.path + "/t.vcd"))
        let w = try runStrobe(["spi", "--pins=-,11,10,-", "--word-size", "12", "--mode", "3"] + state + ["abc", "0x123"])
        #expect(w.status == 0 && w.stdout.isEmpty, "\(w.stderr)")
        let bad = try runStrobe(["spi", "--pins", "8,11,10,9", "--word-size", "12"] + state + ["1000"])
        #expect(bad.status != 0 && bad.stderr.contains("12-bit word"))
    }
}

/// A loopback wire written against the C hook (strobe_vbench_model): on each change of its
/// input pin it drives its output pin to the same level. The context is the two pins packed.
private let loopback: @convention(c) (UnsafeMutableRawPointer?, OpaquePointer?, UInt64, UInt32, UInt32) -> Void = { ctx, bench, _, pin, level in
    let pins = UInt(bitPattern: ctx)
    if pin == UInt32(pins & 0xFF) { _ = strobe_vbench_model_drive(bench, UInt32(pins >> 8), Int32(level)) }
}

/// A model that answers every change of its pin by inverting it: a loop the hook must cut.
private let oscillator: @convention(c) (UnsafeMutableRawPointer?, OpaquePointer?, UInt64, UInt32, UInt32) -> Void = { _, bench, _, pin, level in
    _ = strobe_vbench_model_drive(bench, pin, level == 0 ? 1 : 0)
}

@Suite("The virtual bench's device-model hook")
struct ModelHookTests {
    @Test("A C model answers within the store: full duplex over a MOSI→MISO loopback reads back every word")
    func loopbackModel() throws {
        let board = try Board.virtual(.rp1)
        let bench = try #require(board.bench)
        var model = strobe_vbench_model()
        model.watch = 1 << 10
        model.pin_changed = loopback
        model.ctx = UnsafeMutableRawPointer(bitPattern: UInt(10 | 9 << 8))
        let id = strobe_vbench_attach_model(bench.handle, &model)
        #expect(id > 0)
        for mode in SPIMode.allCases {
            let bus = try board.spi(spiPins, configuration: SPIConfiguration(mode: mode, wordSize: 16, clock: .hertz(2_000_000)))
            let words: [UInt32] = [0xBEEF, 0x0001, 0x8000, 0x5A5A]
            // MISO follows MOSI at once, so the bit sampled is the bit sent.
            #expect(try bus.transfer(words) == words, "mode \(mode.rawValue)")
        }
        #expect(strobe_vbench_detach_model(bench.handle, id) == 0)
        #expect(strobe_vbench_detach_model(bench.handle, id) == -ENOENT)
        // Detached: MISO keeps the level last driven, nothing follows MOSI any more.
        try bench.drive(9, to: .low)
        let bus = try board.spi(spiPins)
        #expect(try bus.transfer([0xFF]) == [0x00])
    }

    @Test("A model that answers itself for ever is cut off after STROBE_VBENCH_MODEL_DEPTH responses, and counted")
    func runawayModel() throws {
        let bench = try VirtualBench(layout: .bcm2711)
        var model = strobe_vbench_model()
        model.watch = 1 << 5
        model.pin_changed = oscillator
        #expect(strobe_vbench_attach_model(bench.handle, &model) > 0)
        #expect(bench.level(of: 5) == .high) // BCM2711 GPIO5 is pulled up at reset
        try bench.drive(5, to: .low)
        #expect(strobe_vbench_model_overruns(bench.handle) == 1)
        // The drive and the model's 8 answers (depth 8), each a recorded change.
        #expect(bench.changes.filter { $0.pin == 5 }.count == 1 + Int(STROBE_VBENCH_MODEL_DEPTH))
    }

    @Test("The hook refuses what it can't hold")
    func refusals() throws {
        let bench = try VirtualBench(layout: .rp1)
        var model = strobe_vbench_model()
        #expect(strobe_vbench_attach_model(bench.handle, &model) == -EINVAL) // no callback
        model.pin_changed = oscillator
        model.watch = 1 << 40 // RP1 bank 0 has 28 pins
        #expect(strobe_vbench_attach_model(bench.handle, &model) == -EINVAL)
        model.watch = 1
        for _ in 0..<STROBE_VBENCH_MAX_MODELS { #expect(strobe_vbench_attach_model(bench.handle, &model) > 0) }
        #expect(strobe_vbench_attach_model(bench.handle, &model) == -ENOSPC)
        #expect(strobe_vbench_model_level(bench.handle, 0) == -EPERM)
    }
}
