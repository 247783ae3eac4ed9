import CStrobe
import Foundation
import Synchronization
import Testing
@testable import Strobe
@testable import StrobeSimulator

/// A controller that keeps every line change with its time on the monotonic clock: the
/// generic (Swift-loop) SPI path seen from the wire. MISO reads whatever MOSI drives
/// (a loopback wire), or `misoLevel` when there is no MOSI.
private final class RecordingController: GPIOController, @unchecked Sendable {
    struct Change: Equatable { var pin: Int; var high: Bool; var ns: UInt64 }
    struct Line: Sendable { let pin: Int; let owner: RecordingController }
    struct State { var levels: [Int: Bool] = [:]; var log: [Change] = []; var claimed: Set<Int> = [] }

    let state = Mutex(State())
    let loopback: (from: Int, to: Int)?
    init(loopback: (from: Int, to: Int)? = nil) { self.loopback = loopback }

    var pinCount: Int { 54 }
    var backendDescription: String { "a recording controller" }
    var changes: [Change] { state.withLock { $0.log } }
    var claimed: Set<Int> { state.withLock { $0.claimed } }
    /// Forgets the changes so far (the bus's edge-cost measurement).
    func forget() { state.withLock { $0.log = [] } }

    func claimLine(_ pin: Int, initial: Level?, pull: Pull?) throws(StrobeError) -> Claimed<Line> {
        guard (0..<pinCount).contains(pin) else { throw .invalidLine(pin, chip: "recorder", count: pinCount) }
        try state.withLock { (s: inout State) throws(StrobeError) in
            guard !s.claimed.contains(pin) else { throw .pinInUse(pin) }
            s.claimed.insert(pin)
            if let initial { s.levels[pin] = initial.isHigh }
        }
        return Claimed(line: Line(pin: pin, owner: self), token: UInt64(pin) + 1)
    }
    func releaseLine(_ pin: Int, token: UInt64, keepState: Bool) { _ = state.withLock { $0.claimed.remove(pin) } }
    func edgeSource(pin: Int, edge: Edge, pull: Pull?) throws(StrobeError) -> any EdgeSource { throw .unsupported("recorder") }
    func releaseAll() { state.withLock { $0.claimed = [] } }

    private func drive(_ pin: Int, _ high: Bool) {
        let now = strobe_monotonic_ns()
        state.withLock { s in
            s.levels[pin] = high
            s.log.append(Change(pin: pin, high: high, ns: now))
        }
    }
    static func set(_ line: Line) { line.owner.drive(line.pin, true) }
    static func clear(_ line: Line) { line.owner.drive(line.pin, false) }
    static func toggle(_ line: Line) { line.owner.drive(line.pin, !read(line)) }
    static func read(_ line: Line) -> Bool {
        let source = line.owner.loopback.flatMap { $0.to == line.pin ? $0.from : nil } ?? line.pin
        return line.owner.state.withLock { $0.levels[source] ?? false }
    }

    func claimOpenDrainLine(_ pin: Int, pull: Pull?) throws(StrobeError) -> Claimed<Line> { throw .unsupported("recorder") }
    static func makeInput(_ line: Line) throws(StrobeError) {}
    static func makeOutput(_ line: Line, level: Level) throws(StrobeError) {}
    static func openDrainLow(_ line: Line) throws(StrobeError) {}
    static func openDrainRelease(_ line: Line) throws(StrobeError) {}
}

private let cs = 8, miso = 9, mosi = 10, sck = 11
private let spiPins = SPIPins(sck: sck, mosi: mosi, miso: miso, chipSelect: .activeLow(cs))

/// MOSI's level at each sampling edge of SCK, from a change log.
private func sampled(_ changes: [RecordingController.Change], rising: Bool) -> [Int] {
    var level = false
    var out: [Int] = []
    for c in changes {
        if c.pin == mosi { level = c.high }
        if c.pin == sck, c.high == rising { out.append(level ? 1 : 0) }
    }
    return out
}

@Suite("Bit-banged SPI over syscall backends (the Swift loop)")
struct SPIBackendTests {
    @Test("Every mode and bit order puts the words' bits on MOSI at the sampling edges, on 10 kHz deadlines; a loopback reads them back")
    func bitOrderOnDeadlines() throws {
        for mode in SPIMode.allCases {
            for order in SPIBitOrder.allCases {
                let c = RecordingController(loopback: (from: mosi, to: miso))
                let hz = 10_000.0
                let bus = try c.spi(spiPins, configuration: SPIConfiguration(mode: mode, bitOrder: order, wordSize: 12, clock: .hertz(hz)))
                #expect(bus.edgeCost != nil, "a syscall backend's bus measures its edge cost")
                c.forget()
                let words: [UInt32] = [0xA5C, 0x3E1]
                let back = try bus.transfer(words)
                #expect(back == words, "loopback, mode \(mode.rawValue) \(order)")
                let log = c.changes
                let rising = mode.clockIdlesHigh == mode.samplesOnTrailingEdge
                let want = words.flatMap { bits($0, 12, lsbFirst: order == .lsbFirst) }
                #expect(sampled(log, rising: rising) == want, "mode \(mode.rawValue) \(order)")
                // CS low first, high last; SCK back at CPOL.
                let csChanges = log.filter { $0.pin == cs }
                #expect(csChanges.map(\.high) == [false, true])
                let edges = log.filter { $0.pin == sck }
                #expect(edges.count == 2 * 24)
                #expect(edges.last?.high == mode.clockIdlesHigh)
                // Edge j waits for its deadline: set-up (half a period) after CS, then j half
                // periods (CPHA 1: the leading edge opens each bit) or j + 1 (CPHA 0).
                let half = 1e9 / (2 * hz)
                let first = mode.samplesOnTrailingEdge ? 1 : 2
                for (j, e) in edges.enumerated() {
                    #expect(Double(e.ns - csChanges[0].ns) >= half * Double(j + first) - 1, "edge \(j) early")
                }
            }
        }
    }

    @Test("max runs without waits; write-only never reads; read-only sends zeros")
    func directions() throws {
        let c = RecordingController()
        let bus = try c.spi(SPIPins(sck: sck, mosi: mosi, miso: nil, chipSelect: .none), configuration: SPIConfiguration(clock: .maximum))
        try bus.write([0x81])
        #expect(sampled(c.changes, rising: true) == [1, 0, 0, 0, 0, 0, 0, 1])
        #expect(throws: StrobeError.self) { _ = try bus.read(count: 1) }
        #expect(throws: StrobeError.outOfRange(parameter: "SPI word 0", value: "0x100", range: "0…0xff (8-bit words)")) { try bus.write([0x100]) }
        let r = RecordingController()
        let reader = try r.spi(SPIPins(sck: sck, mosi: nil, miso: miso, chipSelect: .activeHigh(cs)), configuration: SPIConfiguration(clock: .maximum))
        #expect(try reader.read(count: 2) == [0, 0])
        #expect(r.changes.filter { $0.pin == cs }.map(\.high) == [true, false])
    }

    @Test("A rate the measured edge cost can't reach is refused, naming the backend; nothing stays claimed")
    func tooFast() throws {
        let c = RecordingController()
        #expect {
            _ = try c.spi(spiPins, configuration: SPIConfiguration(clock: .hertz(400_000_000)))
        } throws: { error in
            guard case StrobeError.outOfRange(let parameter, _, let range) = error else { return false }
            return parameter == "the SPI clock rate" && range.contains("a recording controller") && range.contains("4 changes a cycle")
        }
        #expect(c.claimed.isEmpty)
        #expect(BitBangSPI<RecordingController>.edgesPerCycle(SPIPins(sck: 1, mosi: 2, miso: nil, chipSelect: .none)) == 3)
    }

    #if Libgpiod
    @Test("libgpiod (the fake chip): a slow bus clocks and leaves its levels; too fast is refused; dropping the bus gives the lines back")
    func gpiodFake() throws {
        let chip = try GpiodChip(fakeLines: 16)
        do {
            let bus = try chip.spi(spiPins, configuration: SPIConfiguration(clock: .hertz(20_000)))
            #expect(bus.edgeCost.map { $0.backend.hasPrefix("libgpiod") } == true)
            // The fake chip's input keeps its request's level (low): zeros come back.
            #expect(try bus.transfer([0x01]) == [0])
            for pin in [cs, sck, mosi, miso] { #expect(chip.claims.isClaimed(pin)) }
        }
        for pin in [cs, sck, mosi, miso] { #expect(!chip.claims.isClaimed(pin), "line \(pin) released with the bus") }
        #expect(throws: StrobeError.self) { _ = try chip.spi(spiPins, configuration: SPIConfiguration(clock: .hertz(500_000_000))) }
        for pin in [cs, sck, mosi, miso] { #expect(!chip.claims.isClaimed(pin)) }
        // max is allowed: as fast as the calls go.
        let fast = try chip.spi(spiPins, configuration: SPIConfiguration(clock: .maximum))
        #expect(try fast.transfer([0xFF, 0x00]) == [0, 0])
    }
    #endif

    @Test("sysfs (a fake tree): MISO's value file is read at each bit, MOSI's written; too fast refused; dropping unexports")
    func sysfsFake() throws {
        let fake = try FakeSysfs()
        defer { fake.dir.cleanup() }
        for pin in [cs, miso, mosi, sck] { try fake.makeLine(458 + pin) }
        try fake.write("gpio\(458 + miso)/value", "1\n")
        let gpio = try SysfsGPIO(root: fake.root)
        do {
            let bus = try gpio.spi(spiPins, configuration: SPIConfiguration(clock: .hertz(1_000)))
            #expect(try bus.transfer([0x00, 0x01]) == [0xFF, 0xFF])
            #expect(try fake.read("gpio\(458 + mosi)/value").hasPrefix("1"), "the last bit sent was 1")
            #expect(try fake.read("gpio\(458 + cs)/value").hasPrefix("1"), "CS released")
        }
        for pin in [cs, sck, mosi, miso] { #expect(!gpio.claims.isClaimed(pin)) }
        #expect(throws: StrobeError.self) { _ = try gpio.spi(spiPins, configuration: SPIConfiguration(clock: .hertz(100_000_000))) }
        for pin in [cs, sck, mosi, miso] { #expect(!gpio.claims.isClaimed(pin)) }
    }

    @Test("strobe spi on sysfs: a slow rate transfers, a rate out of reach is a one-line error")
    func cli() throws {
        let fake = try FakeSysfs()
        defer { fake.dir.cleanup() }
        for pin in [cs, miso, mosi, sck] { try fake.makeLine(458 + pin) }
        var r = try runStrobe(["spi", "--pins", "8,11,10,9", "--hz", "2000", "--backend", "sysfs", "--sysfs-root", fake.root, "01", "02"])
        #expect(r.status == 0 && r.stdout == "00 00\n", "\(r.stderr)")
        r = try runStrobe(["spi", "--pins", "8,11,10,9", "--hz", "100000000", "--backend", "sysfs", "--sysfs-root", fake.root, "01"])
        #expect(r.status != 0 && r.stderr.contains("sysfs") && r.stderr.contains("the register backend (Board) reaches MHz"), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1)
    }
}
