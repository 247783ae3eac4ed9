import CStrobeSimulator
public import Strobe

/// A Bosch BMP280 (BST-BMP280-DS001) on the virtual bench's I2C pins: the register map of
/// section 4 (chip id 0x58, calibration at 0x88, status, ctrl_meas, config, data at 0xF7),
/// section 5.2's I2C protocol, forced and normal mode with the longest measurement times of
/// section 3.8.1, and resolution by oversampling (16 bits at ×1 … 20 at ×16).
///
/// A test sets what the sensor sees (``set(temperature:pressure:)``); the model finds the raw
/// readings that the datasheet's compensation turns back into those values with its
/// calibration — so a driver under test is checked against the datasheet's arithmetic:
/// ```swift
/// let sensor = BMP280Model(sda: 2, scl: 3)
/// try bench.attach(sensor)
/// try sensor.set(temperature: 21.5, pressure: 99_800)
/// let reading = try BMP280(bus: board.i2c(sda: 2, scl: 3)).read()   // 21.5 °C, ≈ 99 800 Pa
/// ```
public final class BMP280Model: BenchDeviceModel, @unchecked Sendable {
    // Sendable: the state is the C model's, changed under the bench's lock; `attachment` is
    // set by attach and cleared by detach, which the caller doesn't race.

    /// SDA and SCL, as GPIO numbers.
    public let sda: Int, scl: Int
    /// The 7-bit address: 0x76 (SDO low) or 0x77 (SDO high).
    public let address: Int
    /// The trimming parameters the model reports at 0x88.
    public let calibration: BMP280Calibration
    private var seen: (temperature: Double, pressure: Double) = (25, 101_325)
    private var attachment: (bench: VirtualBench, id: Int32)?

    /// A sensor at `address` seeing 25 °C and 101 325 Pa, with `calibration` (the
    /// datasheet example's by default).
    public init(sda: Int, scl: Int, address: Int = BMP280.primaryAddress,
                calibration: BMP280Calibration = .datasheetExample) {
        self.sda = sda
        self.scl = scl
        self.address = address
        self.calibration = calibration
    }

    deinit { detach() }

    /// Attaches the model (see ``BenchDeviceModel``).
    /// - Throws: ``StrobeError/invalidArgument(_:)`` when attached already, for an address
    ///   other than 0x76/0x77, pins used twice, or a calibration that can't express room
    ///   conditions; ``StrobeError/invalidPin(_:layout:)`` for a pin the bench lacks.
    public func attach(to bench: VirtualBench) throws(StrobeError) {
        guard address == 0x76 || address == 0x77 else {
            throw .invalidArgument("a BMP280 answers at 0x76 (SDO low) or 0x77 (SDO high), not 0x\(String(address, radix: 16))")
        }
        let c = calibration
        var cal = strobe_bmp280_calibration(t1: c.t1, t2: c.t2, t3: c.t3, p1: c.p1, p2: c.p2, p3: c.p3, p4: c.p4,
                                            p5: c.p5, p6: c.p6, p7: c.p7, p8: c.p8, p9: c.p9)
        let id = try I2CModelAttach.run("BMP280", attached: attachment != nil, sda: sda, scl: scl, on: bench) {
            strobe_vbench_attach_bmp280(bench.handle, UInt32(sda), UInt32(scl), UInt32(address), &cal)
        }
        attachment = (bench, id)
        if seen != (25, 101_325) { _ = strobe_vbench_bmp280_set(bench.handle, id, seen.temperature, seen.pressure) }
    }

    /// Detaches the model; it stops answering, and a line it was pulling low (mid-transfer) is let go.
    public func detach() {
        guard let a = attachment else { return }
        I2CModelAttach.detach(a.bench, a.id, sda: sda, scl: scl)
        attachment = nil
    }

    /// What the sensor sees from its next measurement on: `temperature` in °C
    /// (−40…85, the datasheet's operating range) and `pressure` in Pa (30 000…110 000).
    /// - Throws: ``StrobeError/outOfRange(parameter:value:range:)`` outside those ranges or
    ///   for a value that is not finite.
    public func set(temperature: Double, pressure: Double) throws(StrobeError) {
        let t = try Checked.double(temperature, "the BMP280 model's temperature", in: -40...85, unit: " °C")
        let p = try Checked.double(pressure, "the BMP280 model's pressure", in: 30_000...110_000, unit: " Pa")
        seen = (t, p)
        if let a = attachment {
            let rc = strobe_vbench_bmp280_set(a.bench.handle, a.id, t, p)
            guard rc == 0 else {
                throw .outOfRange(parameter: "the BMP280 model's reading", value: "\(t) °C, \(p) Pa",
                                  range: "what its calibration can express (errno \(-rc))")
            }
        }
    }

    /// The raw 20-bit readings (adc_T, adc_P) the model found for what it sees; `nil` when
    /// not attached.
    public var raw: (temperature: Int32, pressure: Int32)? {
        guard let a = attachment else { return nil }
        var t: Int32 = 0, p: Int32 = 0
        guard strobe_vbench_bmp280_raw(a.bench.handle, a.id, &t, &p) == 0 else { return nil }
        return (t, p)
    }

    /// Measurements completed since the model was attached (0 when not attached).
    public var measurements: Int {
        guard let a = attachment else { return 0 }
        return Int(max(0, strobe_vbench_bmp280_measurements(a.bench.handle, a.id)))
    }
}
