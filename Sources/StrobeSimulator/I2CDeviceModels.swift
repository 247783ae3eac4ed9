import CStrobeSimulator
public import Strobe

// I2C targets on the virtual bench. The bus decoding is the C engine's (i2c_target.c, per NXP
// UM10204); each model here is a C target on top of it, wrapped like MCP3008Model: a class that
// attaches itself to a bench, with its state read and changed under the bench's lock.

/// What the I2C models share: the checks before attaching, and the C call's result.
/// The checks and the detach every I2C model wrapper shares.
enum I2CModelAttach {
    /// Checks `sda` and `scl` against `bench` and that `attached` is false, runs `attach` (the
    /// C attach function) and returns its model id.
    static func run(_ what: String, attached: Bool, sda: Int, scl: Int, on bench: VirtualBench,
                    _ attach: () -> Int32) throws(StrobeError) -> Int32 {
        guard !attached else { throw .invalidArgument("this \(what) model is attached already") }
        for pin in [sda, scl] where pin < 0 || pin >= bench.layout.pinCount {
            throw .invalidPin(pin, layout: bench.layout)
        }
        guard sda != scl else { throw .invalidArgument("SDA and SCL must be different pins (both are GPIO \(sda))") }
        let id = attach()
        guard id > 0 else {
            throw .invalidArgument("the \(what) model can't go on SDA \(sda), SCL \(scl) (errno \(-id)): the bench holds at most \(STROBE_VBENCH_MAX_MODELS) models")
        }
        return id
    }

    /// Detaches target `id` and lets go of a line it was pulling low (a model's drive outlives
    /// the model); lines it wasn't holding, such as a test's own drive, stay as they are.
    static func detach(_ bench: VirtualBench, _ id: Int32, sda: Int, scl: Int) {
        var stats = strobe_i2c_target_stats()
        let known = strobe_vbench_i2c_target_stats(bench.handle, id, &stats) == 0
        _ = strobe_vbench_detach_model(bench.handle, id)
        if known && stats.holding_sda { _ = strobe_vbench_drive(bench.handle, UInt32(sda), -1) }
        if known && stats.holding_scl { _ = strobe_vbench_drive(bench.handle, UInt32(scl), -1) }
    }
}

/// A 24Cxx two-wire serial EEPROM on the virtual bench's SDA and SCL, by default an AT24C02
/// (Microchip/Atmel: 256 bytes, 8-byte pages, one word-address byte, tWR 5 ms, device address
/// 1010 A2 A1 A0 = 0x50…0x57).
///
/// What it does, per the AT24C02 datasheet: a byte or page write (device address, word
/// address, data, STOP) is latched and written when STOP starts the self-timed write cycle;
/// within a write the word address's lower bits count up and roll over inside the page, so
/// bytes past a page's end overwrite its start ("Page Write"). During the write cycle the part
/// does not acknowledge its address — which is what acknowledge polling waits on. Reads are
/// current-address (the internal counter), random (a dummy write of the word address, repeated
/// START, read) and sequential, rolling over from the last byte of memory to the first. With
/// `addressBytes: 2` and `pageSize: 32` it is a 24C32-style part (word address high byte
/// first). Every byte starts erased, 0xFF.
///
/// ```swift
/// let eeprom = try EEPROMModel(sda: 2, scl: 3)
/// try board.bench!.attach(eeprom)
/// try i2c.write(try I2CAddress(0x50), [0x06, 1, 2, 3, 4])   // 0x06, 0x07, then 0x00, 0x01
/// ```
public final class EEPROMModel: BenchDeviceModel, @unchecked Sendable {
    // Sendable: the memory is the C model's, read and changed under the bench's lock;
    // `pending` and `attachment` are set by init/attach/detach/setContents, which the caller
    // doesn't race.

    /// SDA and SCL, as GPIO numbers.
    public let sda: Int, scl: Int
    /// The 7-bit device address, 0x50…0x57.
    public let address: Int
    /// Memory size in bytes, page size in bytes, and word-address bytes (1 or 2).
    public let size: Int, pageSize: Int, addressBytes: Int
    /// The self-timed write cycle, tWR.
    public let writeCycle: Duration
    private let writeCycleNanoseconds: UInt64
    private var pending: [UInt8]
    private var attachment: (bench: VirtualBench, id: Int32)?

    /// An EEPROM at `address` with `size` bytes in pages of `pageSize`, `addressBytes` word
    /// address bytes and a write cycle of `writeCycle`.
    /// - Throws: ``StrobeError/outOfRange(parameter:value:range:)`` for an address outside
    ///   0x50…0x57, a size that isn't a power of two in 16…256 (one address byte) or 16…65536
    ///   (two), a page size that isn't a power of two in 1…256 and at most `size`, address
    ///   bytes other than 1 or 2, or a write cycle outside 0…1 s.
    public init(sda: Int, scl: Int, address: Int = 0x50, size: Int = 256, pageSize: Int = 8, addressBytes: Int = 1,
                writeCycle: Duration = .milliseconds(5)) throws(StrobeError) {
        _ = try Checked.int(address, "the EEPROM's address (1010 A2 A1 A0)", in: 0x50...0x57)
        _ = try Checked.int(addressBytes, "the EEPROM's word-address bytes", in: 1...2)
        let maxSize = addressBytes == 1 ? 256 : 65536
        guard size >= 16, size <= maxSize, size & (size - 1) == 0 else {
            throw .outOfRange(parameter: "the EEPROM's size", value: "\(size)",
                              range: "a power of two, 16…\(maxSize) bytes with \(addressBytes) word-address byte\(addressBytes == 1 ? "" : "s")")
        }
        guard pageSize >= 1, pageSize <= min(256, size), pageSize & (pageSize - 1) == 0 else {
            throw .outOfRange(parameter: "the EEPROM's page size", value: "\(pageSize)", range: "a power of two, 1…\(min(256, size)) bytes")
        }
        self.writeCycleNanoseconds = try Checked.nanoseconds(writeCycle, "the EEPROM's write cycle", maximum: STROBE_EEPROM_MAX_TWR_NS)
        self.sda = sda
        self.scl = scl
        self.address = address
        self.size = size
        self.pageSize = pageSize
        self.addressBytes = addressBytes
        self.writeCycle = writeCycle
        self.pending = Array(repeating: 0xFF, count: size)
    }

    deinit { detach() }

    /// Attaches the model (see ``BenchDeviceModel``), with the contents it had when detached
    /// (or those set by ``setContents(_:at:)``, else erased).
    /// - Throws: ``StrobeError/invalidPin(_:layout:)`` for a pin the bench lacks;
    ///   ``StrobeError/invalidArgument(_:)`` when attached already, for SDA = SCL, or when the
    ///   bench holds too many models.
    public func attach(to bench: VirtualBench) throws(StrobeError) {
        var config = strobe_eeprom_config(sda: UInt32(clamping: sda), scl: UInt32(clamping: scl), address: UInt32(address),
                                          size: UInt32(size), page_size: UInt32(pageSize), address_bytes: UInt32(addressBytes),
                                          write_cycle_ns: writeCycleNanoseconds)
        let id = try I2CModelAttach.run("EEPROM", attached: attachment != nil, sda: sda, scl: scl, on: bench) {
            strobe_vbench_attach_eeprom(bench.handle, &config)
        }
        _ = pending.withUnsafeBufferPointer { strobe_vbench_eeprom_poke(bench.handle, id, 0, $0.baseAddress, $0.count) }
        attachment = (bench, id)
    }

    /// Detaches the model, keeping its contents; a line it was pulling low (mid-transfer) is let go.
    public func detach() {
        guard let a = attachment else { return }
        pending = contents
        I2CModelAttach.detach(a.bench, a.id, sda: sda, scl: scl)
        attachment = nil
    }

    /// The whole memory, as the part holds it now (a write still in its cycle is in already).
    public var contents: [UInt8] {
        guard let a = attachment else { return pending }
        var out = [UInt8](repeating: 0, count: size)
        _ = out.withUnsafeMutableBufferPointer { strobe_vbench_eeprom_peek(a.bench.handle, a.id, 0, $0.baseAddress, $0.count) }
        return out
    }

    /// Sets `bytes` from `offset` at once, with no write cycle: how a test preloads the part.
    /// - Throws: ``StrobeError/outOfRange(parameter:value:range:)`` when they don't fit in
    ///   0…size − 1.
    public func setContents(_ bytes: [UInt8], at offset: Int = 0) throws(StrobeError) {
        guard offset >= 0, offset <= size, bytes.count <= size - offset else {
            throw .outOfRange(parameter: "the EEPROM bytes to set", value: "\(bytes.count) at \(offset)", range: "within 0…\(size - 1)")
        }
        pending.replaceSubrange(offset..<offset + bytes.count, with: bytes)
        if let a = attachment {
            _ = bytes.withUnsafeBufferPointer { strobe_vbench_eeprom_poke(a.bench.handle, a.id, UInt32(offset), $0.baseAddress, $0.count) }
        }
    }

    private var status: strobe_eeprom_status? {
        guard let a = attachment else { return nil }
        var s = strobe_eeprom_status()
        return strobe_vbench_eeprom_status(a.bench.handle, a.id, &s) == 0 ? s : nil
    }

    /// Write cycles started since attached: one per byte or page write that ended in STOP.
    public var writeCycles: Int { Int(status?.write_cycles ?? 0) }

    /// The virtual time (ns) the last write cycle ends, nil before the first; until then the
    /// part NACKs its address.
    public var busyUntil: UInt64? {
        guard let s = status, s.write_cycles > 0 else { return nil }
        return s.busy_until_ns
    }

    /// The internal data word address counter: where a current-address read reads.
    public var addressCounter: Int { Int(status?.address_counter ?? 0) }
}

/// An I2C target on the virtual bench that stretches the clock: it ACKs its address, and
/// after the acknowledge clock of every byte addressed to it holds SCL low for `stretch`
/// (UM10204 3.1.9) before the master may go on; it serves 16 eight-bit registers, all 0 at
/// first. A write's first data byte sets the register pointer (one past the last register is
/// NACKed), later bytes are stored from there on; reads return registers from the pointer; the
/// pointer counts up after each byte and wraps. Tests use it to see that a master waits out
/// a stretch, and times out when the stretch is longer than its limit.
public final class ClockStretcherModel: BenchDeviceModel, @unchecked Sendable {
    // Sendable: as EEPROMModel.

    /// SDA and SCL, as GPIO numbers.
    public let sda: Int, scl: Int
    /// The address: 7-bit, 0x08…0x77, or 10-bit, 0x000…0x3FF, with ``isTenBit``.
    public let address: Int
    /// Whether ``address`` is a 10-bit address (UM10204 3.1.11).
    public let isTenBit: Bool
    /// How many registers it has.
    public static let registerCount = Int(STROBE_STRETCHER_REGISTERS)
    private var stretchNanoseconds: UInt64
    private var pending: [UInt8]
    private var attachment: (bench: VirtualBench, id: Int32)?

    /// A stretcher at `address` (10-bit with `tenBit`) that holds SCL low for `stretch` after
    /// each byte; with a stretch of zero, a plain register target.
    /// - Throws: ``StrobeError/outOfRange(parameter:value:range:)`` for a 7-bit address outside
    ///   0x08…0x77 (UM10204 table 4 reserves the rest), a 10-bit one outside 0x000…0x3FF, or a
    ///   stretch outside 0…60 s.
    public init(sda: Int, scl: Int, address: Int = 0x2C, tenBit: Bool = false, stretch: Duration = .microseconds(100)) throws(StrobeError) {
        if tenBit { _ = try Checked.int(address, "the clock stretcher's 10-bit address", in: 0...0x3FF) }
        else { _ = try Checked.int(address, "the clock stretcher's address", in: 0x08...0x77) }
        self.isTenBit = tenBit
        self.stretchNanoseconds = try Checked.nanoseconds(stretch, "the clock stretch", maximum: STROBE_VBENCH_I2C_MAX_STRETCH_NS)
        self.sda = sda
        self.scl = scl
        self.address = address
        self.pending = Array(repeating: 0, count: Self.registerCount)
    }

    deinit { detach() }

    /// Attaches the model (see ``BenchDeviceModel``).
    /// - Throws: ``StrobeError/invalidPin(_:layout:)`` for a pin the bench lacks;
    ///   ``StrobeError/invalidArgument(_:)`` when attached already, for SDA = SCL, or when the
    ///   bench holds too many models.
    public func attach(to bench: VirtualBench) throws(StrobeError) {
        let id = try I2CModelAttach.run("clock stretcher", attached: attachment != nil, sda: sda, scl: scl, on: bench) {
            var config = strobe_i2c_target_config(sda: UInt32(clamping: sda), scl: UInt32(clamping: scl), address: UInt32(address),
                                                  ten_bit: isTenBit, stretch_ns: stretchNanoseconds)
            return strobe_vbench_attach_register_target(bench.handle, &config)
        }
        _ = pending.withUnsafeBufferPointer { strobe_vbench_stretcher_poke(bench.handle, id, 0, $0.baseAddress, $0.count) }
        attachment = (bench, id)
    }

    /// Detaches the model, keeping its registers; a line it was pulling low (mid-transfer) is let go.
    public func detach() {
        guard let a = attachment else { return }
        pending = registers
        I2CModelAttach.detach(a.bench, a.id, sda: sda, scl: scl)
        attachment = nil
    }

    /// The stretch after each byte.
    public var stretch: Duration { .nanoseconds(Int64(stretchNanoseconds)) }

    /// Changes the stretch, from the next byte on.
    /// - Throws: ``StrobeError/outOfRange(parameter:value:range:)`` outside 0…60 s.
    public func setStretch(_ stretch: Duration) throws(StrobeError) {
        stretchNanoseconds = try Checked.nanoseconds(stretch, "the clock stretch", maximum: STROBE_VBENCH_I2C_MAX_STRETCH_NS)
        if let a = attachment { _ = strobe_vbench_i2c_target_set_stretch(a.bench.handle, a.id, stretchNanoseconds) }
    }

    /// The 16 registers.
    public var registers: [UInt8] {
        guard let a = attachment else { return pending }
        var out = [UInt8](repeating: 0, count: Self.registerCount)
        _ = out.withUnsafeMutableBufferPointer { strobe_vbench_stretcher_peek(a.bench.handle, a.id, 0, $0.baseAddress, $0.count) }
        return out
    }

    /// Sets register `index` (0…15) to `value`.
    /// - Throws: ``StrobeError/outOfRange(parameter:value:range:)`` for another index.
    public func setRegister(_ index: Int, to value: UInt8) throws(StrobeError) {
        let i = try Checked.int(index, "the clock stretcher's register", in: 0...(Self.registerCount - 1))
        pending[i] = value
        if let a = attachment {
            var v = value
            _ = strobe_vbench_stretcher_poke(a.bench.handle, a.id, UInt32(i), &v, 1)
        }
    }

    private var stats: strobe_i2c_target_stats? {
        guard let a = attachment else { return nil }
        var s = strobe_i2c_target_stats()
        return strobe_vbench_i2c_target_stats(a.bench.handle, a.id, &s) == 0 ? s : nil
    }

    /// Stretches done since attached.
    public var stretchCount: Int { Int(stats?.stretches ?? 0) }

    /// The virtual times (ns) the last stretch began (SCL held) and ended (SCL let go); nil
    /// before the first has ended.
    public var lastStretch: (start: UInt64, release: UInt64)? {
        guard let s = stats, s.stretches > 0, s.last_stretch_release_ns >= s.last_stretch_start_ns, s.last_stretch_release_ns > 0 else { return nil }
        return (s.last_stretch_start_ns, s.last_stretch_release_ns)
    }
}
