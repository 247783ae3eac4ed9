import ArgumentParser
import Strobe
import StrobeSimulator

/// `strobe i2c detect|get|set|dump`: i2c-tools' i2cdetect, i2cget, i2cset and i2cdump over a
/// bit-banged bus (any backend; --virtual for the bench).
struct I2CCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "i2c",
        abstract: "Talk to I2C devices over a bit-banged bus, like i2c-tools (detect, get, set, dump).",
        discussion: """
            SDA and SCL are open-drain on any two GPIOs (--pins SDA,SCL, default 2,3), with the \
            internal pull-ups on. Addresses and values are hex (0x50) or decimal. On the virtual \
            bench --trace writes SDA and SCL as a VCD (sigrok-cli's i2c decoder reads it).
            """,
        subcommands: [I2CDetect.self, I2CGet.self, I2CSet.self, I2CDump.self]
    )
}

/// The pins of `--pins SDA,SCL`.
struct I2CPins: Sendable {
    var sda: Int
    var scl: Int

    static func parse(_ arg: String) throws -> I2CPins {
        let parts = arg.split(separator: ",", omittingEmptySubsequences: false)
        let usage = RangeText("--pins", takes: "SDA,SCL as two GPIO numbers 0…\(PinList.maximumPin) (e.g. 2,3)")
        guard parts.count == 2 else { throw usage }
        let pins = parts.map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard let sda = pins[0], let scl = pins[1], (0...PinList.maximumPin).contains(sda), (0...PinList.maximumPin).contains(scl) else { throw usage }
        guard sda != scl else { throw RangeText("--pins", takes: "two different GPIOs for SDA and SCL (GPIO \(sda) is both)") }
        return I2CPins(sda: sda, scl: scl)
    }
}

extension Parse {
    /// A whole number in `range`, hex with 0x or decimal, as i2c-tools read them; the range is
    /// shown in hex.
    static func hexOrDecimal(_ option: String, _ range: ClosedRange<Int>, digits: Int = 2) -> @Sendable (String) throws -> Int {
        { arg in
            let t = arg.trimmingCharacters(in: .whitespaces).lowercased()
            let v: Int? = t.hasPrefix("0x") ? (t.count > 2 && t.count <= 18 ? Int(t.dropFirst(2), radix: 16) : nil) : Int(t)
            guard let v, range.contains(v) else {
                throw RangeText(option, takes: "\(hex(range.lowerBound, digits))…\(hex(range.upperBound, digits)) (hex with 0x, or decimal)")
            }
            return v
        }
    }

    static func hex(_ v: Int, _ digits: Int) -> String {
        let s = String(v, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, digits - s.count)) + s
    }
}

/// The options every `strobe i2c` subcommand shares.
struct I2COptions: ParsableArguments {
    @OptionGroup var target: TargetOptions
    @Option(help: ArgumentHelp("The bus's pins: SDA,SCL (GPIO numbers).", valueName: "sda,scl"), transform: I2CPins.parse)
    var pins = I2CPins(sda: 2, scl: 3)
    @Option(help: "Clock rate in Hz, 1…100000000 (whole hertz; 100000, 400000, 1000000 are the standard modes), or max.",
            transform: I2COptions.parseClock)
    var hz: I2CClock = .hertz(100_000)
    @Option(help: ArgumentHelp("How long a device may stretch the clock (hold SCL low), 1us…10s.", valueName: "duration"),
            transform: Parse.duration("--stretch-timeout", minimum: 1_000, maximum: 10_000_000_000))
    var stretchTimeout = DurationArgument(nanoseconds: 25_000_000)
    @Flag(help: "The address is a 10-bit address (0x000…0x3ff).") var tenBit = false
    @Option(help: "Write SDA and SCL to this VCD file (virtual bench only).") var trace: String?
    @Option(help: ArgumentHelp("Virtual bench: a 24C02 EEPROM (256 bytes, 8-byte pages, erased to 0xff) at this address, 0x50…0x57.", valueName: "addr"),
            transform: Parse.hexOrDecimal("--eeprom", 0x50...0x57))
    var eeprom: Int?
    @Option(help: ArgumentHelp("Virtual bench: a device at ADDR (0x08…0x77) with 16 registers that holds SCL low for US microseconds (0…1000000) after each byte.", valueName: "addr:us"),
            transform: I2COptions.parseStretcher)
    var stretch: Stretcher?
    @Option(help: ArgumentHelp("Virtual bench: a BMP280 at ADDR (0x76 or 0x77) seeing CELSIUS (-40…85) and PASCALS (30000…110000); default 25,101325.", valueName: "addr[:celsius,pascals]"),
            transform: I2COptions.parseBMP280)
    var bmp280: BMP280Option?

    /// `--bmp280 ADDR[:CELSIUS,PASCALS]`.
    struct BMP280Option: Sendable {
        var address: Int
        var celsius = 25.0
        var pascals = 101_325.0
    }

    static func parseBMP280(_ arg: String) throws -> BMP280Option {
        let parts = arg.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        var option = BMP280Option(address: try Parse.hexOrDecimal("--bmp280's address", 0x76...0x77)(parts[0]))
        if parts.count == 2 {
            let reading = parts[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard reading.count == 2 else {
                throw RangeText("--bmp280", takes: "ADDR or ADDR:CELSIUS,PASCALS, e.g. 0x76:21.5,99800")
            }
            option.celsius = try Parse.double("--bmp280's temperature", -40...85, unit: "°C")(reading[0])
            option.pascals = try Parse.double("--bmp280's pressure", 30_000...110_000, unit: "Pa")(reading[1])
        }
        return option
    }

    /// `--stretch ADDR:US`.
    struct Stretcher: Sendable {
        var address: Int
        var microseconds: Int
    }

    static func parseStretcher(_ arg: String) throws -> Stretcher {
        let parts = arg.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2 else { throw RangeText("--stretch", takes: "ADDR:US, an address 0x08…0x77 and a stretch of 0…1000000 µs (e.g. 0x2c:50)") }
        return Stretcher(address: try Parse.hexOrDecimal("--stretch's address", 0x08...0x77)(parts[0]),
                         microseconds: try Parse.int("--stretch's microseconds", 0...1_000_000)(parts[1]))
    }

    static func parseClock(_ arg: String) throws -> I2CClock {
        if arg.lowercased() == "max" { return .maximum }
        let hz = try Parse.double("--hz", 1...100_000_000, unit: "Hz, whole, or max")(arg)
        guard hz == hz.rounded() else { throw RangeText("--hz", takes: "whole hertz, 1…100000000, or max") }
        return .hertz(hz)
    }

    func validate() throws {
        if trace != nil || eeprom != nil || stretch != nil || bmp280 != nil, target.virtual == nil {
            throw ValidationError("--trace, --eeprom, --stretch and --bmp280 need --virtual: on hardware use a logic analyser and real devices")
        }
        if let eeprom, let stretch, eeprom == stretch.address {
            throw ValidationError("--eeprom and --stretch both put a device at \(Parse.hex(eeprom, 2)): give them different addresses")
        }
        if let bmp280, let stretch, bmp280.address == stretch.address {
            throw ValidationError("--bmp280 and --stretch both put a device at \(Parse.hex(bmp280.address, 2)): give them different addresses")
        }
    }

    /// The address argument: 0x00…0x7f, or 0x000…0x3ff with --ten-bit.
    func address(_ value: Int) throws -> I2CAddress {
        if tenBit { return try I2CAddress.tenBit(value) }
        guard value <= 0x7F else {
            throw ValidationError("address \(Parse.hex(value, 2)) is over 0x7f: 7-bit addresses are 0x00…0x7f; pass --ten-bit for a 10-bit address (0x000…0x3ff)")
        }
        return try I2CAddress(value)
    }

    /// Opens the bus on the chosen backend and runs `body` with it; on the virtual bench the
    /// trace is written afterwards, also when `body` failed.
    func withBus<T>(_ body: (any I2CBus) throws -> T) throws -> T {
        try target.withController { controller in try open(controller, body) }
    }

    private func open<C: GPIOController, T>(_ controller: C, _ body: (any I2CBus) throws -> T) throws -> T {
        let configuration = I2CConfiguration(clock: hz, stretchTimeout: stretchTimeout.duration,
                                             pullUp: target.backend == .sysfs ? nil : .up)
        let bench = (controller as? Board)?.bench
        var models: [any BenchDeviceModel] = []
        defer { for m in models { m.detach() } }
        if let bench {
            if let eeprom {
                let m = try EEPROMModel(sda: pins.sda, scl: pins.scl, address: eeprom)
                try bench.attach(m)
                models.append(m)
            }
            if let stretch {
                let m = try ClockStretcherModel(sda: pins.sda, scl: pins.scl, address: stretch.address,
                                                stretch: .microseconds(stretch.microseconds))
                try bench.attach(m)
                models.append(m)
            }
            if let bmp280 {
                let m = BMP280Model(sda: pins.sda, scl: pins.scl, address: bmp280.address)
                try bench.attach(m)
                try m.set(temperature: bmp280.celsius, pressure: bmp280.pascals)
                models.append(m)
            }
        }
        let bus = try controller.i2c(sda: pins.sda, scl: pins.scl, configuration: configuration)
        bench?.clearChanges()
        let result: Result<T, any Error> = Result { try body(bus) }
        if let trace, let bench {
            try bench.advance(nanoseconds: 1000)
            try bench.writeVCD(to: trace, pins: [pins.sda, pins.scl])
        }
        return try result.get()
    }
}

/// An SMBus access size: b (byte) or w (word, low byte first).
enum I2CSize: String, ExpressibleByArgument, Sendable {
    case b, w
}

struct I2CDetect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect",
        abstract: "Scan the bus for devices and print i2cdetect's grid (-- for no answer).",
        discussion: """
            Each address is probed as i2cdetect does by default: a read byte at 0x30…0x37 and \
            0x50…0x5f (EEPROMs, which a write could disturb), a quick write elsewhere.
            """
    )

    @OptionGroup var bus: I2COptions
    @Argument(help: "The first address to probe, 0x03…0x77.", transform: Parse.hexOrDecimal("the first address", 0x03...0x77))
    var first: Int = 0x03
    @Argument(help: "The last address to probe, 0x03…0x77.", transform: Parse.hexOrDecimal("the last address", 0x03...0x77))
    var last: Int = 0x77

    func validate() throws {
        if bus.tenBit { throw ValidationError("detect scans 7-bit addresses; --ten-bit is for get, set and dump") }
        if first > last { throw ValidationError("the first address (\(Parse.hex(first, 2))) is after the last (\(Parse.hex(last, 2)))") }
    }

    func run() throws {
        let grid = try bus.withBus { i2c -> String in
            var text = "     0  1  2  3  4  5  6  7  8  9  a  b  c  d  e  f\n"
            for row in stride(from: 0, to: 0x80, by: 16) {
                text += Parse.hex(row, 2).dropFirst(2) + ":"
                for a in row..<row + 16 {
                    guard (first...last).contains(a) else { text += "   "; continue }
                    text += try probe(i2c, a) ? " " + Parse.hex(a, 2).dropFirst(2) : " --"
                }
                text += "\n"
            }
            return text
        }
        print(grid, terminator: "")
    }

    private func probe(_ i2c: any I2CBus, _ a: Int) throws -> Bool {
        let address = try I2CAddress(a)
        do throws(StrobeError) {
            if (0x30...0x37).contains(a) || (0x50...0x5F).contains(a) { _ = try i2c.readByte(address) }
            else { try i2c.write(address, []) }
            return true
        } catch {
            if case .i2cNack(_, nil) = error { return false }
            throw error
        }
    }
}

struct I2CGet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get",
        abstract: "Read a register (SMBus read byte or word) and print it in hex, like i2cget -y."
    )

    @OptionGroup var bus: I2COptions
    @Argument(help: "The device's address (0x03…0x77 usually; 0x00…0x7f, or 0x000…0x3ff with --ten-bit).",
              transform: Parse.hexOrDecimal("the address", 0...0x3FF))
    var address: Int
    @Argument(help: "The register, 0x00…0xff; without it one byte is read (SMBus receive byte).",
              transform: Parse.hexOrDecimal("the register", 0...0xFF))
    var register: Int?
    @Argument(help: "b: a byte (default); w: a word, low byte first.") var size: I2CSize = .b

    func run() throws {
        let a = try bus.address(address)
        let text = try bus.withBus { i2c -> String in
            guard let register else { return Parse.hex(Int(try i2c.readByte(a)), 2) }
            switch size {
            case .b: return Parse.hex(Int(try i2c.readByteData(a, register: UInt8(register))), 2)
            case .w: return Parse.hex(Int(try i2c.readWordData(a, register: UInt8(register))), 4)
            }
        }
        print(text)
    }
}

struct I2CSet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Write a register (SMBus write byte or word), like i2cset -y."
    )

    @OptionGroup var bus: I2COptions
    @Argument(help: "The device's address (0x00…0x7f, or 0x000…0x3ff with --ten-bit).", transform: Parse.hexOrDecimal("the address", 0...0x3FF))
    var address: Int
    @Argument(help: "The register, 0x00…0xff.", transform: Parse.hexOrDecimal("the register", 0...0xFF))
    var register: Int
    @Argument(help: "The value: 0x00…0xff for b, 0x0000…0xffff for w.", transform: Parse.hexOrDecimal("the value", 0...0xFFFF, digits: 4))
    var value: Int
    @Argument(help: "b: a byte (default); w: a word, low byte first.") var size: I2CSize = .b

    func validate() throws {
        if size == .b && value > 0xFF { throw ValidationError("the value \(Parse.hex(value, 2)) is over 0xff: a byte write takes 0x00…0xff (w for a word)") }
    }

    func run() throws {
        let a = try bus.address(address)
        try bus.withBus { i2c in
            switch size {
            case .b: try i2c.writeByteData(a, register: UInt8(register), UInt8(value))
            case .w: try i2c.writeWordData(a, register: UInt8(register), UInt16(value))
            }
        }
    }
}

struct I2CDump: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dump",
        abstract: "Read registers 0x00…0xff (SMBus read byte each) and print i2cdump's 16×16 grid."
    )

    @OptionGroup var bus: I2COptions
    @Argument(help: "The device's address (0x00…0x7f, or 0x000…0x3ff with --ten-bit).", transform: Parse.hexOrDecimal("the address", 0...0x3FF))
    var address: Int

    func run() throws {
        let a = try bus.address(address)
        let text = try bus.withBus { i2c -> String in
            // The first register tells a missing device (one line, its error) from a register
            // that refuses: later refusals print XX, as i2cdump does.
            var values: [UInt8?] = [try i2c.readByteData(a, register: 0)]
            for r in 1...0xFF {
                do throws(StrobeError) {
                    values.append(try i2c.readByteData(a, register: UInt8(r)))
                } catch {
                    guard case .i2cNack = error else { throw error }
                    values.append(nil)
                }
            }
            var out = "     0  1  2  3  4  5  6  7  8  9  a  b  c  d  e  f    0123456789abcdef\n"
            for row in stride(from: 0, to: 256, by: 16) {
                out += Parse.hex(row, 2).dropFirst(2) + ":"
                var ascii = ""
                for v in values[row..<row + 16] {
                    if let v {
                        out += " " + Parse.hex(Int(v), 2).dropFirst(2)
                        ascii += (0x20...0x7E).contains(v) ? String(UnicodeScalar(v)) : "."
                    } else {
                        out += " XX"
                        ascii += "X"
                    }
                }
                out += "    " + ascii + "\n"
            }
            return out
        }
        print(text, terminator: "")
    }
}
