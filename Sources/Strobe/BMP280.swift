/// The trimming parameters of a BMP280 (Bosch BST-BMP280-DS001 section 3.11.2, table 17):
/// twelve 16-bit words at 0x88…0x9F, little-endian, fixed in the chip at production.
public struct BMP280Calibration: Sendable, Hashable {
    /// Temperature words (dig_T1 unsigned, dig_T2 and dig_T3 signed).
    public var t1: UInt16, t2: Int16, t3: Int16
    /// Pressure words (dig_P1 unsigned, dig_P2…dig_P9 signed).
    public var p1: UInt16, p2: Int16, p3: Int16, p4: Int16, p5: Int16, p6: Int16, p7: Int16, p8: Int16, p9: Int16

    /// The calibration of the datasheet's compensation example (section 3.12): with it,
    /// adc_T 519888 compensates to 25.08 °C (t_fine 128422) and adc_P 415148 to 100653 Pa.
    public static let datasheetExample = BMP280Calibration(
        t1: 27504, t2: 26435, t3: -1000,
        p1: 36477, p2: -10685, p3: 3024, p4: 2855, p5: 140, p6: -7, p7: 15500, p8: -14600, p9: 6000)

    /// A calibration from its words.
    public init(t1: UInt16, t2: Int16, t3: Int16, p1: UInt16, p2: Int16, p3: Int16, p4: Int16, p5: Int16,
                p6: Int16, p7: Int16, p8: Int16, p9: Int16) {
        self.t1 = t1; self.t2 = t2; self.t3 = t3
        self.p1 = p1; self.p2 = p2; self.p3 = p3; self.p4 = p4; self.p5 = p5
        self.p6 = p6; self.p7 = p7; self.p8 = p8; self.p9 = p9
    }

    /// The calibration in the 24 bytes read from 0x88.
    /// - Throws: ``StrobeError/invalidArgument(_:)`` for another count.
    public init(registers bytes: [UInt8]) throws(StrobeError) {
        guard bytes.count == 24 else {
            throw .invalidArgument("a BMP280 calibration is 24 bytes (0x88…0x9F); got \(bytes.count)")
        }
        func word(_ i: Int) -> UInt16 { UInt16(bytes[2 * i]) | UInt16(bytes[2 * i + 1]) << 8 }
        func signed(_ i: Int) -> Int16 { Int16(bitPattern: word(i)) }
        self.init(t1: word(0), t2: signed(1), t3: signed(2), p1: word(3), p2: signed(4), p3: signed(5),
                  p4: signed(6), p5: signed(7), p6: signed(8), p7: signed(9), p8: signed(10), p9: signed(11))
    }

    /// Section 3.11.3's 32-bit temperature compensation: hundredths of a degree Celsius, and
    /// `fine` (t_fine), which the pressure compensation takes. Computed in 64 bits so a raw
    /// value beyond the sensor's range can't overflow.
    public func temperature(raw adc: Int32) -> (centidegrees: Int32, fine: Int32) {
        let x = Int64(adc >> 3) - (Int64(t1) << 1)
        let v1 = (x * Int64(t2)) >> 11
        let d = Int64(adc >> 4) - Int64(t1)
        let v2 = (((d * d) >> 12) * Int64(t3)) >> 14
        let fine = v1 + v2
        return (Int32(truncatingIfNeeded: (fine * 5 + 128) >> 8), Int32(truncatingIfNeeded: fine))
    }

    /// Section 3.11.3's 64-bit pressure compensation: pascals × 256 (Q24.8); `nil` where the
    /// formula would divide by zero (a calibration of zeros: no sensor answering).
    public func pressure(raw adc: Int32, fine: Int32) -> UInt32? {
        // Wrapping arithmetic: the datasheet's formula relies on 64-bit products; a calibration
        // read from a faulty bus must give a wrong number, not a trap.
        var v1 = Int64(fine) &- 128000
        var v2 = v1 &* v1 &* Int64(p6)
        v2 = v2 &+ (v1 &* Int64(p5)) &* (1 << 17)
        v2 = v2 &+ Int64(p4) &* (1 << 35)
        v1 = ((v1 &* v1 &* Int64(p3)) >> 8) &+ (v1 &* Int64(p2)) &* (1 << 12)
        v1 = (((1 << 47) &+ v1) &* Int64(p1)) >> 33
        guard v1 != 0 else { return nil }
        var p = 1_048_576 &- Int64(adc)
        p = ((p &* (1 << 31)) &- v2) &* 3125 / v1
        v1 = (Int64(p9) &* (p >> 13) &* (p >> 13)) >> 25
        v2 = (Int64(p8) &* p) >> 19
        p = ((p &+ v1 &+ v2) >> 8) &+ Int64(p7) &* 16
        return UInt32(truncatingIfNeeded: p)
    }
}

/// How many samples a BMP280 averages per reading (section 3.3; ctrl_meas osrs_t / osrs_p).
/// More samples: less noise and more resolution (16 bits at ×1 up to 20 at ×16), longer
/// measurements.
public enum BMP280Oversampling: Int, Sendable, Hashable, CaseIterable {
    /// Not measured (the register reads 0x80000).
    case skipped = 0
    /// One sample, 16 bits.
    case x1 = 1
    /// Two samples, 17 bits.
    case x2 = 2
    /// Four samples, 18 bits.
    case x4 = 3
    /// Eight samples, 19 bits.
    case x8 = 4
    /// Sixteen samples, 20 bits.
    case x16 = 5

    /// The number of samples (0 when skipped).
    public var samples: Int { self == .skipped ? 0 : 1 << (rawValue - 1) }
}

/// One measurement.
public struct BMP280Reading: Sendable, Hashable {
    /// Degrees Celsius, to 0.01 °C.
    public var temperature: Double
    /// Pascals (100 Pa = 1 hPa); `nil` when pressure was skipped.
    public var pressure: Double?
}

/// A Bosch BMP280 pressure and temperature sensor on any ``I2CBus`` — the kernel's, a
/// bit-banged one on two GPIOs, or the virtual bench's model — read in forced mode with the
/// datasheet's integer compensation (BST-BMP280-DS001 sections 3.6.2, 3.9, 3.11.3).
///
/// ```swift
/// let sensor = try BMP280(bus: i2c)          // address 0x76 (SDO to GND); 0x77 with SDO high
/// let r = try sensor.read()
/// print(r.temperature, r.pressure ?? 0)      // °C, Pa
/// ```
/// A BME280 (chip id 0x60) answers the same registers; its humidity is not read here.
public final class BMP280 {
    /// The address with SDO tied low.
    public static let primaryAddress = 0x76
    /// The address with SDO tied high.
    public static let secondaryAddress = 0x77
    /// Register addresses (section 4.2, memory map).
    enum Register {
        static let calibration: UInt8 = 0x88, chipID: UInt8 = 0xD0, reset: UInt8 = 0xE0
        static let status: UInt8 = 0xF3, control: UInt8 = 0xF4, config: UInt8 = 0xF5, pressure: UInt8 = 0xF7
    }
    /// Chip ids (section 4.3.1): BMP280 0x58; the BME280 0x60.
    static let chipIDs: [UInt8: String] = [0x58: "BMP280", 0x60: "BME280"]
    /// Status bit 3: a conversion is running (section 4.3.3).
    static let measuring: UInt8 = 0x08

    /// The bus it is on.
    public let bus: any I2CBus
    /// Its address.
    public let address: I2CAddress
    /// Its trimming parameters, read once.
    public let calibration: BMP280Calibration
    /// "BMP280" or "BME280", from the chip id.
    public let model: String
    /// Polls of the status register allowed while one forced measurement runs before
    /// ``read(temperature:pressure:)`` gives up (at 100 kHz each poll is ≈ 0.4 ms; the longest
    /// measurement, ×16 both, is 43.2 ms at most: section 3.8.1).
    public var maximumPolls = 2000

    /// Checks the chip id at `address` and reads the calibration.
    /// - Throws: the bus's errors (``StrobeError/i2cNack(address:byteIndex:)`` when nothing
    ///   answers there); ``StrobeError/invalidArgument(_:)`` when the chip id is not a
    ///   BMP280's or BME280's, or the calibration is all zeros or all ones (a bus that reads
    ///   constant levels).
    public init(bus: any I2CBus, address: I2CAddress) throws(StrobeError) {
        self.bus = bus
        self.address = address
        let id = try bus.readByteData(address, register: Register.chipID)
        guard let name = BMP280.chipIDs[id] else {
            throw .invalidArgument("the chip at \(address) has id 0x\(String(id, radix: 16)), not a BMP280's 0x58 (or a BME280's 0x60): check the address (0x76 with SDO low, 0x77 high) and the part")
        }
        model = name
        let bytes = try bus.writeRead(address, [Register.calibration], readCount: 24)
        guard bytes.contains(where: { $0 != 0 }), bytes.contains(where: { $0 != 0xFF }) else {
            throw .invalidArgument("the \(name) at \(address) returned a calibration of constant bytes (0x\(String(bytes[0], radix: 16))): the bus reads a stuck line; check SDA")
        }
        calibration = try BMP280Calibration(registers: bytes)
    }

    /// A sensor at the primary address, 0x76.
    public convenience init(bus: any I2CBus) throws(StrobeError) {
        try self.init(bus: bus, address: I2CAddress(BMP280.primaryAddress))
    }

    /// Soft reset (section 4.3.2: 0xB6 to 0xE0): the registers return to their power-on values.
    public func reset() throws(StrobeError) {
        try bus.writeByteData(address, register: Register.reset, 0xB6)
    }

    /// One forced-mode measurement (section 3.6.2): starts it, waits until the chip is back
    /// in sleep mode, reads the six data bytes in one burst (section 3.9: the registers are
    /// shadowed during it, so temperature and pressure belong together) and compensates them.
    /// - Throws: ``StrobeError/invalidArgument(_:)`` for temperature skipped (the pressure
    ///   formula needs it) or a measurement still running after ``maximumPolls`` polls; the
    ///   bus's errors.
    public func read(temperature: BMP280Oversampling = .x2, pressure: BMP280Oversampling = .x16) throws(StrobeError) -> BMP280Reading {
        guard temperature != .skipped else {
            throw .invalidArgument("BMP280 temperature oversampling can't be skipped: pressure compensation needs the temperature")
        }
        let control = UInt8(temperature.rawValue << 5 | pressure.rawValue << 2 | 0b01)
        try bus.writeByteData(address, register: Register.control, control)
        var polls = 0
        while true {
            // Forced mode ends by returning to sleep (mode bits 00) once the data are ready.
            let state = try bus.writeRead(address, [Register.status], readCount: 2)
            if state[0] & BMP280.measuring == 0 && state[1] & 0b11 == 0 { break }
            polls += 1
            guard polls < maximumPolls else {
                throw .invalidArgument("the \(model) at \(address) was still measuring after \(polls) polls of its status: is it a BMP280, and is SCL clean?")
            }
        }
        let raw = try bus.writeRead(address, [Register.pressure], readCount: 6)
        func twenty(_ i: Int) -> Int32 { Int32(raw[i]) << 12 | Int32(raw[i + 1]) << 4 | Int32(raw[i + 2]) >> 4 }
        let adcP = twenty(0), adcT = twenty(3)
        let (centi, fine) = calibration.temperature(raw: adcT)
        var reading = BMP280Reading(temperature: Double(centi) / 100, pressure: nil)
        if pressure != .skipped {
            guard let q = calibration.pressure(raw: adcP, fine: fine) else {
                throw .invalidArgument("the \(model) at \(address) has a calibration whose dig_P1 is 0: the pressure can't be computed")
            }
            reading.pressure = Double(q) / 256
        }
        return reading
    }
}
