import CStrobe

/// An SPI mode: clock polarity (CPOL, the level SCK idles at) and phase (CPHA: 0 samples on
/// each clock's leading edge, 1 on its trailing edge), numbered CPOL·2 + CPHA as datasheets do.
public enum SPIMode: Int, Sendable, Hashable, CaseIterable {
    /// CPOL 0, CPHA 0: SCK idles low, data sampled on rising edges.
    case mode0 = 0
    /// CPOL 0, CPHA 1: SCK idles low, data sampled on falling edges.
    case mode1 = 1
    /// CPOL 1, CPHA 0: SCK idles high, data sampled on falling edges.
    case mode2 = 2
    /// CPOL 1, CPHA 1: SCK idles high, data sampled on rising edges.
    case mode3 = 3

    /// The level SCK idles at: high for modes 2 and 3.
    public var clockIdlesHigh: Bool { rawValue & 2 != 0 }
    /// Whether data is sampled on each clock's trailing edge (modes 1 and 3).
    public var samplesOnTrailingEdge: Bool { rawValue & 1 != 0 }
}

/// The order of a word's bits on the wire.
public enum SPIBitOrder: Sendable, Hashable, CaseIterable {
    /// Most significant bit first: nearly every device.
    case msbFirst
    /// Least significant bit first.
    case lsbFirst
}

/// How fast the bus clocks.
public enum SPIClock: Sendable, Hashable {
    /// A rate in hertz, 1 Hz…500 MHz on the register path (edges at exact deadlines, so the
    /// mean rate is the one asked for; how high the hardware follows depends on the Pi).
    case hertz(Double)
    /// As fast as the pins go: no waits between edges.
    case maximum
}

/// How the bus selects its device.
public enum SPIChipSelect: Sendable, Hashable {
    /// No chip select: the device is always selected (or selected by other means).
    case none
    /// `pin` goes low while a transfer runs: nearly every device.
    case activeLow(Int)
    /// `pin` goes high while a transfer runs.
    case activeHigh(Int)

    /// The chip-select pin, if any.
    public var pin: Int? {
        switch self {
        case .none: nil
        case .activeLow(let p), .activeHigh(let p): p
        }
    }
}

/// What an SPI bus is: its framing and timing. The pins are the backend's business (GPIO
/// numbers for a bit-banged bus, a device node for a kernel one).
public struct SPIConfiguration: Sendable, Hashable {
    /// Clock polarity and phase.
    public var mode: SPIMode
    /// Bit order within a word.
    public var bitOrder: SPIBitOrder
    /// Bits per word, 1…32.
    public var wordSize: Int
    /// The clock rate.
    public var clock: SPIClock
    /// Time from chip select asserted to the first bit; `nil` for half a clock period (none
    /// at ``SPIClock/maximum``).
    public var chipSelectSetup: Duration?
    /// Time from the end of the last clock period to chip select released; `nil` for half a
    /// clock period (none at ``SPIClock/maximum``).
    public var chipSelectHold: Duration?

    /// A configuration; the defaults are mode 0, MSB first, 8-bit words, 1 MHz.
    public init(mode: SPIMode = .mode0, bitOrder: SPIBitOrder = .msbFirst, wordSize: Int = 8,
                clock: SPIClock = .hertz(1_000_000), chipSelectSetup: Duration? = nil, chipSelectHold: Duration? = nil) {
        self.mode = mode
        self.bitOrder = bitOrder
        self.wordSize = wordSize
        self.clock = clock
        self.chipSelectSetup = chipSelectSetup
        self.chipSelectHold = chipSelectHold
    }
}

/// An SPI master. Words are the low ``SPIConfiguration/wordSize`` bits of a `UInt32`; one call
/// is one transfer with chip select asserted throughout, the words clocked back to back.
///
/// Backends: ``BitBangSPI`` on any ``GPIOController`` (the C engine on registers, a Swift loop
/// on libgpiod and sysfs); kernel buses (spidev) may conform too — nothing here assumes registers.
public protocol SPIBus {
    /// The bus's framing and timing.
    var configuration: SPIConfiguration { get }
    /// Full duplex: sends `words` and returns the words received meanwhile, as many.
    /// - Throws: ``StrobeError/outOfRange(parameter:value:range:)`` for a word wider than the
    ///   word size; ``StrobeError/unsupported(_:)`` when the bus has no MOSI or no MISO.
    func transfer(_ words: [UInt32]) throws(StrobeError) -> [UInt32]
    /// Sends `words` without reading (MISO is not sampled).
    func write(_ words: [UInt32]) throws(StrobeError)
    /// Clocks in `count` words while sending zeros.
    func read(count: Int) throws(StrobeError) -> [UInt32]
}

extension SPIBus {
    /// Full duplex in bytes, for word sizes up to 8: sends `bytes`, returns what came back.
    /// - Throws: ``StrobeError/unsupported(_:)`` when the word size is over 8 bits.
    public func transfer(bytes: [UInt8]) throws(StrobeError) -> [UInt8] {
        try bytesOnly()
        return try transfer(bytes.map { UInt32($0) }).map { UInt8(truncatingIfNeeded: $0) }
    }

    /// Sends `bytes`, for word sizes up to 8.
    public func write(bytes: [UInt8]) throws(StrobeError) {
        try bytesOnly()
        try write(bytes.map { UInt32($0) })
    }

    private func bytesOnly() throws(StrobeError) {
        guard configuration.wordSize <= 8 else {
            throw .unsupported("byte transfers need a word size of 8 bits or less; this bus's words are \(configuration.wordSize) bits: use transfer(_:) with UInt32 words")
        }
    }
}

/// The pins of a bit-banged SPI bus, as GPIO numbers.
public struct SPIPins: Sendable, Hashable {
    /// The clock.
    public var sck: Int
    /// Master out, slave in; `nil` for a bus that only reads.
    public var mosi: Int?
    /// Master in, slave out; `nil` for a bus that only writes.
    public var miso: Int?
    /// Chip select and its polarity.
    public var chipSelect: SPIChipSelect

    /// The pins of a bus.
    public init(sck: Int, mosi: Int?, miso: Int?, chipSelect: SPIChipSelect) {
        self.sck = sck
        self.mosi = mosi
        self.miso = miso
        self.chipSelect = chipSelect
    }
}

/// A bit-banged SPI master over any ``GPIOController``.
///
/// On a ``Board`` (registers: hardware, the virtual bench, RAM) the clock loop is C
/// (`strobe_spi.h`): one store per edge, timed on the board's clock — virtual time on the
/// virtual bench, so traces carry exact edges; on hardware the calibrated busy-wait clock
/// (`strobe_clock_busy`). Rates reach MHz there.
///
/// On a syscall backend (``GpiodChip``, ``SysfsGPIO``) the same framing — modes, bit orders,
/// word sizes, chip select with set-up and hold — runs as a Swift loop over the controller's
/// `set`, `clear` and `read`, its edges at the same drift-free deadlines on the monotonic
/// clock. Every edge is a system call there, so ``init(controller:pins:configuration:)``
/// measures what one costs on the bus's own SCK line (re-driving its idle level) and refuses a
/// rate the backend can't reach; ``SPIClock/maximum`` is allowed and means as fast as the
/// system calls go.
///
/// The bus claims its pins for its lifetime — SCK, MOSI and CS as outputs (SCK at its idle
/// level, CS released), MISO as an input — and gives them back, restored, when it is dropped.
/// Not thread-safe: one thread at a time transfers.
public final class BitBangSPI<Controller: GPIOController>: SPIBus {
    /// The bus's framing and timing.
    public let configuration: SPIConfiguration
    /// The bus's pins.
    public let pins: SPIPins
    /// The controller whose lines it drives.
    public let controller: Controller
    /// What one line change costs on a syscall backend, measured when the bus was made (`nil`
    /// on the register path, where an edge is one store).
    package private(set) var edgeCost: EdgeCost? = nil
    private var spi = strobe_spi()
    /// The C engine's bus (registers only: zeroed for other controllers), for `strobe bench`'s
    /// C loop, which must drive the very same bus.
    package var registerBus: strobe_spi { spi }
    private let onRegisters: Bool
    private var lines: LineSPI<Controller>?
    private var claims: [(pin: Int, token: UInt64)] = []

    /// Claims `pins` on `controller` and configures a bus.
    /// - Throws: ``StrobeError/invalidPin(_:layout:)`` (registers) or the controller's own
    ///   error (``StrobeError/invalidLine(_:chip:count:)``…) for a pin it lacks;
    ///   ``StrobeError/invalidArgument(_:)`` for a pin used twice or a bus with neither MOSI
    ///   nor MISO; ``StrobeError/outOfRange(parameter:value:range:)`` for a word size outside
    ///   1…32, a rate not finite or outside 1 Hz…500 MHz, a set-up or hold time over 1 s, and
    ///   on a syscall backend for a rate above what its measured edge cost allows
    ///   (see ``edgesPerCycle``); ``StrobeError/pinInUse(_:)`` (and the others of
    ///   ``GPIOController/claimLine(_:initial:pull:)``) when a pin can't be claimed. Whatever
    ///   fails, nothing stays claimed.
    public init(controller: Controller, pins: SPIPins, configuration: SPIConfiguration = SPIConfiguration()) throws(StrobeError) {
        self.controller = controller
        self.pins = pins
        self.configuration = configuration
        let board = controller as? Board
        onRegisters = board != nil
        let all = [pins.sck, pins.mosi, pins.miso, pins.chipSelect.pin].compactMap { $0 }
        if let board {
            for pin in all where pin < 0 || pin >= board.pinCount { throw .invalidPin(pin, layout: board.layout) }
        }
        guard Set(all).count == all.count else {
            let named = zip(["SCK", "MOSI", "MISO", "CS"], [pins.sck, pins.mosi, pins.miso, pins.chipSelect.pin])
                .compactMap { name, pin in pin.map { "\(name) \($0)" } }
            throw .invalidArgument("an SPI bus needs distinct pins; \(named.joined(separator: ", ")) uses one twice")
        }
        guard pins.mosi != nil || pins.miso != nil else {
            throw .invalidArgument("an SPI bus needs MOSI, MISO or both")
        }
        let bits = try Checked.int(configuration.wordSize, "the SPI word size", in: 1...32, unit: " bits")
        var c = strobe_spi_config()
        c.sck = Int32(pins.sck)
        c.mosi = Int32(pins.mosi ?? -1)
        c.miso = Int32(pins.miso ?? -1)
        c.cs = Int32(pins.chipSelect.pin ?? -1)
        c.mode = UInt32(configuration.mode.rawValue)
        c.bit_order = configuration.bitOrder == .msbFirst ? UInt32(STROBE_SPI_MSB_FIRST.rawValue) : UInt32(STROBE_SPI_LSB_FIRST.rawValue)
        c.word_bits = UInt32(bits)
        var halfPeriod: UInt64 = 0
        var rate: Double? = nil
        switch configuration.clock {
        case .maximum:
            c.hz = STROBE_SPI_HZ_MAX
        case .hertz(let hz):
            let checked = try Checked.double(hz, "the SPI clock rate", in: 1...Double(STROBE_SPI_HZ_LIMIT), unit: " Hz")
            guard checked == checked.rounded() else {
                throw .outOfRange(parameter: "the SPI clock rate", value: "\(hz) Hz", range: "whole hertz, 1 Hz…500000000 Hz")
            }
            c.hz = UInt32(checked)
            rate = checked
            halfPeriod = 500_000_000 / UInt64(c.hz)
        }
        switch pins.chipSelect {
        case .none: c.cs_polarity = Int32(STROBE_SPI_CS_NONE.rawValue)
        case .activeLow: c.cs_polarity = Int32(STROBE_SPI_CS_ACTIVE_LOW.rawValue)
        case .activeHigh: c.cs_polarity = Int32(STROBE_SPI_CS_ACTIVE_HIGH.rawValue)
        }
        c.cs_setup_ns = halfPeriod
        c.cs_hold_ns = halfPeriod
        if let d = configuration.chipSelectSetup {
            c.cs_setup_ns = try Checked.nanoseconds(d, "the chip-select set-up time", maximum: STROBE_SPI_MAX_CS_TIME_NS)
        }
        if let d = configuration.chipSelectHold {
            c.cs_hold_ns = try Checked.nanoseconds(d, "the chip-select hold time", maximum: STROBE_SPI_MAX_CS_TIME_NS)
        }
        if let board {
            let clock = board.simulation?.clock ?? strobe_clock_busy()
            let rc = strobe_spi_init(&spi, board.layout.cValue, strobe_gpio_block(board.gpio), &c, clock)
            guard rc == 0 else { throw .invalidArgument("the SPI configuration was refused (errno \(-rc))") }
        }
        // Claim: CS released and SCK idle before they become outputs, so nothing glitches.
        var claimed: (sck: Controller.Line?, mosi: Controller.Line?, miso: Controller.Line?, cs: Controller.Line?) = (nil, nil, nil, nil)
        do throws(StrobeError) {
            if let cs = pins.chipSelect.pin {
                let released: Level = if case .activeHigh = pins.chipSelect { .low } else { .high }
                claimed.cs = try claim(cs, initial: released)
            }
            claimed.sck = try claim(pins.sck, initial: Level(configuration.mode.clockIdlesHigh))
            if let mosi = pins.mosi { claimed.mosi = try claim(mosi, initial: .low) }
            if let miso = pins.miso { claimed.miso = try claim(miso, initial: nil) }
        } catch {
            releaseAll()
            throw error
        }
        if board != nil {
            strobe_spi_idle(&spi)
            return
        }
        let bus = LineSPI<Controller>(sck: claimed.sck!, mosi: claimed.mosi, miso: claimed.miso, cs: claimed.cs,
                                      config: c, clock: strobe_clock_busy())
        // What an edge costs here, on SCK itself: re-driving its idle level changes nothing on the wire.
        do throws(StrobeError) {
            let cost = try EdgeCost.measure(backend: controller.backendDescription) { bus.idleClock() }
            if let rate { try cost.check(rate: rate, edgesPerCycle: Self.edgesPerCycle(pins), parameter: "the SPI clock rate") }
            edgeCost = cost
        } catch {
            releaseAll()
            throw error
        }
        lines = bus
    }

    /// The line operations one clock cycle may need on a syscall backend, for the rate check:
    /// SCK's two edges, a MOSI change when the bus has MOSI, a MISO read when it has MISO
    /// (the worst case: a bus that only ever sends zeros would need fewer).
    public static func edgesPerCycle(_ pins: SPIPins) -> Int { 2 + (pins.mosi == nil ? 0 : 1) + (pins.miso == nil ? 0 : 1) }

    private func claim(_ pin: Int, initial: Level?) throws(StrobeError) -> Controller.Line {
        let claimed = try controller.claimLine(pin, initial: initial, pull: nil)
        claims.append((pin, claimed.token))
        return claimed.line
    }

    private func releaseAll() {
        for (pin, token) in claims { controller.releaseLine(pin, token: token, keepState: false) }
        claims = []
    }

    deinit { releaseAll() }

    /// Full duplex: sends `words`, returns as many received.
    public func transfer(_ words: [UInt32]) throws(StrobeError) -> [UInt32] {
        try need(pins.mosi, "MOSI", "transfer(_:)")
        try need(pins.miso, "MISO", "transfer(_:)")
        if let lines {
            try checkWords(words)
            var rx = [UInt32](repeating: 0, count: words.count)
            rx.withUnsafeMutableBufferPointer { lines.clock(tx: words, rx: $0) }
            return rx
        }
        // The C engine writes every word it receives: no zero fill first (a store per word).
        guard !words.isEmpty else { return [] }
        var rc: Int32 = 0
        let rx = [UInt32](unsafeUninitializedCapacity: words.count) { buffer, initialized in
            rc = words.withUnsafeBufferPointer { tx in strobe_spi_transfer(&spi, tx.baseAddress, tx.count, buffer.baseAddress, tx.count) }
            initialized = rc == 0 ? words.count : 0
        }
        try done(rc, words)
        return rx
    }

    /// Sends `words` without sampling MISO.
    public func write(_ words: [UInt32]) throws(StrobeError) {
        try need(pins.mosi, "MOSI", "write(_:)")
        if let lines {
            try checkWords(words)
            lines.clock(tx: words, rx: nil)
            return
        }
        guard !words.isEmpty else { return }
        let rc = words.withUnsafeBufferPointer { tx in strobe_spi_transfer(&spi, tx.baseAddress, tx.count, nil, 0) }
        try done(rc, words)
    }

    /// Clocks in `count` words (MOSI, if the bus has one, stays low).
    /// - Throws: ``StrobeError/outOfRange(parameter:value:range:)`` for a negative count.
    public func read(count: Int) throws(StrobeError) -> [UInt32] {
        try need(pins.miso, "MISO", "read(count:)")
        let n = try Checked.int(count, "the number of words to read", in: 0...Int.max)
        if let lines {
            var rx = [UInt32](repeating: 0, count: n)
            rx.withUnsafeMutableBufferPointer { lines.clock(tx: nil, rx: $0) }
            return rx
        }
        guard n > 0 else { return [] }
        var rc: Int32 = 0
        let rx = [UInt32](unsafeUninitializedCapacity: n) { buffer, initialized in
            rc = strobe_spi_transfer(&spi, nil, 0, buffer.baseAddress, n)
            initialized = rc == 0 ? n : 0
        }
        try done(rc, [])
        return rx
    }

    private func need(_ pin: Int?, _ name: String, _ call: String) throws(StrobeError) {
        guard pin != nil else { throw .unsupported("this SPI bus has no \(name) pin, so it can't \(call)") }
    }

    private func checkWords(_ words: [UInt32]) throws(StrobeError) {
        let bits = configuration.wordSize
        let limit: UInt32 = bits == 32 ? .max : (1 << UInt32(bits)) - 1
        if let i = words.firstIndex(where: { $0 > limit }) {
            throw .outOfRange(parameter: "SPI word \(i)", value: "0x" + String(words[i], radix: 16),
                              range: "0…0x\(String(limit, radix: 16)) (\(bits)-bit words)")
        }
    }

    /// The C engine checks the words itself (-ERANGE, nothing sent), so the register path
    /// scans them only to name the one at fault.
    private func done(_ rc: Int32, _ words: [UInt32]) throws(StrobeError) {
        guard rc != 0 else { return }
        if rc == -ERANGE { try checkWords(words) }
        throw .invalidArgument("the SPI transfer was refused (errno \(-rc))")
    }
}

/// The clock loop of a bit-banged SPI bus on a syscall backend: the C engine's framing
/// (strobe_spi.h) over `Controller.set/clear/read`, one system call per edge, its deadlines on
/// `clock`.
private final class LineSPI<Controller: GPIOController> {
    let sck: Controller.Line, mosi: Controller.Line?, miso: Controller.Line?, cs: Controller.Line?
    let cpol: Bool, cpha: Bool, lsb: Bool, bits: UInt32
    let csActiveHigh: Bool
    let timed: Bool
    let halfNs: UInt64, halfRem: UInt64, halfDen: UInt64
    let setupNs: UInt64, holdNs: UInt64
    var clockSource: strobe_clock
    /// MOSI's level as last driven (it was claimed low): stored only when it changes.
    var mosiLevel = false

    init(sck: Controller.Line, mosi: Controller.Line?, miso: Controller.Line?, cs: Controller.Line?,
         config c: strobe_spi_config, clock: strobe_clock) {
        self.sck = sck
        self.mosi = mosi
        self.miso = miso
        self.cs = cs
        cpol = c.mode & 2 != 0
        cpha = c.mode & 1 != 0
        lsb = c.bit_order == UInt32(STROBE_SPI_LSB_FIRST.rawValue)
        bits = c.word_bits
        csActiveHigh = c.cs_polarity == Int32(STROBE_SPI_CS_ACTIVE_HIGH.rawValue)
        timed = c.hz != STROBE_SPI_HZ_MAX
        halfDen = timed ? 2 * UInt64(c.hz) : 1
        halfNs = timed ? STROBE_NS_PER_S / halfDen : 0
        halfRem = timed ? STROBE_NS_PER_S % halfDen : 0
        setupNs = c.cs_setup_ns
        holdNs = c.cs_hold_ns
        clockSource = clock
    }

    /// SCK to its idle level (again): what the edge cost is measured with.
    func idleClock() { if cpol { Controller.set(sck) } else { Controller.clear(sck) } }

    private func select(_ on: Bool) {
        guard let cs else { return }
        if csActiveHigh == on { Controller.set(cs) } else { Controller.clear(cs) }
    }

    /// One transfer, CS asserted throughout: `tx` out (zeros when nil), `rx` in when given.
    func clock(tx: [UInt32]?, rx: UnsafeMutableBufferPointer<UInt32>?) {
        let count = tx?.count ?? rx?.count ?? 0
        guard count > 0 else { return }
        select(true)
        var t: UInt64 = 0
        var acc: UInt64 = 0
        if timed || setupNs != 0 {
            t = strobe_time_add_saturating(strobe_clock_now(&clockSource), setupNs)
            strobe_clock_spin_until(&clockSource, t)
        }
        // Leading edge: SCK leaves its idle level; trailing: returns to it.
        let lead = cpol ? Controller.clear : Controller.set
        let trail = cpol ? Controller.set : Controller.clear
        func nextEdge() {
            t &+= halfNs
            acc &+= halfRem
            if acc >= halfDen { acc -= halfDen; t &+= 1 }
            strobe_clock_spin_until(&clockSource, t)
        }
        for w in 0..<count {
            let out = tx?[w] ?? 0
            var word: UInt32 = 0
            for i in 0..<bits {
                let bit: UInt32 = lsb ? 1 << i : 1 << (bits - 1 - i)
                if cpha { lead(sck) } // leading edge, then the bit goes out
                if let mosi {
                    let b = out & bit != 0
                    if b != mosiLevel {
                        if b { Controller.set(mosi) } else { Controller.clear(mosi) }
                        mosiLevel = b
                    }
                }
                if timed { nextEdge() }
                // The sampling edge: leading for CPHA 0, trailing for CPHA 1.
                if cpha { trail(sck) } else { lead(sck) }
                if rx != nil, let miso, Controller.read(miso) { word |= bit }
                if timed { nextEdge() }
                if !cpha { trail(sck) }
            }
            if let rx { rx[w] = word }
        }
        if holdNs != 0 { strobe_clock_spin_for(&clockSource, holdNs) }
        select(false)
    }
}

extension BitBangSPI where Controller == Board {
    /// Claims `pins` on `board`'s registers (see ``init(controller:pins:configuration:)``).
    public convenience init(board: Board, pins: SPIPins, configuration: SPIConfiguration = SPIConfiguration()) throws(StrobeError) {
        try self.init(controller: board, pins: pins, configuration: configuration)
    }

    /// The board whose registers it drives.
    public var board: Board { controller }
}

extension GPIOController {
    /// A bit-banged SPI bus on `pins` (see ``BitBangSPI``): the C engine on a ``Board``'s
    /// registers, a Swift loop at one system call per edge on libgpiod and sysfs.
    public func spi(_ pins: SPIPins, configuration: SPIConfiguration = SPIConfiguration()) throws(StrobeError) -> BitBangSPI<Self> {
        try BitBangSPI(controller: self, pins: pins, configuration: configuration)
    }
}
