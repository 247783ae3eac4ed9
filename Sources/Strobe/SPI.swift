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
/// Backends: ``BitBangSPI`` on a ``Board``'s registers; kernel buses (spidev) may conform too —
/// nothing here assumes registers.
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

/// A bit-banged SPI master on a ``Board``'s registers: the clock loop is C (`strobe_spi.h`),
/// one store per edge, timed on the board's clock (virtual time on the virtual bench, so traces
/// carry exact edges; the real clock on hardware).
///
/// The bus claims its pins for its lifetime — SCK, MOSI and CS as outputs (SCK at its idle
/// level, CS released), MISO as an input — and gives them back, restored, when it is dropped.
/// Not thread-safe: one thread at a time transfers.
public final class BitBangSPI: SPIBus {
    /// The bus's framing and timing.
    public let configuration: SPIConfiguration
    /// The bus's pins.
    public let pins: SPIPins
    /// The board whose registers it drives.
    public let board: Board
    private var spi = strobe_spi()
    private var claims: [UInt64] = []
    private var claimedPins: [Int] = []

    /// Claims `pins` on `board` and configures a bus.
    /// - Throws: ``StrobeError/invalidPin(_:layout:)`` for a pin the board lacks;
    ///   ``StrobeError/invalidArgument(_:)`` for a pin used twice or a bus with neither MOSI
    ///   nor MISO; ``StrobeError/outOfRange(parameter:value:range:)`` for a word size outside
    ///   1…32, a rate not finite or outside 1 Hz…500 MHz, a set-up or hold time over 1 s;
    ///   ``StrobeError/pinInUse(_:)`` (and the others of ``Board/claimLine(_:initial:pull:)``)
    ///   when a pin can't be claimed — then nothing stays claimed.
    public init(board: Board, pins: SPIPins, configuration: SPIConfiguration = SPIConfiguration()) throws(StrobeError) {
        self.board = board
        self.pins = pins
        self.configuration = configuration
        let all = [pins.sck, pins.mosi, pins.miso, pins.chipSelect.pin].compactMap { $0 }
        for pin in all where pin < 0 || pin >= board.pinCount { throw .invalidPin(pin, layout: board.layout) }
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
        switch configuration.clock {
        case .maximum:
            c.hz = STROBE_SPI_HZ_MAX
        case .hertz(let hz):
            let checked = try Checked.double(hz, "the SPI clock rate", in: 1...Double(STROBE_SPI_HZ_LIMIT), unit: " Hz")
            guard checked == checked.rounded() else {
                throw .outOfRange(parameter: "the SPI clock rate", value: "\(hz) Hz", range: "whole hertz, 1 Hz…500000000 Hz")
            }
            c.hz = UInt32(checked)
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
        let clock = board.simulation?.clock ?? strobe_clock_monotonic()
        let rc = strobe_spi_init(&spi, board.layout.cValue, strobe_gpio_block(board.gpio), &c, clock)
        guard rc == 0 else { throw .invalidArgument("the SPI configuration was refused (errno \(-rc))") }
        // Claim: CS released and SCK idle before they become outputs, so nothing glitches.
        do throws(StrobeError) {
            if let cs = pins.chipSelect.pin {
                let released: Level = if case .activeHigh = pins.chipSelect { .low } else { .high }
                try claim(cs, initial: released)
            }
            try claim(pins.sck, initial: Level(configuration.mode.clockIdlesHigh))
            if let mosi = pins.mosi { try claim(mosi, initial: .low) }
            if let miso = pins.miso { try claim(miso, initial: nil) }
        } catch {
            releaseAll()
            throw error
        }
        strobe_spi_idle(&spi)
    }

    private func claim(_ pin: Int, initial: Level?) throws(StrobeError) {
        let claimed = try board.claimLine(pin, initial: initial, pull: nil)
        claims.append(claimed.token)
        claimedPins.append(pin)
    }

    private func releaseAll() {
        for (pin, token) in zip(claimedPins, claims) { board.releaseLine(pin, token: token, keepState: false) }
        claims = []
        claimedPins = []
    }

    deinit { releaseAll() }

    /// Full duplex: sends `words`, returns as many received.
    public func transfer(_ words: [UInt32]) throws(StrobeError) -> [UInt32] {
        try need(pins.mosi, "MOSI", "transfer(_:)")
        try need(pins.miso, "MISO", "transfer(_:)")
        try checkWords(words)
        var rx = [UInt32](repeating: 0, count: words.count)
        let rc = words.withUnsafeBufferPointer { tx in
            rx.withUnsafeMutableBufferPointer { rx in
                strobe_spi_transfer(&spi, tx.baseAddress, tx.count, rx.baseAddress, rx.count)
            }
        }
        try done(rc)
        return rx
    }

    /// Sends `words` without sampling MISO.
    public func write(_ words: [UInt32]) throws(StrobeError) {
        try need(pins.mosi, "MOSI", "write(_:)")
        try checkWords(words)
        let rc = words.withUnsafeBufferPointer { tx in strobe_spi_transfer(&spi, tx.baseAddress, tx.count, nil, 0) }
        try done(rc)
    }

    /// Clocks in `count` words (MOSI, if the bus has one, stays low).
    /// - Throws: ``StrobeError/outOfRange(parameter:value:range:)`` for a negative count.
    public func read(count: Int) throws(StrobeError) -> [UInt32] {
        try need(pins.miso, "MISO", "read(count:)")
        let n = try Checked.int(count, "the number of words to read", in: 0...Int.max)
        var rx = [UInt32](repeating: 0, count: n)
        let rc = rx.withUnsafeMutableBufferPointer { rx in strobe_spi_transfer(&spi, nil, 0, rx.baseAddress, rx.count) }
        try done(rc)
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

    private func done(_ rc: Int32) throws(StrobeError) {
        guard rc == 0 else { throw .invalidArgument("the SPI transfer was refused (errno \(-rc))") }
    }
}

extension Board {
    /// A bit-banged SPI bus on `pins` (see ``BitBangSPI``).
    public func spi(_ pins: SPIPins, configuration: SPIConfiguration = SPIConfiguration()) throws(StrobeError) -> BitBangSPI {
        try BitBangSPI(board: self, pins: pins, configuration: configuration)
    }
}
