import Foundation
import Strobe
import StrobeSimulator
import Testing

/// A virtual BCM2711 board with a bit-banged bus on GPIO 2 (SDA) and 3 (SCL).
private func bus(_ configuration: I2CConfiguration = I2CConfiguration()) throws -> (Board, VirtualBench, BitBangI2C<Board>) {
    let board = try Board.virtual(.bcm2711)
    let bench = try #require(board.bench)
    let i2c = try board.i2c(sda: 2, scl: 3, configuration: configuration)
    return (board, bench, i2c)
}

/// Whether `body` throws `.i2cNack` for `address`, with `byteIndex`.
private func nacks(_ address: Int, byteIndex: Int?, _ body: () throws(StrobeError) -> Void) -> Bool {
    do {
        try body()
        return false
    } catch {
        if case .i2cNack(address, byteIndex) = error { return true }
        return false
    }
}

@Suite("I2C device models on the virtual bench, over the bit-banged master")
struct I2CModelTests {
    @Test("24C02: a write across a page boundary wraps within the page (AT24C02 \"Page Write\"); split at the boundary, it reads back whole")
    func pageBoundary() throws {
        let (_, bench, i2c) = try bus()
        let eeprom = try EEPROMModel(sda: 2, scl: 3)
        try bench.attach(eeprom)
        let a = try I2CAddress(0x50)
        // Six bytes from 0x06 in one write: 0x06, 0x07, then the word address rolls over to 0x00.
        try i2c.write(a, [0x06, 1, 2, 3, 4, 5, 6])
        #expect(eeprom.writeCycles == 1)
        #expect(Array(eeprom.contents[0..<9]) == [3, 4, 5, 6, 0xFF, 0xFF, 1, 2, 0xFF])
        try bench.advance(nanoseconds: 5_000_000)
        #expect(try i2c.writeRead(a, [0x00], readCount: 9) == [3, 4, 5, 6, 0xFF, 0xFF, 1, 2, 0xFF])

        // A driver that knows the page size splits the write at 0x10 and polls between.
        let data: [UInt8] = Array(0xA0...0xAB)            // 0x0C…0x17 crosses 0x10
        try i2c.write(a, [0x0C] + Array(data[0..<4]))
        while nacks(0x50, byteIndex: nil, { () throws(StrobeError) in try i2c.write(a, []) }) {}
        try i2c.write(a, [0x10] + Array(data[4...]))
        while nacks(0x50, byteIndex: nil, { () throws(StrobeError) in try i2c.write(a, []) }) {}
        #expect(try i2c.writeRead(a, [0x0C], readCount: 12) == data)
        #expect(Array(eeprom.contents[0x0C..<0x18]) == data)
        #expect(eeprom.writeCycles == 3)
        // A sequential read rolls over from 0xFF to 0x00 (AT24C02 "Sequential Read").
        try eeprom.setContents([0xE1, 0xE2], at: 0xFE)
        #expect(try i2c.writeRead(a, [0xFE], readCount: 4) == [0xE1, 0xE2, 3, 4])
        // And a current-address read goes on from there.
        #expect(try i2c.read(a, count: 1) == [5])
    }

    @Test("24C02: after a write the part NACKs its address for tWR (5 ms), then ACK polling gets an ACK")
    func ackPolling() throws {
        let (_, bench, i2c) = try bus()
        let eeprom = try EEPROMModel(sda: 2, scl: 3, address: 0x53)
        try bench.attach(eeprom)
        let a = try I2CAddress(0x53)
        try i2c.writeByteData(a, register: 0x42, 0x99)
        let busyUntil = try #require(eeprom.busyUntil)
        let stop = busyUntil - 5_000_000
        #expect(bench.now >= stop && bench.now - stop < 100_000)
        // A read during the cycle: the address is NACKed.
        #expect(nacks(0x53, byteIndex: nil) { () throws(StrobeError) in _ = try i2c.readByte(a) })
        var polls = 0
        while nacks(0x53, byteIndex: nil, { () throws(StrobeError) in try i2c.write(a, []) }) {
            polls += 1
            #expect(bench.now < busyUntil + 1_000_000)
            if polls > 10_000 { break }
        }
        let acked = bench.now
        // ACKed no earlier than tWR after STOP, and within one poll (≈ 10 clocks at 100 kHz) of it.
        #expect(acked >= busyUntil)
        #expect(acked - busyUntil < 200_000)
        #expect(polls > 10)
        print("24C02 ACK polling: STOP at \(stop) ns, write cycle to \(busyUntil) ns, \(polls) NACKed polls, first ACK seen at \(acked) ns")
        #expect(try i2c.readByteData(a, register: 0x42) == 0x99)
        // Another address is not ACKed at all: the NACK names it.
        #expect(nacks(0x54, byteIndex: nil) { () throws(StrobeError) in try i2c.write(try I2CAddress(0x54), [0]) })
    }

    @Test("24C32-style: two word-address bytes, 32-byte pages that wrap at 0x200; contents kept across detach")
    func twoByteAddress() throws {
        let (_, bench, i2c) = try bus(I2CConfiguration(clock: .hertz(400_000)))
        let eeprom = try EEPROMModel(sda: 2, scl: 3, address: 0x57, size: 4096, pageSize: 32, addressBytes: 2,
                                     writeCycle: .milliseconds(2))
        try bench.attach(eeprom)
        let a = try I2CAddress(0x57)
        let data: [UInt8] = Array(0x10..<0x1C)                   // 12 bytes from 0x1F8
        try i2c.write(a, [0x01, 0xF8] + data)
        #expect(Array(eeprom.contents[0x1F8..<0x200]) == Array(data[0..<8]))
        #expect(Array(eeprom.contents[0x1E0..<0x1E4]) == Array(data[8...]))
        #expect(eeprom.contents[0x200] == 0xFF)
        try bench.advance(nanoseconds: 2_000_000)
        #expect(try i2c.writeRead(a, [0x01, 0xFE], readCount: 3) == [0x16, 0x17, 0xFF])
        eeprom.detach()
        #expect(nacks(0x57, byteIndex: nil) { () throws(StrobeError) in try i2c.write(a, []) })
        try bench.attach(eeprom)
        #expect(try i2c.writeRead(a, [0x01, 0xE0], readCount: 4) == Array(data[8...]))
    }

    @Test("A stretched transfer waits out the stretch after each byte; a stretch over the timeout is .i2cClockStretchTimeout")
    func stretching() throws {
        let (_, bench, i2c) = try bus()
        let stretcher = try ClockStretcherModel(sda: 2, scl: 3, address: 0x2C, stretch: .microseconds(200))
        let eeprom = try EEPROMModel(sda: 2, scl: 3)                 // on the same bus, never stretches
        try bench.attach(stretcher)
        try bench.attach(eeprom)
        let a = try I2CAddress(0x2C)
        let t0 = bench.now
        try i2c.writeByteData(a, register: 5, 0x5A)                    // address, register, value
        #expect(stretcher.stretchCount == 3)
        #expect(bench.now - t0 >= 3 * 200_000)
        #expect(stretcher.registers[5] == 0x5A)
        #expect(try i2c.readByteData(a, register: 5) == 0x5A)         // W, reg, Sr R, data
        #expect(stretcher.stretchCount == 7)
        let last = try #require(stretcher.lastStretch)
        #expect(last.release - last.start == 200_000)
        print("stretch 200 µs: last stretch \(last.start)…\(last.release) ns, \(stretcher.stretchCount) stretches, write+read took \(bench.now - t0) ns")
        // The SCL rise the master waited for is the target's release, at its own virtual time.
        #expect(bench.changes.contains { $0.pin == 3 && $0.level == .high && $0.time == last.release })
        try stretcher.setRegister(6, to: 0x77)
        #expect(try i2c.readWordData(a, register: 5) == 0x775A)       // little-endian
        #expect(try i2c.readByteData(try I2CAddress(0x50), register: 0) == 0xFF)

        // 30 ms > the 25 ms SMBus timeout.
        try stretcher.setStretch(.milliseconds(30))
        do {
            _ = try i2c.readByteData(a, register: 5)
            Issue.record("a 30 ms stretch did not time out")
        } catch {
            guard case .i2cClockStretchTimeout(_, let waited) = error else {
                Issue.record("expected .i2cClockStretchTimeout, got \(error)")
                return
            }
            #expect(waited >= .milliseconds(25) && waited < .milliseconds(30))
            print("stretch 30 ms: \(error) (waited \(waited))")
        }
        // The target lets go at its own time; then the bus works again.
        try bench.advance(nanoseconds: 30_000_000)
        try stretcher.setStretch(.zero)
        try? i2c.recover()
        #expect(try i2c.readByteData(a, register: 6) == 0x77)
    }

    @Test("Several targets share one bus: two 24C02s, a 10-bit register target (combined-format read) and a 7-bit one")
    func sharedBus() throws {
        let (_, bench, i2c) = try bus(I2CConfiguration(clock: .hertz(1_000_000)))
        let e0 = try EEPROMModel(sda: 2, scl: 3, address: 0x50), e1 = try EEPROMModel(sda: 2, scl: 3, address: 0x51)
        let ten = try ClockStretcherModel(sda: 2, scl: 3, address: 0x2A5, tenBit: true, stretch: .zero)
        let tenNeighbour = try ClockStretcherModel(sda: 2, scl: 3, address: 0x2A6, tenBit: true, stretch: .zero) // same first byte
        let seven = try ClockStretcherModel(sda: 2, scl: 3, address: 0x52, stretch: .zero)
        for m in [e0, e1] as [any BenchDeviceModel] + [ten, tenNeighbour, seven] { try bench.attach(m) }
        try i2c.write(try I2CAddress(0x50), [0x00, 0x11])
        try i2c.write(try I2CAddress(0x51), [0x00, 0x22])   // 0x50 is busy, 0x51 is not
        try bench.advance(nanoseconds: 5_000_000)
        #expect(try i2c.writeRead(try I2CAddress(0x50), [0x00], readCount: 1) == [0x11])
        #expect(try i2c.writeRead(try I2CAddress(0x51), [0x00], readCount: 1) == [0x22])
        let a10 = try I2CAddress.tenBit(0x2A5)
        try i2c.writeByteData(a10, register: 3, 0xC3)
        #expect(ten.registers[3] == 0xC3 && tenNeighbour.registers[3] == 0 && seven.registers[3] == 0)
        #expect(try i2c.readByteData(a10, register: 3) == 0xC3)
        #expect(try i2c.read(a10, count: 1) == [0])           // the pointer moved on to register 4
        #expect(nacks(0x2A7, byteIndex: nil) { () throws(StrobeError) in try i2c.write(try I2CAddress.tenBit(0x2A7), [0]) })
        try i2c.writeByteData(try I2CAddress(0x52), register: 3, 0x5B)
        #expect(seven.registers[3] == 0x5B && ten.registers[3] == 0xC3)
        #expect(bench.level(of: 2) == .high && bench.level(of: 3) == .high)
    }

    /// Traces for scripts/i2c-model-traces, written when STROBE_I2C_MODEL_TRACES names a
    /// directory: the bit-banged master on the models, and a manifest of what sigrok must
    /// decode — "eeprom24xx FILE SUMMARY" (a line of sigrok's eeprom24xx decoder) and
    /// "i2c FILE ITEMS" (the i2c decoder's addresses and data, comma-separated).
    @Test("Traces for sigrok (scripts/i2c-model-traces)", .enabled(if: ProcessInfo.processInfo.environment["STROBE_I2C_MODEL_TRACES"] != nil))
    func sigrokTraces() throws {
        let dir = ProcessInfo.processInfo.environment["STROBE_I2C_MODEL_TRACES"]!
        var manifest = ""
        let hex: ([UInt8]) -> String = { $0.map { String(format: "%02X", $0) }.joined(separator: " ") }
        for hz in [100_000.0, 400_000.0] {
            let (_, bench, i2c) = try bus(I2CConfiguration(clock: .hertz(hz)))
            let eeprom = try EEPROMModel(sda: 2, scl: 3)
            try bench.attach(eeprom)
            let a = try I2CAddress(0x50)
            try bench.advance(nanoseconds: 100_000)           // an idle bus before the first START
            try i2c.write(a, [0x1E, 1, 2, 3, 4])              // wraps: 0x1E 0x1F 0x18 0x19
            var nacked = 0
            while nacks(0x50, byteIndex: nil, { () throws(StrobeError) in try i2c.write(a, []) }) { nacked += 1 }
            let high = try i2c.writeRead(a, [0x1E], readCount: 4)
            let low = try i2c.writeRead(a, [0x18], readCount: 2)
            #expect(high == [1, 2, 0xFF, 0xFF] && low == [3, 4])
            try bench.advance(nanoseconds: 100_000)
            let file = "eeprom-\(Int(hz)).vcd"
            try bench.writeVCD(to: dir + "/" + file, pins: [2, 3])
            manifest += "eeprom24xx \(file) Page write (addr=1E, 4 bytes): 01 02 03 04\n"
            manifest += "eeprom24xx \(file) Sequential random read (addr=1E, 4 bytes): \(hex(high))\n"
            manifest += "eeprom24xx \(file) Sequential random read (addr=18, 2 bytes): \(hex(low))\n"
            manifest += "nacks \(file) \(nacked)\n"
        }
        let (_, bench, i2c) = try bus(I2CConfiguration(clock: .hertz(400_000)))
        let stretcher = try ClockStretcherModel(sda: 2, scl: 3, address: 0x2C, stretch: .microseconds(50))
        try bench.attach(stretcher)
        try bench.advance(nanoseconds: 100_000)
        let a = try I2CAddress(0x2C)
        try i2c.write(a, [4, 0xDE, 0xAD])
        let got = try i2c.writeRead(a, [4], readCount: 2)
        #expect(got == [0xDE, 0xAD])
        try bench.advance(nanoseconds: 100_000)
        try bench.writeVCD(to: dir + "/stretch.vcd", pins: [2, 3])
        manifest += "i2c stretch.vcd Address write: 2C,Data write: 04,Data write: DE,Data write: AD,Address write: 2C,Data write: 04,Address read: 2C,Data read: DE,Data read: AD\n"
        try manifest.write(toFile: dir + "/manifest", atomically: true, encoding: .utf8)
    }

    @Test("Bad model parameters are typed errors")
    func badInput() throws {
        func outOfRange(_ body: () throws(StrobeError) -> Void) -> Bool {
            do { try body(); return false } catch { if case .outOfRange = error { return true }; return false }
        }
        #expect(outOfRange { () throws(StrobeError) in _ = try EEPROMModel(sda: 2, scl: 3, address: 0x48) })
        #expect(outOfRange { () throws(StrobeError) in _ = try EEPROMModel(sda: 2, scl: 3, size: 300) })
        #expect(outOfRange { () throws(StrobeError) in _ = try EEPROMModel(sda: 2, scl: 3, size: 512) })
        #expect(outOfRange { () throws(StrobeError) in _ = try EEPROMModel(sda: 2, scl: 3, size: 0) })
        #expect(outOfRange { () throws(StrobeError) in _ = try EEPROMModel(sda: 2, scl: 3, size: Int.max) })
        #expect(outOfRange { () throws(StrobeError) in _ = try EEPROMModel(sda: 2, scl: 3, pageSize: 3) })
        #expect(outOfRange { () throws(StrobeError) in _ = try EEPROMModel(sda: 2, scl: 3, pageSize: 512) })
        #expect(outOfRange { () throws(StrobeError) in _ = try EEPROMModel(sda: 2, scl: 3, pageSize: Int.min) })
        #expect(outOfRange { () throws(StrobeError) in _ = try EEPROMModel(sda: 2, scl: 3, addressBytes: 3) })
        #expect(outOfRange { () throws(StrobeError) in _ = try EEPROMModel(sda: 2, scl: 3, writeCycle: .seconds(-1)) })
        #expect(outOfRange { () throws(StrobeError) in _ = try EEPROMModel(sda: 2, scl: 3, writeCycle: .seconds(2)) })
        #expect(outOfRange { () throws(StrobeError) in _ = try ClockStretcherModel(sda: 2, scl: 3, address: 0x80) })
        #expect(outOfRange { () throws(StrobeError) in _ = try ClockStretcherModel(sda: 2, scl: 3, address: 0x03) })
        #expect(outOfRange { () throws(StrobeError) in _ = try ClockStretcherModel(sda: 2, scl: 3, address: 0x400, tenBit: true) })
        #expect(outOfRange { () throws(StrobeError) in _ = try ClockStretcherModel(sda: 2, scl: 3, stretch: .seconds(61)) })
        let stretcher = try ClockStretcherModel(sda: 2, scl: 3)
        #expect(outOfRange { () throws(StrobeError) in try stretcher.setStretch(.seconds(-1)) })
        #expect(outOfRange { () throws(StrobeError) in try stretcher.setRegister(16, to: 0) })
        let eeprom = try EEPROMModel(sda: 2, scl: 3)
        #expect(outOfRange { () throws(StrobeError) in try eeprom.setContents([1, 2], at: 255) })
        #expect(outOfRange { () throws(StrobeError) in try eeprom.setContents([1], at: -1) })

        let bench = try VirtualBench(layout: .bcm2711)
        #expect(throws: StrobeError.invalidPin(99, layout: .bcm2711)) { try bench.attach(try EEPROMModel(sda: 99, scl: 3)) }
        #expect(throws: StrobeError.invalidPin(-1, layout: .bcm2711)) { try bench.attach(try ClockStretcherModel(sda: 2, scl: -1)) }
        #expect(throws: StrobeError.self) { try bench.attach(try EEPROMModel(sda: 4, scl: 4)) }
        try bench.attach(eeprom)
        #expect(throws: StrobeError.self) { try bench.attach(eeprom) }
        eeprom.detach()
        eeprom.detach()
    }
}
