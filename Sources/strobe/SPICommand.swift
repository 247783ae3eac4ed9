import ArgumentParser
import Strobe
import StrobeSimulator

/// The pins of `strobe spi --pins CS,SCK,MOSI,MISO` ("-" for a pin the bus doesn't have).
struct SPIPinList: Sendable {
    let cs: Int?
    let sck: Int
    let mosi: Int?
    let miso: Int?

    static func parse(_ arg: String) throws -> SPIPinList {
        let parts = arg.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let usage = "--pins takes CS,SCK,MOSI,MISO as four GPIO numbers, \"-\" for CS, MOSI or MISO the bus doesn't have (e.g. 8,11,10,9)"
        guard parts.count == 4 else { throw ValidationError(usage) }
        func pin(_ s: String, optional: Bool) throws -> Int? {
            if s == "-" && optional { return nil }
            guard let v = Int(s) else { throw ValidationError(usage) }
            return v
        }
        guard let sck = try pin(parts[1], optional: false) else { throw ValidationError(usage) }
        return SPIPinList(cs: try pin(parts[0], optional: true), sck: sck, mosi: try pin(parts[2], optional: true), miso: try pin(parts[3], optional: true))
    }
}

struct SPICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spi",
        abstract: "Transfer words over a bit-banged SPI bus (any backend; --virtual for the bench).",
        discussion: """
            One transfer with CS asserted throughout: the words given (hex, e.g. 01 80 00) go out \
            back to back and the words received are printed, in hex. With no MISO (--pins 8,11,10,-) \
            nothing is read; with no MOSI, give the number of words to read with --read. \
            On the virtual bench, --mcp3008 puts an MCP3008 ADC on the bus's pins with these input \
            voltages (CH0,CH1,…; VREF --vref), and --trace writes the bus's pins as a VCD \
            (sigrok-cli's spi decoder reads it). \
            On registers the bus reaches MHz; on --backend libgpiod or sysfs every edge is a system \
            call, so the bus measures what one costs and refuses a --hz it can't reach (max is \
            allowed: as fast as the system calls go).
            """
    )

    @OptionGroup var target: TargetOptions
    @Option(help: ArgumentHelp("The bus's pins: CS,SCK,MOSI,MISO (GPIO numbers; - for none; write --pins=-,11,10,9 when CS is -).", valueName: "cs,sck,mosi,miso"),
            transform: SPIPinList.parse) var pins: SPIPinList
    @Option(help: "Clock rate in Hz, 1…500000000 (whole hertz), or max (as fast as the pins go).", transform: SPICommand.parseClock) var hz: SPIClock = .hertz(1_000_000)
    @Option(help: "SPI mode 0…3 (CPOL·2 + CPHA).", transform: Parse.int("--mode", 0...3)) var mode: Int = 0
    @Option(help: "Bits per word, 1…32.", transform: Parse.int("--word-size", 1...32)) var wordSize: Int = 8
    @Flag(help: "Least significant bit first (default: most significant first).") var lsbFirst = false
    @Flag(help: "Chip select is active high (default: active low).") var csActiveHigh = false
    @Option(help: "Read this many words, sending nothing (no words given), 1…65536.", transform: Parse.int("--read", 1...65536)) var read: Int?
    @Option(help: ArgumentHelp("Virtual bench: an MCP3008 on the bus's pins with these input voltages, V (CH0,CH1,…, up to 8).", valueName: "v0,v1,…"),
            transform: SPICommand.parseVoltages) var mcp3008: [Double]?
    @Option(help: "The MCP3008's VREF, V (0.001…100).", transform: Parse.double("--vref", 0.001...100, unit: "V")) var vref: Double = 3.3
    @Option(help: "Write the bus's pins to this VCD file (virtual bench only).") var trace: String?
    @Option(help: ArgumentHelp("A RAM-backed register block of this layout instead of hardware (instruction counts: scripts/spi-instructions).", visibility: .hidden))
    var ram: Layout?
    @Argument(help: "Words to send, hex (01 80 00 or 0x01 0x80 0x00).") var words: [String] = []

    static func parseClock(_ arg: String) throws -> SPIClock {
        if arg.lowercased() == "max" { return .maximum }
        let hz = try Parse.double("--hz", 1...500_000_000, unit: "Hz, whole, or max")(arg)
        guard hz == hz.rounded() else { throw ValidationError("--hz takes whole hertz, 1…500000000, or max") }
        return .hertz(hz)
    }

    static func parseVoltages(_ arg: String) throws -> [Double] {
        let parts = arg.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard (1...8).contains(parts.count) else { throw ValidationError("--mcp3008 takes 1 to 8 voltages, comma-separated (CH0,CH1,…)") }
        return try parts.map { try Parse.double("--mcp3008", 0...100, unit: "V")($0) }
    }

    func validate() throws {
        if trace != nil || mcp3008 != nil, target.virtual == nil {
            throw ValidationError("--trace and --mcp3008 need --virtual: on hardware use a logic analyser and a real chip")
        }
        if ram != nil, target.virtual != nil || target.backend != .registers {
            throw ValidationError("--ram is a register block of its own: not with --virtual or --backend")
        }
        if read != nil && !words.isEmpty { throw ValidationError("give words to send or --read N, not both") }
        if read == nil && words.isEmpty { throw ValidationError("give the words to send (hex), or --read N") }
        if words.count > 65536 { throw ValidationError("at most 65536 words in one transfer") }
        if pins.cs == nil && csActiveHigh { throw ValidationError("--cs-active-high needs a CS pin in --pins") }
    }

    func parsedWords() throws -> [UInt32] {
        let limit: UInt64 = wordSize == 32 ? UInt64(UInt32.max) : (1 << UInt64(wordSize)) - 1
        return try words.map { w in
            var t = Substring(w.trimmingCharacters(in: .whitespaces))
            if t.hasPrefix("0x") || t.hasPrefix("0X") { t = t.dropFirst(2) }
            guard !t.isEmpty, t.count <= 8, t.allSatisfy(\.isHexDigit), let v = UInt64(t, radix: 16), v <= limit else {
                throw ValidationError("\"\(w)\" is not a \(wordSize)-bit word in hex (0…\(String(limit, radix: 16)))")
            }
            return UInt32(v)
        }
    }

    func run() throws {
        let tx = try parsedWords()
        if let ram { return try clock(tx, on: try Board.ram(ram), bench: nil) }
        if target.backend == .registers {
            try target.withBoard { board in try clock(tx, on: board, bench: board.bench) }
        } else {
            try target.withController { controller in try clock(tx, on: controller, bench: nil) }
        }
    }

    /// The transfer on any backend; `bench` when it is the virtual bench (models, traces).
    func clock<C: GPIOController>(_ tx: [UInt32], on controller: C, bench: VirtualBench?) throws {
        let chipSelect: SPIChipSelect = pins.cs.map { csActiveHigh ? .activeHigh($0) : .activeLow($0) } ?? .none
        let busPins = SPIPins(sck: pins.sck, mosi: pins.mosi, miso: pins.miso, chipSelect: chipSelect)
        var adc: MCP3008Model?
        if let volts = mcp3008, let bench {
            guard let cs = pins.cs, let mosi = pins.mosi, let miso = pins.miso, !csActiveHigh else {
                throw ValidationError("--mcp3008 needs all four pins (CS active low)")
            }
            let model = MCP3008Model(chipSelect: cs, sck: pins.sck, mosi: mosi, miso: miso, reference: vref, voltages: volts)
            try bench.attach(model)
            adc = model
        }
        defer { adc?.detach() }
        let bus = try controller.spi(busPins, configuration: SPIConfiguration(mode: SPIMode(rawValue: mode)!, bitOrder: lsbFirst ? .lsbFirst : .msbFirst,
                                                                             wordSize: wordSize, clock: hz))
        bench?.clearChanges()
        var rx: [UInt32] = []
        if let read { rx = try bus.read(count: read) }
        else if pins.miso == nil { try bus.write(tx) }
        else if pins.mosi == nil { throw ValidationError("this bus has no MOSI: use --read N") }
        else { rx = try bus.transfer(tx) }
        if let trace, let bench {
            try bench.advance(nanoseconds: 1000)
            try bench.writeVCD(to: trace, pins: [pins.cs, pins.sck, pins.mosi, pins.miso].compactMap { $0 })
        }
        let digits = (wordSize + 3) / 4
        if !rx.isEmpty {
            print(rx.map { w in let s = String(w, radix: 16); return String(repeating: "0", count: max(0, digits - s.count)) + s }.joined(separator: " "))
        }
    }
}
