import CStrobe
#if canImport(Glibc)
import Glibc
#endif

/// A 7-bit (0x00…0x7F) or 10-bit (0x000…0x3FF) target address.
public struct I2CAddress: Sendable, Hashable, CustomStringConvertible {
    /// The address, without the R/W bit.
    public let value: Int
    /// Whether it is a 10-bit address (sent as 11110 A9 A8 R/W and A7…A0, UM10204 3.1.11).
    public let isTenBit: Bool

    /// A 7-bit address.
    /// - Throws: ``StrobeError/outOfRange(parameter:value:range:)`` outside 0x00…0x7F.
    public init(_ value: Int) throws(StrobeError) {
        guard (0...0x7F).contains(value) else {
            throw .outOfRange(parameter: "the I2C address", value: I2CAddress.hex(value, digits: 2),
                              range: "0x00…0x7F (7-bit; a 10-bit address is I2CAddress.tenBit(_:), 0x000…0x3FF)")
        }
        self.init(checked: value, tenBit: false)
    }

    /// A 10-bit address.
    /// - Throws: ``StrobeError/outOfRange(parameter:value:range:)`` outside 0x000…0x3FF.
    public static func tenBit(_ value: Int) throws(StrobeError) -> I2CAddress {
        guard (0...0x3FF).contains(value) else {
            throw .outOfRange(parameter: "the 10-bit I2C address", value: hex(value, digits: 3), range: "0x000…0x3FF")
        }
        return I2CAddress(checked: value, tenBit: true)
    }

    private init(checked value: Int, tenBit: Bool) {
        self.value = value
        self.isTenBit = tenBit
    }

    /// "0x50", or "0x2A5 (10-bit)".
    public var description: String {
        isTenBit ? I2CAddress.hex(value, digits: 3) + " (10-bit)" : I2CAddress.hex(value, digits: 2)
    }

    static func hex(_ v: Int, digits: Int) -> String {
        guard v >= 0 else { return "\(v)" }
        let s = String(v, radix: 16, uppercase: true)
        return "0x" + String(repeating: "0", count: max(0, digits - s.count)) + s
    }
}

/// One part of an I2C transaction, each after its own START or repeated START.
public enum I2COperation: Sendable, Hashable {
    /// Write these bytes (none: an SMBus quick write, the address alone).
    case write([UInt8])
    /// Read `count` bytes, acknowledging each but the last (UM10204 3.1.6).
    case read(count: Int)
}

/// An I2C master. Device drivers depend on this protocol only, so the same driver runs over a
/// bit-banged bus (``BitBangI2C``), a kernel bus (i2c-dev) or the virtual bench's models.
public protocol I2CBus: AnyObject {
    /// One transaction: START, the operations with a repeated START between each, STOP.
    /// Returns what each `.read` received, in order.
    /// - Throws: ``StrobeError/i2cNack(address:byteIndex:)`` when the address or a written byte
    ///   is not acknowledged (the byte's index counts the bytes this transaction wrote);
    ///   ``StrobeError/i2cClockStretchTimeout(address:waited:)``;
    ///   ``StrobeError/i2cBusStuck(_:)``; ``StrobeError/outOfRange(parameter:value:range:)``
    ///   for a read of no bytes or more than 65535, a write of more than 65535.
    func transfer(_ address: I2CAddress, _ operations: [I2COperation]) throws(StrobeError) -> [[UInt8]]

    /// SMBus block read (SMBus 3.1 section 6.5.7): writes `register`, then reads a count byte
    /// (1…32) and that many bytes. The default implementation reads 33 bytes in one read and
    /// keeps the count's worth; a bus that can stop after the count (``BitBangI2C`` does)
    /// provides its own.
    /// - Throws: as ``transfer(_:_:)``, and ``StrobeError/outOfRange(parameter:value:range:)``
    ///   when the device sends a count of 0 or over 32.
    func readBlockData(_ a: I2CAddress, register: UInt8) throws(StrobeError) -> [UInt8]
}

/// Checks of operations shared by every bus: a read of 1…65535 bytes, a write of at most 65535
/// (i2c-dev's limit too: a message length is 16 bits), at least one operation.
package func checkI2COperations(_ operations: [I2COperation]) throws(StrobeError) {
    guard !operations.isEmpty else { throw .invalidArgument("an I2C transfer needs at least one operation") }
    for (i, op) in operations.enumerated() {
        // The message is built only for a length out of range: this runs on every transfer.
        switch op {
        case .write(let bytes) where bytes.count > 65535:
            _ = try Checked.int(bytes.count, "the length of I2C write \(i)", in: 0...65535, unit: " bytes")
        case .read(let count) where !(1...65535).contains(count):
            _ = try Checked.int(count, "the length of I2C read \(i)", in: 1...65535, unit: " bytes")
        default:
            break
        }
    }
}

/// The SMBus block limit (SMBus 3.1 section 6.5.7).
let smbusBlockMaximum = Int(STROBE_I2C_BLOCK_MAX)

/// What a block read's count byte must be, or the error naming the device.
func checkBlockCount(_ count: Int, from address: I2CAddress) throws(StrobeError) {
    guard (1...smbusBlockMaximum).contains(count) else {
        throw .outOfRange(parameter: "the SMBus block count the device at \(address) sent", value: "\(count)",
                          range: "1…32 (SMBus 3.1 section 6.5.7); the register may not be a block register")
    }
}

extension I2CBus {
    /// Writes `bytes` in one transaction.
    public func write(_ address: I2CAddress, _ bytes: [UInt8]) throws(StrobeError) {
        _ = try transfer(address, [.write(bytes)])
    }

    /// Reads `count` bytes in one transaction.
    public func read(_ address: I2CAddress, count: Int) throws(StrobeError) -> [UInt8] {
        try transfer(address, [.read(count: count)]).first ?? []
    }

    /// Writes `bytes`, then — after a repeated START, in the same transaction — reads
    /// `readCount` bytes: the usual "set the register pointer, read" of a sensor or EEPROM.
    public func writeRead(_ address: I2CAddress, _ bytes: [UInt8], readCount: Int) throws(StrobeError) -> [UInt8] {
        try transfer(address, [.write(bytes), .read(count: readCount)]).first ?? []
    }

    /// SMBus Receive Byte (SMBus 3.1 6.5.3): one byte read.
    public func readByte(_ a: I2CAddress) throws(StrobeError) -> UInt8 {
        try read(a, count: 1)[0]
    }

    /// SMBus Send Byte (SMBus 3.1 6.5.2): one byte written.
    public func writeByte(_ a: I2CAddress, _ value: UInt8) throws(StrobeError) {
        try write(a, [value])
    }

    /// SMBus Read Byte (SMBus 3.1 6.5.5): the register, a repeated START, one byte read.
    public func readByteData(_ a: I2CAddress, register: UInt8) throws(StrobeError) -> UInt8 {
        try writeRead(a, [register], readCount: 1)[0]
    }

    /// SMBus Write Byte (SMBus 3.1 6.5.4): the register, then the byte.
    public func writeByteData(_ a: I2CAddress, register: UInt8, _ value: UInt8) throws(StrobeError) {
        try write(a, [register, value])
    }

    /// SMBus Read Word (SMBus 3.1 6.5.5): the register, a repeated START, two bytes read, low
    /// byte first.
    public func readWordData(_ a: I2CAddress, register: UInt8) throws(StrobeError) -> UInt16 {
        let b = try writeRead(a, [register], readCount: 2)
        return UInt16(b[0]) | UInt16(b[1]) << 8
    }

    /// SMBus Write Word (SMBus 3.1 6.5.4): the register, then the word low byte first.
    public func writeWordData(_ a: I2CAddress, register: UInt8, _ value: UInt16) throws(StrobeError) {
        try write(a, [register, UInt8(truncatingIfNeeded: value), UInt8(truncatingIfNeeded: value >> 8)])
    }

    /// The block read built on ``I2CBus/transfer(_:_:)``: 33 bytes read, the count's worth kept.
    public func readBlockData(_ a: I2CAddress, register: UInt8) throws(StrobeError) -> [UInt8] {
        let b = try writeRead(a, [register], readCount: smbusBlockMaximum + 1)
        try checkBlockCount(Int(b[0]), from: a)
        return Array(b[1...Int(b[0])])
    }

    /// SMBus Block Write (SMBus 3.1 6.5.7): the register, a count byte, then 1…32 bytes.
    /// - Throws: ``StrobeError/outOfRange(parameter:value:range:)`` for no bytes or more than 32.
    public func writeBlockData(_ a: I2CAddress, register: UInt8, _ bytes: [UInt8]) throws(StrobeError) {
        _ = try Checked.int(bytes.count, "an SMBus block", in: 1...smbusBlockMaximum, unit: " bytes")
        try write(a, [register, UInt8(bytes.count)] + bytes)
    }
}

/// How fast an I2C bus clocks.
public enum I2CClock: Sendable, Hashable {
    /// A rate in whole hertz: 100 kHz (Standard-mode), 400 kHz (Fast-mode), 1 MHz (Fast-mode
    /// Plus) or any other up to 100 MHz on the register path, with UM10204's timing for its mode.
    case hertz(Double)
    /// As fast as the pins go: no waits (the lines' reads still wait for a stretching target).
    case maximum
}

/// What a bit-banged I2C bus is: its clock, how long a target may stretch it, and the pulls.
public struct I2CConfiguration: Sendable, Hashable {
    /// The clock rate.
    public var clock: I2CClock
    /// How long a target may hold SCL low (clock stretching) before the transfer fails:
    /// 1 ns…10 s; the default is SMBus's tTIMEOUT, 25 ms.
    public var stretchTimeout: Duration
    /// The pull set on SDA and SCL while the bus holds them; nil leaves the pulls alone (a bus
    /// with its own pull-up resistors — the only choice on sysfs). The Pi's internal pull-ups
    /// (≈50 kΩ) are weak: fine for 100 kHz on short wires, resistors for faster buses.
    public var pullUp: Pull?

    /// A configuration; the defaults are 100 kHz, 25 ms, the internal pull-ups.
    public init(clock: I2CClock = .hertz(100_000), stretchTimeout: Duration = .milliseconds(25), pullUp: Pull? = .up) {
        self.clock = clock
        self.stretchTimeout = stretchTimeout
        self.pullUp = pullUp
    }
}

/// A bit-banged I2C master on any ``GPIOController``, SDA and SCL open-drain
/// (``GPIOController/claimOpenDrainLine(_:pull:)``).
///
/// - On a ``Board`` (hardware registers, the virtual bench, RAM) the transaction runs in C
///   (`strobe_i2c.h`): one store per line change, edges at exact deadlines on the board's
///   clock (virtual time on the bench), clock stretching, recovery, 100 kHz…100 MHz or max.
/// - On libgpiod and sysfs a Swift loop over the controller's open-drain calls (one ioctl or
///   write per change) paced on the monotonic clock: the rate is checked against what one
///   line change costs there, measured when the bus is made, and a rate out of reach is
///   refused rather than run slower.
///
/// The bus claims SDA and SCL for its lifetime and gives them back, restored, when dropped.
/// Not thread-safe: one thread at a time transfers.
public final class BitBangI2C<Controller: GPIOController>: I2CBus {
    /// The controller whose lines it drives.
    public let controller: Controller
    /// The data line, a GPIO number.
    public let sda: Int
    /// The clock line, a GPIO number.
    public let scl: Int
    /// The bus's configuration.
    public let configuration: I2CConfiguration
    /// SCL's low and high times per UM10204 table 10 for the rate (nil at ``I2CClock/maximum``).
    public let clockTiming: (low: Duration, high: Duration)?

    private let sdaClaim: Claimed<Controller.Line>
    private let sclClaim: Claimed<Controller.Line>
    private var registers = strobe_i2c()
    private let usesRegisters: Bool

    /// For `strobe bench` and instruction counts: on a RAM-backed RP1 block, make the lines read
    /// as a bus whose one target ACKs everything (`strobe_i2c_loopback_ram`), and hand back the
    /// C bus so a C loop can drive the very same one.
    /// - Throws: ``StrobeError/unsupported(_:)`` off the register path or on another layout.
    package func loopBackOnRAM() throws(StrobeError) -> strobe_i2c {
        guard usesRegisters, strobe_i2c_loopback_ram(&registers) == 0 else {
            throw .unsupported("an I2C loopback needs the register path on a RAM-backed RP1 block")
        }
        return registers
    }
    private let soft: SoftI2C<Controller>?

    /// Claims `sda` and `scl` on `controller` as open-drain lines and configures a bus.
    /// - Throws: ``StrobeError/invalidArgument(_:)`` for the same pin twice;
    ///   ``StrobeError/outOfRange(parameter:value:range:)`` for a rate not finite or not whole
    ///   hertz in 1 Hz…100 MHz, or above what a kernel backend reaches (measured), a stretch
    ///   timeout outside 1 ns…10 s; the errors of claiming a pin — then nothing stays claimed.
    public convenience init(_ controller: Controller, sda: Int, scl: Int, configuration: I2CConfiguration = I2CConfiguration()) throws(StrobeError) {
        try self.init(controller, sda: sda, scl: scl, configuration: configuration, forceSwiftLoop: false)
    }

    /// As the public init; `forceSwiftLoop` runs a ``Board`` on the Swift loop (tests check it
    /// against the same bench as the C engine).
    init(_ controller: Controller, sda: Int, scl: Int, configuration: I2CConfiguration, forceSwiftLoop: Bool) throws(StrobeError) {
        guard sda != scl else { throw .invalidArgument("an I2C bus needs two pins; SDA and SCL are both GPIO \(sda)") }
        var hz = STROBE_I2C_HZ_MAX
        if case .hertz(let rate) = configuration.clock {
            let limit = Double(STROBE_I2C_HZ_LIMIT)
            let checked = try Checked.double(rate, "the I2C clock rate", in: 1...limit, unit: " Hz")
            guard checked == checked.rounded() else {
                throw .outOfRange(parameter: "the I2C clock rate", value: "\(rate) Hz", range: "whole hertz, 1 Hz…100000000 Hz")
            }
            hz = UInt32(checked)
        }
        let timeout = try Checked.nanoseconds(configuration.stretchTimeout, "the I2C clock-stretching timeout", minimum: 1,
                                              maximum: STROBE_I2C_MAX_STRETCH_NS)
        self.controller = controller
        self.sda = sda
        self.scl = scl
        self.configuration = configuration
        if hz != STROBE_I2C_HZ_MAX {
            var low: UInt64 = 0, high: UInt64 = 0
            _ = strobe_i2c_split(hz, &low, &high)
            clockTiming = (.nanoseconds(Int64(low)), .nanoseconds(Int64(high)))
        } else {
            clockTiming = nil
        }
        // SCL first: a released SCL keeps any target from seeing SDA's claim as a START.
        sclClaim = try controller.claimOpenDrainLine(scl, pull: configuration.pullUp)
        do {
            sdaClaim = try controller.claimOpenDrainLine(sda, pull: configuration.pullUp)
        } catch {
            controller.releaseLine(scl, token: sclClaim.token, keepState: false)
            throw error
        }
        let board = controller as? Board
        let clock = board?.simulation?.clock ?? strobe_clock_monotonic()
        if let board, !forceSwiftLoop {
            var c = strobe_i2c_config(sda: Int32(sda), scl: Int32(scl), hz: hz, stretch_timeout_ns: timeout)
            let rc = strobe_i2c_init(&registers, board.layout.cValue, strobe_gpio_block(board.gpio), &c, clock)
            guard rc == 0 else {
                Self.release(controller, sda, sdaClaim, scl, sclClaim)
                throw .invalidArgument("the I2C configuration was refused (errno \(-rc))")
            }
            strobe_i2c_set_guard(&registers, board.gpio, sdaClaim.token, sclClaim.token)
            usesRegisters = true
            soft = nil
        } else {
            let engine = SoftI2C<Controller>(sda: sdaClaim.line, scl: sclClaim.line, hz: hz, timeout: timeout, clock: clock)
            if hz != STROBE_I2C_HZ_MAX, board == nil {
                do throws(StrobeError) {
                    let line = sclClaim.line
                    let cost = try EdgeCost.measure(backend: controller.backendDescription) { () throws(StrobeError) in
                        try Controller.openDrainRelease(line)
                    }
                    try cost.check(rate: Double(hz), edgesPerCycle: SoftI2C<Controller>.changesPerCycle, parameter: "the I2C clock rate")
                } catch {
                    Self.release(controller, sda, sdaClaim, scl, sclClaim)
                    throw error
                }
            }
            usesRegisters = false
            soft = engine
        }
    }

    private static func release(_ c: Controller, _ sda: Int, _ sdaClaim: Claimed<Controller.Line>, _ scl: Int, _ sclClaim: Claimed<Controller.Line>) {
        c.releaseLine(sda, token: sdaClaim.token, keepState: false)
        c.releaseLine(scl, token: sclClaim.token, keepState: false)
    }

    deinit { Self.release(controller, sda, sdaClaim, scl, sclClaim) }

    /// Whether the transactions run in C on the registers (true on a ``Board``).
    public var runsInC: Bool { usesRegisters }

    /// One transaction (see ``I2CBus/transfer(_:_:)``). When SDA is held low before the START
    /// the bus is recovered first (``recover()``).
    public func transfer(_ address: I2CAddress, _ operations: [I2COperation]) throws(StrobeError) -> [[UInt8]] {
        try checkI2COperations(operations)
        let total = operations.reduce(0) { n, op in
            switch op {
            case .write(let b): n + b.count
            case .read(let c): n + c
            }
        }
        let storage = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(1, total))
        defer { storage.deallocate() }
        var ops: [strobe_i2c_op] = []
        ops.reserveCapacity(operations.count)
        var offset = 0, reads = 0
        for op in operations {
            let base = storage.baseAddress! + offset
            switch op {
            case .write(let bytes):
                bytes.withUnsafeBufferPointer { src in
                    if let from = src.baseAddress { base.update(from: from, count: src.count) } // one copy, not a loop
                }
                ops.append(strobe_i2c_op(data: base, length: bytes.count, read: false, block_count: false))
                offset += bytes.count
            case .read(let count):
                ops.append(strobe_i2c_op(data: base, length: count, read: true, block_count: false))
                offset += count
                reads += 1
            }
        }
        try run(address, &ops)
        guard reads > 0 else { return [] }
        return ops.filter(\.read).map { Array(UnsafeBufferPointer(start: $0.data, count: $0.length)) }
    }

    /// SMBus block read that stops after the count byte's worth (SMBus 3.1 section 6.5.7): a
    /// count of 0 or over 32 is NACKed at once and the transaction ended.
    public func readBlockData(_ a: I2CAddress, register: UInt8) throws(StrobeError) -> [UInt8] {
        let storage = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: smbusBlockMaximum + 2)
        defer { storage.deallocate() }
        storage[0] = register
        var ops = [strobe_i2c_op(data: storage.baseAddress!, length: 1, read: false, block_count: false),
                   strobe_i2c_op(data: storage.baseAddress! + 1, length: smbusBlockMaximum + 1, read: true, block_count: true)]
        try run(a, &ops)
        return Array(UnsafeBufferPointer(start: ops[1].data + 1, count: ops[1].length - 1))
    }

    /// Bus clear (UM10204 3.1.16): up to nine clocks until a target lets go of SDA, then a STOP.
    /// - Throws: ``StrobeError/i2cBusStuck(_:)`` when SDA or SCL is still held low.
    public func recover() throws(StrobeError) {
        var result = strobe_i2c_result()
        let rc: Int32
        if let soft { rc = try soft.recover(&result) } else { rc = strobe_i2c_recover(&registers, &result) }
        try check(rc, result, address: nil, ops: [])
    }

    private func run(_ address: I2CAddress, _ ops: inout [strobe_i2c_op]) throws(StrobeError) {
        var result = strobe_i2c_result()
        let rc: Int32
        if let soft {
            rc = try ops.withUnsafeMutableBufferPointer { (p) throws(StrobeError) -> Int32 in
                try soft.transfer(UInt32(address.value), address.isTenBit, p, &result)
            }
        } else {
            rc = ops.withUnsafeMutableBufferPointer { p in
                strobe_i2c_transfer(&registers, UInt32(address.value), address.isTenBit, p.baseAddress, p.count, &result)
            }
        }
        try check(rc, result, address: address, ops: ops)
    }

    private func check(_ rc: Int32, _ r: strobe_i2c_result, address: I2CAddress?, ops: [strobe_i2c_op]) throws(StrobeError) {
        guard rc != 0 else { return }
        let who = address.map { "\($0)" } ?? "the bus"
        let line = r.line == Int32(STROBE_I2C_LINE_SCL.rawValue) ? "SCL (GPIO \(scl))" : "SDA (GPIO \(sda))"
        switch -rc {
        case ENXIO: throw .i2cNack(address: address?.value ?? 0, byteIndex: nil)
        case EIO: throw .i2cNack(address: address?.value ?? 0, byteIndex: r.byte)
        case ETIMEDOUT: throw .i2cClockStretchTimeout(address: address?.value, waited: .nanoseconds(Int64(clamping: r.waited_ns)))
        case EBUSY where r.line == Int32(STROBE_I2C_LINE_SCL.rawValue):
            throw .i2cBusStuck("\(line) is held low (waited \(formatNanoseconds(configuration.stretchTimeout.clampedNanoseconds))) before talking to \(who): a device holds the clock, SCL is shorted to ground, or it has no pull-up; check the wiring and pull-ups, reset or power-cycle the device")
        case EBUSY:
            throw .i2cBusStuck("\(line) is held low: \(STROBE_I2C_RECOVERY_CLOCKS) clocks and a STOP (UM10204 3.1.16) didn't free it, so a device is stuck mid-byte or SDA is shorted to ground; check the wiring, reset or power-cycle the device")
        case EAGAIN:
            throw .i2cBusStuck("SDA (GPIO \(sda)) read low while the master sent a 1 to \(who): another master won arbitration, or a device drives SDA out of turn; retry, or look for a second master on the bus")
        case EPROTO:
            var count = 0
            for op in ops where op.block_count { count = Int(op.data[0]) }
            if let address { try checkBlockCount(count, from: address) }
            throw .invalidArgument("the block read from \(who) failed")
        case EBADF: throw .pinReleased(sda)
        default: throw .invalidArgument("the I2C transfer with \(who) was refused (errno \(-rc))")
        }
    }
}

extension GPIOController {
    /// A bit-banged I2C bus on `sda` and `scl` (see ``BitBangI2C``).
    public func i2c(sda: Int, scl: Int, configuration: I2CConfiguration = I2CConfiguration()) throws(StrobeError) -> BitBangI2C<Self> {
        try BitBangI2C(self, sda: sda, scl: scl, configuration: configuration)
    }
}

/// The I2C master as a Swift loop over a controller's open-drain calls, for backends whose line
/// changes are system calls (libgpiod, sysfs): the same protocol and timing as `i2c.c`, the
/// same result codes (negative errno, a `strobe_i2c_result`), so one mapping makes the errors.
final class SoftI2C<Controller: GPIOController> {
    /// Line changes and reads in one clock cycle at most: SCL low, SDA, SCL released, SCL read,
    /// SDA read.
    static var changesPerCycle: Int { 5 }

    let sda: Controller.Line, scl: Controller.Line
    let timed: Bool
    let hz: UInt64, period: UInt64, rem: UInt64, tLow: UInt64, tHigh: UInt64, tData: UInt64
    let timeout: UInt64
    var clock: strobe_clock
    var lastStop: UInt64 = 0
    private var t: UInt64 = 0, acc: UInt64 = 0, sdaLow = false
    private var waited: UInt64 = 0

    init(sda: Controller.Line, scl: Controller.Line, hz: UInt32, timeout: UInt64, clock: strobe_clock) {
        self.sda = sda
        self.scl = scl
        self.timeout = timeout
        self.clock = clock
        timed = hz != STROBE_I2C_HZ_MAX
        self.hz = UInt64(hz)
        var low: UInt64 = 0, high: UInt64 = 0
        if timed { _ = strobe_i2c_split(hz, &low, &high) }
        period = timed ? 1_000_000_000 / UInt64(hz) : 0
        rem = timed ? 1_000_000_000 % UInt64(hz) : 0
        tLow = low
        tHigh = high
        tData = low / 2
        if timed { lastStop = strobe_clock_now(&self.clock) } // the first START waits a bus-free time from here
    }

    private func now() -> UInt64 { strobe_clock_now(&clock) }
    private func wait(_ deadline: UInt64) { if timed { strobe_clock_spin_until(&clock, deadline) } }

    private func setSDA(low: Bool) throws(StrobeError) {
        guard low != sdaLow else { return }
        if low { try Controller.openDrainLow(sda) } else { try Controller.openDrainRelease(sda) }
        sdaLow = low
    }

    private func releaseBoth() throws(StrobeError) {
        sdaLow = true
        try setSDA(low: false)
        try Controller.openDrainRelease(scl)
    }

    /// SCL read until high: the rise time (`expected`, or when it was seen high when late), or
    /// nil after the timeout (`waited` set).
    private func waitSCL(expected: UInt64) -> UInt64? {
        if Controller.read(scl) { return expected }
        let start = now()
        while true {
            let n = now()
            if Controller.read(scl) { return max(n, expected) }
            if n &- start >= timeout { waited = n &- start; return nil }
            if clock.virtual_time { strobe_clock_spin_until(&clock, n + 10) }
        }
    }

    private func nextPeriod() {
        t += period
        acc += rem
        if acc >= hz { acc -= hz; t += 1 }
    }

    /// One clock cycle (see `cycle` in i2c.c): 0, -ETIMEDOUT or -EAGAIN; `bit` true releases SDA.
    private func cycle(_ bit: Bool, check: Bool, _ level: inout Bool) throws(StrobeError) -> Int32 {
        wait(t)
        try Controller.openDrainLow(scl)
        wait(t + tData)
        try setSDA(low: !bit)
        let expected = t + tLow
        wait(expected)
        try Controller.openDrainRelease(scl)
        guard let rise = waitSCL(expected: expected) else { return -ETIMEDOUT }
        level = Controller.read(sda)
        if check && bit && !level { return -EAGAIN }
        t += rise - expected
        nextPeriod()
        return 0
    }

    private func sendByte(_ byte: UInt8) throws(StrobeError) -> Int32 {
        var level = false
        for i in (0..<8).reversed() {
            let rc = try cycle((byte >> UInt8(i)) & 1 == 1, check: true, &level)
            if rc != 0 { return rc }
        }
        let rc = try cycle(true, check: false, &level)
        return rc != 0 ? rc : (level ? 1 : 0)
    }

    private func receiveBits() throws(StrobeError) -> (Int32, UInt8) {
        var v: UInt8 = 0, level = false
        for _ in 0..<8 {
            let rc = try cycle(true, check: false, &level)
            if rc != 0 { return (rc, 0) }
            v = v << 1 | (level ? 1 : 0)
        }
        return (0, v)
    }

    /// The first half of a STOP or a repeated START (see `clock_up` in i2c.c): the rise time,
    /// or nil after the stretch timeout.
    private func clockUp(sdaLow: Bool) throws(StrobeError) -> UInt64? {
        wait(t)
        try Controller.openDrainLow(scl)
        wait(t + tData)
        try setSDA(low: sdaLow)
        let expected = t + tLow
        wait(expected)
        try Controller.openDrainRelease(scl)
        return waitSCL(expected: expected)
    }

    private func stop() throws(StrobeError) -> Int32 {
        guard let rise = try clockUp(sdaLow: true) else { return -ETIMEDOUT }
        wait(rise + tHigh)
        try setSDA(low: false)
        lastStop = timed ? rise + tHigh : 0
        return 0
    }

    private func repeatedStart() throws(StrobeError) -> Int32 {
        guard let rise = try clockUp(sdaLow: false) else { return -ETIMEDOUT }
        if !Controller.read(sda) { return -EAGAIN }
        wait(rise + tLow)
        try setSDA(low: true)
        t = rise + tLow + tHigh
        acc = 0
        return 0
    }

    private func recoverBus(_ out: inout strobe_i2c_result) throws(StrobeError) -> Int32 {
        let scl = Int32(STROBE_I2C_LINE_SCL.rawValue), sdaLine = Int32(STROBE_I2C_LINE_SDA.rawValue)
        try releaseBoth()
        let n = now()
        guard let rise = waitSCL(expected: n) else { out.line = scl; out.waited_ns = waited; return -EBUSY }
        t = rise + tHigh
        acc = 0
        var clocks: UInt32 = 0, level = false
        while !Controller.read(sda) && clocks < STROBE_I2C_RECOVERY_CLOCKS {
            if try cycle(true, check: false, &level) != 0 { try releaseBoth(); out.line = scl; return -EBUSY }
            clocks += 1
        }
        out.recovery_clocks = clocks
        guard Controller.read(sda) else { out.line = sdaLine; return -EBUSY }
        if try stop() != 0 { try releaseBoth(); out.line = scl; return -EBUSY }
        guard Controller.read(sda) else { out.line = sdaLine; return -EBUSY }
        return 0
    }

    func recover(_ out: inout strobe_i2c_result) throws(StrobeError) -> Int32 {
        let rc = try recoverBus(&out)
        try releaseBoth()
        return rc
    }

    private func start(_ out: inout strobe_i2c_result) throws(StrobeError) -> Int32 {
        let n = now()
        guard waitSCL(expected: n) != nil else {
            out.line = Int32(STROBE_I2C_LINE_SCL.rawValue)
            out.waited_ns = waited
            return -EBUSY
        }
        if !Controller.read(sda) {
            let rc = try recoverBus(&out)
            if rc != 0 { return rc }
            out.recovered = true
        }
        var t0: UInt64 = 0
        if timed {
            t0 = max(now(), strobe_time_add_saturating(lastStop, tLow))
            wait(t0)
        }
        try setSDA(low: true)
        t = t0 + tHigh
        acc = 0
        return 0
    }

    func transfer(_ address: UInt32, _ tenBit: Bool, _ ops: UnsafeMutableBufferPointer<strobe_i2c_op>,
                  _ out: inout strobe_i2c_result) throws(StrobeError) -> Int32 {
        out = strobe_i2c_result()
        out.op = ops.count
        do throws(StrobeError) {
            let rc = try run(address, tenBit, ops, &out)
            if rc == -ETIMEDOUT { out.waited_ns = waited }
            try releaseBoth()
            return rc
        } catch {
            try? releaseBoth()
            throw error
        }
    }

    private func run(_ address: UInt32, _ tenBit: Bool, _ ops: UnsafeMutableBufferPointer<strobe_i2c_op>,
                     _ out: inout strobe_i2c_result) throws(StrobeError) -> Int32 {
        sdaLow = true
        try releaseBoth()
        var rc = try start(&out)
        if rc != 0 { return rc }
        var written = 0
        let prefix = UInt8(0xF0 | ((address >> 8) & 3) << 1)
        var level = false
        opLoop: for i in 0..<ops.count {
            let op = ops[i]
            out.op = i
            if i > 0 {
                rc = try repeatedStart()
                if rc != 0 { break }
            }
            var a: Int32
            if !tenBit { a = try sendByte(UInt8(truncatingIfNeeded: address << 1) | (op.read ? 1 : 0)) }
            else if op.read && i > 0 { a = try sendByte(prefix | 1) }
            else {
                a = try sendByte(prefix)
                if a == 0 { a = try sendByte(UInt8(truncatingIfNeeded: address)) }
                if a == 0 && op.read {
                    a = try repeatedStart()
                    if a == 0 { a = try sendByte(prefix | 1) }
                }
            }
            if a == 1 { out.address_nack = true; rc = -ENXIO; break }
            if a < 0 { rc = a; break }
            if !op.read {
                for k in 0..<op.length {
                    let ack = try sendByte(op.data[k])
                    if ack == 1 { out.byte = written; rc = -EIO; break opLoop }
                    if ack < 0 { rc = ack; break opLoop }
                    written += 1
                }
                continue
            }
            var length = op.length
            var k = 0
            while k < length {
                let (r, v) = try receiveBits()
                if r != 0 { rc = r; break opLoop }
                op.data[k] = v
                var ack = k + 1 < length
                if op.block_count && k == 0 {
                    let count = Int(v)
                    let ok = (1...smbusBlockMaximum).contains(count) && count <= op.length - 1
                    ack = ok
                    rc = try cycle(!ack, check: false, &level)
                    if rc != 0 { break opLoop }
                    if !ok { rc = -EPROTO; break opLoop }
                    length = count + 1
                    ops[i].length = length
                    k += 1
                    continue
                }
                rc = try cycle(!ack, check: false, &level)
                if rc != 0 { break opLoop }
                k += 1
            }
        }
        if rc == 0 {
            rc = try stop()
            if rc == 0 { out.op = ops.count }
        } else if rc != -ETIMEDOUT && rc != -EAGAIN {
            _ = try stop()
        }
        return rc
    }
}
