import ArgumentParser
import CStrobe
import Strobe

/// One physical pin of the 40-pin header.
struct HeaderPin {
    enum Kind { case gpio, power3V3, power5V, ground }
    var physical: Int
    var kind: Kind
    var gpio: Int?
    var role: String

    static let all: [HeaderPin] = {
        guard let table = strobe_header_pins() else { return [] }
        return (0..<40).map { i in
            let p = table[i]
            let kind: Kind = switch UInt32(p.kind) {
            case STROBE_HEADER_3V3.rawValue: .power3V3
            case STROBE_HEADER_5V.rawValue: .power5V
            case STROBE_HEADER_GND.rawValue: .ground
            default: .gpio
            }
            return HeaderPin(physical: Int(p.physical), kind: kind, gpio: p.gpio < 0 ? nil : Int(p.gpio),
                             role: p.role.map { String(cString: $0) } ?? "")
        }
    }()

    var label: String {
        switch kind {
        case .power3V3: "3V3"
        case .power5V: "5V"
        case .ground: "GND"
        case .gpio: "GPIO\(gpio ?? -1)"
        }
    }

    /// ANSI colour by what the pin is for.
    var colour: String {
        switch kind {
        case .power3V3: "\u{1B}[33m"   // yellow
        case .power5V: "\u{1B}[31m"    // red
        case .ground: "\u{1B}[90m"     // grey
        case .gpio:
            if role.hasPrefix("I2C") || role.hasPrefix("ID EEPROM") { "\u{1B}[34m" }      // blue
            else if role.hasPrefix("SPI") { "\u{1B}[35m" }                                 // magenta
            else if role.hasPrefix("UART") { "\u{1B}[36m" }                                // cyan
            else { "\u{1B}[32m" }                                                          // green
        }
    }
}

struct Pinout: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the 40-pin header: physical pins, GPIO numbers, power, ground and the I2C/SPI/UART pins."
    )

    @Flag(name: .long, inversion: .prefixedNo, help: "Colour the output (default: when writing to a terminal and NO_COLOR is unset).")
    var color: Bool?

    func run() throws {
        print(render(colour: color ?? Terminal.colour))
    }

    func render(colour: Bool) -> String {
        let pins = HeaderPin.all
        let reset = colour ? "\u{1B}[0m" : ""
        func paint(_ p: HeaderPin, _ text: String) -> String { colour ? p.colour + text + reset : text }
        var lines = ["Raspberry Pi 40-pin header (the same on every 40-pin model)", ""]
        let leftWidth = pins.enumerated().filter { $0.offset % 2 == 0 }.map { desc($0.element).count }.max() ?? 0
        for row in 0..<20 {
            let l = pins[2 * row], r = pins[2 * row + 1]
            let left = pad(desc(l), leftWidth, right: true)
            lines.append("\(paint(l, left)) \(pad(String(l.physical), 2, right: true)) o o \(pad(String(r.physical), 2)) \(paint(r, desc(r)))")
        }
        lines.append("")
        lines.append("GPIO numbers are the SoC's (BCM) numbers that Strobe, libgpiod and sysfs use.")
        return lines.joined(separator: "\n")
    }

    private func desc(_ p: HeaderPin) -> String { p.role.isEmpty ? p.label : "\(p.label) (\(p.role))" }
}
