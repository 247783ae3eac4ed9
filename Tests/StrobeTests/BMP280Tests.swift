import Testing
import CStrobeSimulator
@testable import Strobe
@testable import StrobeSimulator

// The Pi's I2C1 header pins: SDA 2, SCL 3.
private let sda = 2, scl = 3

@Suite("BMP280: the datasheet's compensation, the bench model, the driver over bit-banged I2C")
struct BMP280Tests {
    @Test("The driver's compensation gives the datasheet example's figures (section 3.12)")
    func datasheetExample() {
        let cal = BMP280Calibration.datasheetExample
        let t = cal.temperature(raw: 519_888)
        #expect(t.centidegrees == 2508)   // 25.08 °C
        #expect(t.fine == 128_422)
        let q = cal.pressure(raw: 415_148, fine: t.fine)
        #expect(q.map { $0 / 256 } == 100_653) // 100 653 Pa (Q24.8: 25 767 233)
    }

    @Test("The C model's own compensation agrees with the datasheet example too")
    func modelCompensation() {
        var cal = strobe_bmp280_example_calibration()
        var fine: Int32 = 0
        #expect(strobe_bmp280_compensate_temperature(&cal, 519_888, &fine) == 2508)
        #expect(fine == 128_422)
        #expect(strobe_bmp280_compensate_pressure(&cal, 415_148, fine) / 256 == 100_653)
    }

    @Test("Calibration bytes are little-endian words, dig_T2… signed")
    func calibrationParsing() throws {
        var bytes = [UInt8](repeating: 0, count: 24)
        bytes[0] = 0x70; bytes[1] = 0x6B      // dig_T1 27504
        bytes[4] = 0x18; bytes[5] = 0xFC      // dig_T3 -1000
        bytes[22] = 0x70; bytes[23] = 0x17    // dig_P9 6000
        let cal = try BMP280Calibration(registers: bytes)
        #expect(cal.t1 == 27_504 && cal.t3 == -1000 && cal.p9 == 6000)
        #expect(throws: StrobeError.self) { try BMP280Calibration(registers: [1, 2, 3]) }
        #expect(BMP280Calibration.datasheetExample.pressure(raw: 1, fine: 0) != nil)
        var zero = BMP280Calibration.datasheetExample
        zero.p1 = 0
        #expect(zero.pressure(raw: 415_148, fine: 128_422) == nil)
    }

    @Test("Set to the example's temperature and pressure, the model reports the example's raw readings")
    func modelFindsDatasheetRawValues() throws {
        let board = try Board.virtual(.bcm2711)
        let bench = try #require(board.bench)
        let model = BMP280Model(sda: sda, scl: scl)
        try bench.attach(model)
        try model.set(temperature: 128_422.0 / 5120, pressure: 25_767_233.0 / 256)
        let raw = try #require(model.raw)
        // adc_T enters the formula as adc_T >> 3 and >> 4: the eight readings 519888…519895
        // compensate alike, so any of them is the example's.
        #expect(raw.temperature >> 3 == 519_888 >> 3)
        #expect(raw.pressure == 415_148)
    }

    @Test("End to end: the driver reads what the model was set to, over bit-banged I2C at 400 kHz")
    func endToEnd() throws {
        let board = try Board.virtual(.bcm2711)
        let bench = try #require(board.bench)
        let model = BMP280Model(sda: sda, scl: scl)
        try bench.attach(model)
        let bus = try board.i2c(sda: sda, scl: scl, configuration: I2CConfiguration(clock: .hertz(400_000)))
        let sensor = try BMP280(bus: bus)
        #expect(sensor.model == "BMP280")
        #expect(sensor.calibration == .datasheetExample)
        for (t, p) in [(21.5, 99_800.0), (-12.25, 101_325.0), (84.0, 30_500.0), (0.0, 109_000.0)] {
            try model.set(temperature: t, pressure: p)
            let before = bench.now
            let r = try sensor.read(temperature: .x2, pressure: .x16)
            let took = bench.now - before
            #expect(abs(r.temperature - t) <= 0.01, "temperature \(t)")
            #expect(abs(try #require(r.pressure) - p) <= 1, "pressure \(p)")
            // The longest measurement at ×2/×16 (section 3.8.1): 1.25 + 2.3·2 + 2.3·16 + 0.575 ms.
            #expect(took >= 43_225_000, "a forced measurement takes its time in virtual time")
            #expect(took < 50_000_000)
        }
        #expect(model.measurements == 4)
        // Lower oversampling: 16-bit pressure, coarser but still close.
        try model.set(temperature: 21.5, pressure: 99_800)
        let coarse = try sensor.read(temperature: .x1, pressure: .x1)
        #expect(abs(try #require(coarse.pressure) - 99_800) <= 4)
        #expect(try sensor.read(pressure: .skipped).pressure == nil)
    }

    @Test("Nothing at the address, another chip id, bad settings: typed errors")
    func errors() throws {
        let board = try Board.virtual(.bcm2711)
        let bench = try #require(board.bench)
        let bus = try board.i2c(sda: sda, scl: scl)
        #expect(throws: StrobeError.i2cNack(address: 0x76, byteIndex: nil)) { try BMP280(bus: bus) }
        let model = BMP280Model(sda: sda, scl: scl, address: 0x77)
        try bench.attach(model)
        let sensor = try BMP280(bus: bus, address: I2CAddress(0x77))
        #expect(throws: StrobeError.self) { try sensor.read(temperature: .skipped) }
        #expect(throws: StrobeError.self) { try model.set(temperature: .nan, pressure: 100_000) }
        #expect(throws: StrobeError.self) { try model.set(temperature: 20, pressure: 1e300) }
        #expect(throws: StrobeError.self) { try model.set(temperature: 120, pressure: 100_000) }
        #expect(throws: StrobeError.self) { try bench.attach(model) }
        #expect(throws: StrobeError.self) { try bench.attach(BMP280Model(sda: sda, scl: scl, address: 0x50)) }
        #expect(throws: StrobeError.self) { try bench.attach(BMP280Model(sda: sda, scl: sda)) }
        #expect(throws: StrobeError.self) { try bench.attach(BMP280Model(sda: 99, scl: scl)) }
    }

    @Test("Soft reset returns ctrl_meas to sleep; the chip id reads 0x58")
    func resetAndID() throws {
        let board = try Board.virtual(.bcm2711)
        let bench = try #require(board.bench)
        let model = BMP280Model(sda: sda, scl: scl)
        try bench.attach(model)
        let bus = try board.i2c(sda: sda, scl: scl)
        let a = try I2CAddress(0x76)
        #expect(try bus.readByteData(a, register: 0xD0) == 0x58)
        try bus.writeByteData(a, register: 0xF4, 0b0100_1011) // normal mode
        #expect(try bus.readByteData(a, register: 0xF4) == 0b0100_1011)
        try BMP280(bus: bus).reset()
        #expect(try bus.readByteData(a, register: 0xF4) == 0)
        // After reset the data registers read the "skipped" value 0x80000.
        #expect(try bus.writeRead(a, [0xFA], readCount: 3) == [0x80, 0x00, 0x00])
        withExtendedLifetime(model) {}
    }

    @Test("Normal mode measures on its own, t_measure + t_standby apart (sections 3.6.3, 3.8.1)")
    func normalMode() throws {
        let board = try Board.virtual(.bcm2711)
        let bench = try #require(board.bench)
        let model = BMP280Model(sda: sda, scl: scl)
        try bench.attach(model)
        let bus = try board.i2c(sda: sda, scl: scl, configuration: I2CConfiguration(clock: .hertz(1_000_000)))
        let a = try I2CAddress(0x76)
        try model.set(temperature: 30, pressure: 95_000)
        try bus.writeByteData(a, register: 0xF5, 0b000_000_00)   // t_sb 0.5 ms, no filter
        try bus.writeByteData(a, register: 0xF4, 0b001_001_11)   // ×1, ×1, normal
        // One cycle: 1.25 + 2.3 + 2.3 + 0.575 = 6.425 ms measuring, then 0.5 ms standby.
        try bench.advance(nanoseconds: 6_925_000 * 10 - 100_000)
        let n = model.measurements
        #expect(n >= 9 && n <= 10, "\(n) measurements in ten cycles")
        let sensor = try BMP280(bus: bus)
        let raw = try bus.writeRead(a, [0xFA], readCount: 3)
        let adcT = Int32(raw[0]) << 12 | Int32(raw[1]) << 4 | Int32(raw[2]) >> 4
        #expect(abs(Double(sensor.calibration.temperature(raw: adcT).centidegrees) / 100 - 30) <= 0.01)
    }
}
