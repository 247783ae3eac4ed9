import Foundation
import Testing
import CStrobe
import CStrobeSimulator
@testable import Strobe
@testable import StrobeSimulator

// The bus in these tests: the Pi's I2C1 header pins, GPIO 2 (SDA) and 3 (SCL).
private let sdaPin = 2, sclPin = 3

/// What a logic analyser's I2C decoder would read from the bench's change log: "S" (START),
/// "Sr" (repeated START), "P" (STOP), and each 9-clock byte as "F4+" (ACK) or "F4-" (NACK),
/// SDA sampled on each rising SCL edge (UM10204 3.1.3: data is valid while SCL is high).
private func wire(_ changes: [VirtualBench.Change]) -> [String] {
    var sda = true, scl = true, inside = false
    var bits: [Bool] = []
    var out: [String] = []
    for c in changes {
        if c.pin == sdaPin {
            let new = c.level.isHigh
            if scl && sda && !new { out.append(inside ? "Sr" : "S"); inside = true; bits = [] }
            if scl && !sda && new { out.append("P"); inside = false; bits = [] }
            sda = new
        } else if c.pin == sclPin {
            let new = c.level.isHigh
            if !scl && new {
                bits.append(sda)
                if bits.count == 9 {
                    let byte = bits.prefix(8).reduce(0) { $0 << 1 | ($1 ? 1 : 0) }
                    out.append(String(format: "%02X", byte) + (bits[8] ? "-" : "+"))
                    bits = []
                }
            }
            scl = new
        }
    }
    return out
}

/// Runs `body` and returns the StrobeError it threw (nil when it didn't).
private func thrown(_ body: () throws(StrobeError) -> Void) -> StrobeError? {
    do { try body(); return nil } catch { return error }
}

/// A virtual board and a bus on GPIO 2/3, on the C engine or (swift) the Swift loop.
private func makeBus(_ layout: Layout = .bcm2711, _ configuration: I2CConfiguration = I2CConfiguration(),
                     swift: Bool = false) throws -> (Board, VirtualBench, BitBangI2C<Board>) {
    let board = try Board.virtual(layout)
    let bench = try #require(board.bench)
    let bus = try BitBangI2C(board, sda: sdaPin, scl: sclPin, configuration: configuration, forceSwiftLoop: swift)
    #expect(bus.runsInC == !swift)
    return (board, bench, bus)
}

// Test models written against the C hook (strobe_vbench_model). The context is a pointer to a
// small state block of Int32s the test owns: no allocation, retain or lock in the callback.

/// Holds SDA low (the test drives it low first) and lets go after state[0] rising SCL edges.
private let sdaHolder: @convention(c) (UnsafeMutableRawPointer?, OpaquePointer?, UInt64, UInt32, UInt32) -> Void = { ctx, bench, _, pin, level in
    let state = ctx!.assumingMemoryBound(to: Int32.self)
    guard pin == UInt32(sclPin), level == 1, state[0] > 0 else { return }
    state[0] -= 1
    if state[0] == 0 { _ = strobe_vbench_model_drive(bench, UInt32(sdaPin), -1) }
}

/// Grabs SCL on its state[0]-th falling edge and never lets go: a hung target.
private let sclGrabber: @convention(c) (UnsafeMutableRawPointer?, OpaquePointer?, UInt64, UInt32, UInt32) -> Void = { ctx, bench, _, pin, level in
    let state = ctx!.assumingMemoryBound(to: Int32.self)
    guard pin == UInt32(sclPin), level == 0, state[0] > 0 else { return }
    state[0] -= 1
    if state[0] == 0 { _ = strobe_vbench_model_drive(bench, UInt32(sclPin), 0) }
}

/// A 10-bit target (the bench's I2C engine) that ACKs everything and records what it was written
/// in state[1...] (count in state[0]); reads return 0x5A.
private let tenBitBegin: @convention(c) (UnsafeMutableRawPointer?, Bool, UInt64) -> Bool = { _, _, _ in true }
private let tenBitWrite: @convention(c) (UnsafeMutableRawPointer?, UInt32, UInt8, UInt64) -> Bool = { ctx, _, byte, _ in
    let state = ctx!.assumingMemoryBound(to: Int32.self)
    if state[0] < 15 { state[0] += 1; state[Int(state[0])] = Int32(byte) }
    return true
}
private let tenBitRead: @convention(c) (UnsafeMutableRawPointer?, UInt32, UInt64) -> UInt8 = { _, _, _ in 0x5A }

private func attach(_ bench: VirtualBench, _ callback: @escaping @convention(c) (UnsafeMutableRawPointer?, OpaquePointer?, UInt64, UInt32, UInt32) -> Void,
                    _ state: UnsafeMutablePointer<Int32>) -> Int32 {
    var model = strobe_vbench_model()
    model.watch = 1 << UInt64(sclPin) | 1 << UInt64(sdaPin)
    model.pin_changed = callback
    model.ctx = UnsafeMutableRawPointer(state)
    return strobe_vbench_attach_model(bench.handle, &model)
}

@Suite("Bit-banged I2C master on the virtual bench")
struct I2CTests {
    @Test("No device: the address is NACKed, .i2cNack(address:byteIndex: nil), on both engines and every layout; the bus is left released")
    func nackAtEmptyAddress() throws {
        for layout in [Layout.bcm2835, .bcm2711, .rp1] {
            for swift in [false, true] {
                let (_, bench, bus) = try makeBus(layout, swift: swift)
                bench.clearChanges()
                let e = thrown { () throws(StrobeError) in try bus.write(try I2CAddress(0x50), [1, 2]) }
                #expect(e == .i2cNack(address: 0x50, byteIndex: nil), "\(layout) swift \(swift)")
                #expect(wire(bench.changes) == ["S", "A0-", "P"], "\(layout) swift \(swift)")
                #expect(bench.level(of: sdaPin) == .high && bench.level(of: sclPin) == .high)
                #expect(e?.description == "no device answered at 0x50: check wiring, pull-ups (SDA/SCL need them), and the address (`strobe i2c detect` lists who answers)")
            }
        }
    }

    @Test("Writes, reads and repeated STARTs on the wire against a 24C02 model, C and Swift engines alike")
    func wireAgainstEEPROM() throws {
        for swift in [false, true] {
            let (_, bench, bus) = try makeBus(swift: swift)
            let eeprom = try EEPROMModel(sda: sdaPin, scl: sclPin)
            try bench.attach(eeprom)
            let a = try I2CAddress(0x50)
            bench.clearChanges()
            try bus.write(a, [0x10, 0xDE, 0xAD])
            #expect(wire(bench.changes) == ["S", "A0+", "10+", "DE+", "AD+", "P"])
            try bench.advance(nanoseconds: 5_000_000)
            bench.clearChanges()
            #expect(try bus.writeRead(a, [0x10], readCount: 2) == [0xDE, 0xAD])
            // The master ACKs each byte read but NACKs the last (UM10204 3.1.6).
            #expect(wire(bench.changes) == ["S", "A0+", "10+", "Sr", "A1+", "DE+", "AD-", "P"])
            // A written byte NACKed names its index: the EEPROM is busy for tWR after a write.
            try bus.write(a, [0x20, 1])
            let busy = thrown { () throws(StrobeError) in try bus.write(a, [0x20, 2]) }
            #expect(busy == .i2cNack(address: 0x50, byteIndex: nil))
            eeprom.detach()
        }
    }

    @Test("SCL is 100 kHz, 400 kHz and 1 MHz within 1 % on the recorded edges, and meets UM10204 table 10's minimums")
    func timing() throws {
        // (rate, tLOW, tHIGH, tHD;STA, tSU;DAT, tSU;STO) minimums in ns, UM10204 table 10.
        let modes: [(Double, UInt64, UInt64, UInt64, UInt64, UInt64)] = [
            (100_000, 4700, 4000, 4000, 250, 4000), (400_000, 1300, 600, 600, 100, 600), (1_000_000, 500, 260, 260, 50, 260),
        ]
        for (hz, minLow, minHigh, minHdSta, minSuDat, minSuSto) in modes {
            for swift in [false, true] {
                let (_, bench, bus) = try makeBus(.rp1, I2CConfiguration(clock: .hertz(hz)), swift: swift)
                let eeprom = try EEPROMModel(sda: sdaPin, scl: sclPin)
                try bench.attach(eeprom)
                bench.clearChanges()
                try bus.write(try I2CAddress(0x50), [0x00] + Array(1...7))
                let changes = bench.changes
                let scl = changes.filter { $0.pin == sclPin }
                let rises = scl.filter { $0.level == .high }.map(\.time)
                #expect(rises.count == 9 * 9 + 1) // nine bytes of nine clocks, and the STOP's
                let ideal = 1e9 / hz
                for (a, b) in zip(rises, rises.dropFirst()) {
                    #expect(abs(Double(b - a) - ideal) / ideal < 0.01, "\(hz) Hz: period \(b - a) ns")
                }
                let mean = Double(rises.last! - rises.first!) / Double(rises.count - 1)
                #expect(abs(mean - ideal) / ideal < 0.001)
                for (a, b) in zip(scl, scl.dropFirst()) {
                    let d = b.time - a.time
                    if a.level == .low { #expect(d >= minLow, "\(hz) Hz tLOW \(d)") } else { #expect(d >= minHigh, "\(hz) Hz tHIGH \(d)") }
                }
                let sda = changes.filter { $0.pin == sdaPin }
                let start = try #require(sda.first), stop = try #require(sda.last)
                #expect(try #require(scl.first).time - start.time >= minHdSta)
                #expect(stop.time - (try #require(scl.last)).time >= minSuSto)
                // Each SDA change comes at least tSU;DAT before the next SCL rise.
                for change in sda.dropFirst().dropLast() {
                    if let rise = rises.first(where: { $0 > change.time }) { #expect(rise - change.time >= minSuDat) }
                }
                let timing = try #require(bus.clockTiming)
                #expect(timing.low >= .nanoseconds(Int64(minLow)) && timing.high >= .nanoseconds(Int64(minHigh)))
                eeprom.detach()
            }
        }
    }

    @Test("SDA held low by a device: the transfer clocks nine times, sends a STOP and throws .i2cBusStuck; a device that lets go after 3 clocks is recovered and the transfer goes on")
    func sdaStuck() throws {
        for swift in [false, true] {
            let (_, bench, bus) = try makeBus(swift: swift)
            try bench.drive(sdaPin, to: .low)
            bench.clearChanges()
            let e = thrown { () throws(StrobeError) in try bus.write(try I2CAddress(0x50), [1]) }
            guard case .i2cBusStuck(let text) = e else { Issue.record("got \(String(describing: e))"); continue }
            #expect(text.contains("SDA (GPIO 2) is held low") && text.contains("9 clocks"))
            #expect(bench.changes.filter { $0.pin == sclPin && $0.level == .high }.count == 9)
            #expect(thrown { () throws(StrobeError) in try bus.recover() } != nil)
            try bench.undrive(sdaPin)

            let eeprom = try EEPROMModel(sda: sdaPin, scl: sclPin)
            try bench.attach(eeprom)
            let state = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
            defer { state.deallocate() }
            state[0] = 3
            try bench.drive(sdaPin, to: .low)
            let id = attach(bench, sdaHolder, state)
            #expect(id > 0)
            bench.clearChanges()
            try bus.write(try I2CAddress(0x50), [0x00, 0x42])
            // Three recovery clocks, a STOP, then the transfer itself.
            #expect(Array(wire(bench.changes).suffix(5)) == ["S", "A0+", "00+", "42+", "P"])
            #expect(bench.changes.prefix(while: { !($0.pin == sdaPin && $0.level == .high) }).filter { $0.pin == sclPin && $0.level == .high }.count == 3)
            #expect(eeprom.contents[0] == 0x42)
            _ = strobe_vbench_detach_model(bench.handle, id)
            try bus.recover() // a free bus: nothing to clear, a STOP
        }
    }

    @Test("A device that keeps SCL low: .i2cClockStretchTimeout after the timeout, in virtual time; SCL low before the START: .i2cBusStuck")
    func sclStuck() throws {
        for swift in [false, true] {
            let (_, bench, bus) = try makeBus(.bcm2711, I2CConfiguration(stretchTimeout: .milliseconds(25)), swift: swift)
            let state = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
            defer { state.deallocate() }
            state[0] = 3 // the third falling SCL edge: inside the address byte
            let id = attach(bench, sclGrabber, state)
            let t0 = bench.now
            let e = thrown { () throws(StrobeError) in try bus.write(try I2CAddress(0x50), [1]) }
            let elapsed = bench.now - t0
            guard case .i2cClockStretchTimeout(let address, let waited) = e else { Issue.record("got \(String(describing: e))"); continue }
            #expect(address == 0x50)
            #expect(waited >= .milliseconds(25) && waited < .microseconds(25_100), "swift \(swift): waited \(waited)")
            #expect(elapsed >= 25_000_000 && elapsed < 25_200_000)
            #expect(bench.level(of: sdaPin) == .high) // the master let go of SDA
            _ = strobe_vbench_detach_model(bench.handle, id)
            // SCL is still driven low (the model's drive outlives it): the next START can't be made.
            let stuck = thrown { () throws(StrobeError) in try bus.write(try I2CAddress(0x50), [1]) }
            guard case .i2cBusStuck(let text) = stuck else { Issue.record("got \(String(describing: stuck))"); continue }
            #expect(text.contains("SCL (GPIO 3) is held low"))
            try bench.undrive(sclPin)
        }
    }

    @Test("10-bit addresses on the wire: 11110 A9 A8 0 then A7…A0 for a write; a read adds Sr and 11110 A9 A8 1 (UM10204 3.1.11)")
    func tenBit() throws {
        for swift in [false, true] {
            let (_, bench, bus) = try makeBus(swift: swift)
            let state = UnsafeMutablePointer<Int32>.allocate(capacity: 16)
            defer { state.deallocate() }
            state.initialize(repeating: 0, count: 16)
            var ops = strobe_i2c_target_ops()
            ops.begin = tenBitBegin
            ops.write = tenBitWrite
            ops.read = tenBitRead
            var config = strobe_i2c_target_config(sda: UInt32(sdaPin), scl: UInt32(sclPin), address: 0x2A5, ten_bit: true, stretch_ns: 0)
            let id = strobe_vbench_attach_i2c_target(bench.handle, &config, &ops, UnsafeMutableRawPointer(state))
            #expect(id > 0)
            let a = try I2CAddress.tenBit(0x2A5)
            #expect(a.description == "0x2A5 (10-bit)")
            bench.clearChanges()
            try bus.write(a, [0xAB, 0xCD])
            #expect(wire(bench.changes) == ["S", "F4+", "A5+", "AB+", "CD+", "P"])
            #expect(state[0] == 2 && state[1] == 0xAB && state[2] == 0xCD)
            bench.clearChanges()
            #expect(try bus.writeRead(a, [0x01], readCount: 2) == [0x5A, 0x5A])
            #expect(wire(bench.changes) == ["S", "F4+", "A5+", "01+", "Sr", "F5+", "5A+", "5A-", "P"])
            bench.clearChanges()
            #expect(try bus.read(a, count: 1) == [0x5A])
            #expect(wire(bench.changes) == ["S", "F4+", "A5+", "Sr", "F5+", "5A-", "P"])
            // Another 10-bit address: its first byte is NACKed by nobody, .i2cNack with no index.
            #expect(thrown { () throws(StrobeError) in try bus.write(try I2CAddress.tenBit(0x1A5), [1]) } == .i2cNack(address: 0x1A5, byteIndex: nil))
            _ = strobe_vbench_detach_model(bench.handle, id)
        }
    }

    @Test("SMBus: words little-endian, a data byte NACK names its index, block reads take the count byte, and a count of 0 or over 32 is an error")
    func smbus() throws {
        for swift in [false, true] {
            let (_, bench, bus) = try makeBus(swift: swift)
            let dev = try ClockStretcherModel(sda: sdaPin, scl: sclPin, address: 0x2C, stretch: .zero)
            try bench.attach(dev)
            let a = try I2CAddress(0x2C)
            bench.clearChanges()
            try bus.writeWordData(a, register: 2, 0x1234)
            #expect(wire(bench.changes) == ["S", "58+", "02+", "34+", "12+", "P"])
            #expect(Array(dev.registers[2...3]) == [0x34, 0x12])
            #expect(try bus.readWordData(a, register: 2) == 0x1234)
            try bus.writeByteData(a, register: 5, 0x99)
            #expect(try bus.readByteData(a, register: 5) == 0x99)
            // One past the last register is NACKed as the first data byte: index 0.
            #expect(thrown { () throws(StrobeError) in try bus.writeByteData(a, register: 16, 1) } == .i2cNack(address: 0x2C, byteIndex: 0))
            // A block: count 3 at register 8, then the bytes.
            try bus.write(a, [8, 3, 0xA, 0xB, 0xC])
            bench.clearChanges()
            #expect(try bus.readBlockData(a, register: 8) == [0xA, 0xB, 0xC])
            #expect(wire(bench.changes) == ["S", "58+", "08+", "Sr", "59+", "03+", "0A+", "0B+", "0C-", "P"])
            for bad: UInt8 in [0, 33] {
                try bus.writeByteData(a, register: 8, bad)
                bench.clearChanges()
                let e = thrown { () throws(StrobeError) in _ = try bus.readBlockData(a, register: 8) }
                guard case .outOfRange(_, let value, _) = e else { Issue.record("count \(bad): \(String(describing: e))"); continue }
                #expect(value == "\(bad)")
                #expect(wire(bench.changes).suffix(3) == ["59+", String(format: "%02X-", bad), "P"]) // NACKed at once
            }
            // The default block read of the protocol (33 bytes, the count's worth kept) agrees.
            try bus.writeByteData(a, register: 8, 2)
            #expect(try GenericBus(bus).readBlockData(a, register: 8) == [0xA, 0xB])
            dev.detach()
        }
    }

    @Test("Bad input is a typed error: address 0x80, NaN or 0 Hz, a block of 33, reads of 0 bytes, one pin twice, a stretch timeout of 0")
    func badInput() throws {
        #expect(throws: StrobeError.self) { _ = try I2CAddress(0x80) }
        #expect(thrown { () throws(StrobeError) in _ = try I2CAddress(0x80) }?.description.contains("0x00…0x7F") == true)
        #expect(throws: StrobeError.self) { _ = try I2CAddress(-1) }
        #expect(throws: StrobeError.self) { _ = try I2CAddress.tenBit(0x400) }
        let board = try Board.virtual(.bcm2711)
        for rate in [Double.nan, 0, -1, .infinity, 1e300, 100_000_001, 1.5] {
            let e = thrown { () throws(StrobeError) in _ = try board.i2c(sda: 2, scl: 3, configuration: I2CConfiguration(clock: .hertz(rate))) }
            guard case .outOfRange = e else { Issue.record("rate \(rate): \(String(describing: e))"); continue }
        }
        #expect(board.claimedPins.isEmpty)
        for timeout in [Duration.zero, .seconds(11), .seconds(-1)] {
            #expect(throws: StrobeError.self) { _ = try board.i2c(sda: 2, scl: 3, configuration: I2CConfiguration(stretchTimeout: timeout)) }
        }
        #expect(throws: StrobeError.self) { _ = try board.i2c(sda: 2, scl: 2) }
        #expect(throws: StrobeError.self) { _ = try board.i2c(sda: 2, scl: 99) }
        #expect(board.claimedPins.isEmpty)
        let bus = try board.i2c(sda: 2, scl: 3)
        #expect(board.claimedPins == [2, 3])
        #expect(throws: StrobeError.pinInUse(2)) { _ = try board.i2c(sda: 2, scl: 4) }
        let a = try I2CAddress(0x50)
        let e = thrown { () throws(StrobeError) in try bus.writeBlockData(a, register: 0, Array(repeating: 0, count: 33)) }
        #expect(e == .outOfRange(parameter: "an SMBus block", value: "33 bytes", range: "1 bytes…32 bytes"))
        #expect(throws: StrobeError.self) { try bus.writeBlockData(a, register: 0, []) }
        #expect(throws: StrobeError.self) { _ = try bus.read(a, count: 0) }
        #expect(throws: StrobeError.self) { _ = try bus.read(a, count: -1) }
        #expect(throws: StrobeError.self) { _ = try bus.transfer(a, []) }
        #expect(throws: StrobeError.self) { _ = try bus.write(a, Array(repeating: 0, count: 65536)) }
        _ = bus
    }

    @Test("The pins are claimed for the bus's lifetime and given back, restored, when it is dropped")
    func ownership() throws {
        let board = try Board.virtual(.rp1)
        let before = try board.state(of: 2)
        do {
            let bus = try board.i2c(sda: 2, scl: 3)
            #expect(board.claimedPins == [2, 3])
            _ = bus
        }
        #expect(board.claimedPins.isEmpty)
        #expect(try board.state(of: 2) == before)
    }

    @Test("Kernel backends: a rate beyond what one line change costs is refused with EdgeCost's error (fake libgpiod chip, fake sysfs tree)")
    func kernelBackendRates() throws {
        let chip = try GpiodChip(fakeLines: 8)
        let e = thrown { () throws(StrobeError) in _ = try chip.i2c(sda: 2, scl: 3, configuration: I2CConfiguration(clock: .hertz(100_000_000))) }
        guard case .outOfRange(_, _, let range) = e else { Issue.record("got \(String(describing: e))"); return }
        #expect(range.contains("one line change costs") && range.contains("register backend"))
        // Nothing stays claimed, and a slow rate is accepted (on the Swift loop).
        let slow = try chip.i2c(sda: 2, scl: 3, configuration: I2CConfiguration(clock: .hertz(10)))
        #expect(!slow.runsInC)

        let fake = try FakeSysfs()
        defer { fake.dir.cleanup() }
        try fake.makeLine(460)
        try fake.makeLine(461)
        let sysfs = try SysfsGPIO(root: fake.root)
        let s = thrown { () throws(StrobeError) in
            _ = try sysfs.i2c(sda: 2, scl: 3, configuration: I2CConfiguration(clock: .hertz(100_000_000), pullUp: nil))
        }
        guard case .outOfRange(_, _, let sysRange) = s else { Issue.record("got \(String(describing: s))"); return }
        #expect(sysRange.contains("sysfs"))
    }
}

/// The tokens sigrok's i2c decoder should print for a transaction, as scripts/bus-check writes
/// them: S, Sr, P; AW50 / AR50 (address write / read); DW10 / DRFF (data write / read); A, N.
private struct ExpectedI2C {
    var tokens: [String] = []
    mutating func write(_ address: Int, _ bytes: [UInt8], acked: Int? = nil) {
        tokens += ["S", String(format: "AW%02X", address)]
        guard acked != 0 else { tokens += ["N", "P"]; return }
        tokens.append("A")
        for b in bytes { tokens += [String(format: "DW%02X", b), "A"] }
        tokens.append("P")
    }
    mutating func writeRead(_ address: Int, _ bytes: [UInt8], _ got: [UInt8]) {
        tokens += ["S", String(format: "AW%02X", address), "A"]
        for b in bytes { tokens += [String(format: "DW%02X", b), "A"] }
        tokens += ["Sr", String(format: "AR%02X", address), "A"]
        for (i, b) in got.enumerated() { tokens += [String(format: "DR%02X", b), i + 1 == got.count ? "N" : "A"] }
        tokens.append("P")
    }
    var text: String { tokens.joined(separator: ",") }
}

@Suite("I2C traces for sigrok (scripts/bus-check)")
struct I2CBusCheckTraces {
    /// One VCD per case and a manifest line "file hz i2c-tokens eeprom24xx-line|- min-stretch-ns",
    /// written when STROBE_BUS_TRACES names a directory.
    @Test("Traces for sigrok (scripts/bus-check)", .enabled(if: ProcessInfo.processInfo.environment["STROBE_BUS_TRACES"] != nil))
    func traces() throws {
        let dir = ProcessInfo.processInfo.environment["STROBE_BUS_TRACES"]!
        var manifest = ""
        for hz in [100_000.0, 400_000.0, 1_000_000.0] {
            for swift in [false, true] {
                let tag = "\(Int(hz))-\(swift ? "swift" : "c")"
                let (_, bench, bus) = try makeBus(.bcm2711, I2CConfiguration(clock: .hertz(hz)), swift: swift)
                let eeprom = try EEPROMModel(sda: sdaPin, scl: sclPin)
                try bench.attach(eeprom)
                let a = try I2CAddress(0x50)
                // A page write across the 8-byte page boundary (0x06…0x0B wraps to 0x00…0x03 of
                // page 0), then, after tWR, a random read of the whole page back.
                bench.clearChanges()
                try bench.advance(nanoseconds: 1000) // the VCD starts at the clear: the START must come after
                var want = ExpectedI2C()
                let data: [UInt8] = [0x11, 0x22, 0x33, 0x44, 0x55, 0x66]
                try bus.write(a, [0x06] + data)
                want.write(0x50, [0x06] + data)
                try bench.advance(nanoseconds: 5_000_000)
                let page = try bus.writeRead(a, [0x00], readCount: 8)
                #expect(page == [0x33, 0x44, 0x55, 0x66, 0xFF, 0xFF, 0x11, 0x22])
                want.writeRead(0x50, [0x00], page)
                try bench.advance(nanoseconds: 1000)
                try bench.writeVCD(to: "\(dir)/eeprom-\(tag).vcd", pins: [sdaPin, sclPin])
                let hexPage = page.map { String(format: "%02X", $0) }.joined(separator: "_")
                // eeprom24xx's lines, spaces as "_", joined by "|"; it flags the page crossing.
                let ops = "Page_write_(addr=06,_6_bytes):_11_22_33_44_55_66|Warning:_Page_write_crossed_page_boundary_from_page_0_to_1!|Sequential_random_read_(addr=00,_8_bytes):_\(hexPage)"
                manifest += "eeprom-\(tag).vcd \(Int(hz)) \(want.text) \(ops) 0\n"

                // Nobody at 0x51: the address NACKed, then a STOP.
                bench.clearChanges()
                try bench.advance(nanoseconds: 1000) // the VCD starts at the clear: the START must come after
                var nack = ExpectedI2C()
                #expect(throws: StrobeError.i2cNack(address: 0x51, byteIndex: nil)) { try bus.write(try I2CAddress(0x51), [0]) }
                nack.write(0x51, [0], acked: 0)
                try bench.advance(nanoseconds: 1000)
                try bench.writeVCD(to: "\(dir)/nack-\(tag).vcd", pins: [sdaPin, sclPin])
                manifest += "nack-\(tag).vcd \(Int(hz)) \(nack.text) - 0\n"
                eeprom.detach()
            }
        }
        // A device that stretches SCL 20 µs after each byte, at 400 kHz: a word written and read.
        for swift in [false, true] {
            let (_, bench, bus) = try makeBus(.rp1, I2CConfiguration(clock: .hertz(400_000)), swift: swift)
            let dev = try ClockStretcherModel(sda: sdaPin, scl: sclPin, address: 0x2C, stretch: .microseconds(20))
            try bench.attach(dev)
            let a = try I2CAddress(0x2C)
            bench.clearChanges()
                try bench.advance(nanoseconds: 1000) // the VCD starts at the clear: the START must come after
            var want = ExpectedI2C()
            try bus.writeWordData(a, register: 4, 0xBEEF)
            want.write(0x2C, [4, 0xEF, 0xBE])
            let word = try bus.readWordData(a, register: 4)
            #expect(word == 0xBEEF)
            want.writeRead(0x2C, [4], [0xEF, 0xBE])
            try bench.advance(nanoseconds: 1000)
            let file = "stretch-\(swift ? "swift" : "c").vcd"
            try bench.writeVCD(to: "\(dir)/\(file)", pins: [sdaPin, sclPin])
            manifest += "\(file) 400000 \(want.text) - 20000\n"
            dev.detach()
        }
        try manifest.write(toFile: dir + "/i2c-manifest", atomically: true, encoding: .utf8)
    }
}

/// A bus that only forwards transfer, so the protocol's default block read runs.
private final class GenericBus: I2CBus {
    let inner: BitBangI2C<Board>
    init(_ inner: BitBangI2C<Board>) { self.inner = inner }
    func transfer(_ address: I2CAddress, _ operations: [I2COperation]) throws(StrobeError) -> [[UInt8]] {
        try inner.transfer(address, operations)
    }
}

@Suite("strobe i2c on the virtual bench")
struct I2CCLITests {
    @Test("detect finds the models attached with --eeprom and --stretch; set and get go through them; an address over 0x7f is one line")
    func detectGetSet() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let state = ["--virtual", "rp1", "--virtual-state", dir.path + "/s.state"]
        let d = try runStrobe(["i2c", "detect", "--eeprom", "0x52", "--stretch", "0x2c:5"] + state)
        #expect(d.status == 0, "\(d.stderr)")
        let rows = d.stdout.split(separator: "\n").map(String.init)
        #expect(rows.first == "     0  1  2  3  4  5  6  7  8  9  a  b  c  d  e  f")
        #expect(rows.count == 9)
        #expect(rows[3] == "20: -- -- -- -- -- -- -- -- -- -- -- -- 2c -- -- --")
        #expect(rows[6] == "50: -- -- 52 -- -- -- -- -- -- -- -- -- -- -- -- --")
        #expect(rows[1].hasPrefix("00:          --")) // 0x00…0x02 are not probed
        // A word through the stretcher, then read back within one command is not possible (its
        // registers live with the command): get reads the fresh model's 0x0000.
        let s = try runStrobe(["i2c", "set", "--stretch", "0x2c:5", "--hz", "400000", "0x2c", "3", "0xbeef", "w", "--trace", dir.path + "/t.vcd"] + state)
        #expect(s.status == 0 && s.stdout.isEmpty, "\(s.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir.path + "/t.vcd"))
        let g = try runStrobe(["i2c", "get", "--eeprom", "0x50", "0x50", "0x10"] + state)
        #expect(g.status == 0 && g.stdout == "0xff\n", "\(g.stderr)")
        let nobody = try runStrobe(["i2c", "get", "0x51", "0"] + state)
        #expect(nobody.status != 0 && nobody.stderr == "Error: no device answered at 0x51: check wiring, pull-ups (SDA/SCL need them), and the address (`strobe i2c detect` lists who answers)\n")
        let high = try runStrobe(["i2c", "get", "0x80", "0"] + state)
        #expect(high.status != 0 && high.stderr.split(separator: "\n").count == 1 && high.stderr.contains("--ten-bit"))
        let dump = try runStrobe(["i2c", "dump", "--eeprom", "0x50", "--hz", "max", "0x50"] + state)
        #expect(dump.status == 0 && dump.stdout.split(separator: "\n").count == 17)
        #expect(dump.stdout.split(separator: "\n")[1] == "00: ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff    ................")
    }
}

@Suite("Bit-banged I2C at max")
struct I2CMaxTests {
    @Test("At .maximum (no waits) a page write and read back work on both engines, and a stretching device is still waited for")
    func maximum() throws {
        for swift in [false, true] {
            let board = try Board.virtual(.bcm2835)
            let bench = try #require(board.bench)
            let bus = try BitBangI2C(board, sda: 2, scl: 3, configuration: I2CConfiguration(clock: .maximum), forceSwiftLoop: swift)
            #expect(bus.clockTiming == nil)
            let eeprom = try EEPROMModel(sda: 2, scl: 3)
            try bench.attach(eeprom)
            try bus.write(try I2CAddress(0x50), [0x00, 9, 8, 7])
            try bench.advance(nanoseconds: 5_000_000)
            #expect(try bus.writeRead(try I2CAddress(0x50), [0x00], readCount: 3) == [9, 8, 7])
            let dev = try ClockStretcherModel(sda: 2, scl: 3, address: 0x2C, stretch: .microseconds(50))
            try bench.attach(dev)
            let t0 = bench.now
            try bus.writeByteData(try I2CAddress(0x2C), register: 1, 0x77)
            #expect(bench.now - t0 >= 3 * 50_000) // three bytes, each stretched 50 µs
            #expect(dev.registers[1] == 0x77)
        }
    }
}
