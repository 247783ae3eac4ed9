import ArgumentParser
import Foundation
@_spi(StrobeInternals) import Strobe

// Every number on the command line goes through one of these parsers (an @Option's or
// @Argument's `transform:`): finite, in the range its help states, converted without overflow.
// A value outside is refused while the arguments are parsed, with one line naming the value,
// the option and the range:
//   Error: The value 'nan' is invalid for '--hz <hz>': --hz takes 0.01…100000 (Hz)

/// Why a value was refused: "--hz takes 0.01…100000 (Hz)".
struct RangeText: Error, CustomStringConvertible {
    var description: String
    init(_ option: String, takes range: String) { description = "\(option) takes \(range)" }
}

enum Parse {
    /// A decimal number ("1.5", "2e3", "-0.25"): Swift's Double(_:) also reads hex floats
    /// ("0x10"), "nan" and "inf", which no option means; the range checks refuse the last two.
    static func decimal(_ text: String) -> Double? {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard !t.contains(where: { $0 == "x" || $0 == "X" || $0 == "p" || $0 == "P" }) else { return nil }
        return Double(t)
    }

    /// A finite number in `range`.
    static func double(_ option: String, _ range: ClosedRange<Double>, unit: String = "") -> @Sendable (String) throws -> Double {
        let text = "\(Checked.number(range.lowerBound))…\(Checked.number(range.upperBound))" + (unit.isEmpty ? "" : " (\(unit))")
        return { arg in
            guard let v = decimal(arg), v.isFinite, range.contains(v) else {
                throw RangeText(option, takes: text)
            }
            return v
        }
    }

    /// A whole number in `range` (decimal; no overflow: "2^63" and beyond are refused as text).
    static func int<T: FixedWidthInteger & Sendable>(_ option: String, _ range: ClosedRange<T>) -> @Sendable (String) throws -> T {
        { arg in
            guard let v = T(arg.trimmingCharacters(in: .whitespaces)), range.contains(v) else {
                throw RangeText(option, takes: "a whole number \(range.lowerBound)…\(range.upperBound)")
            }
            return v
        }
    }

    /// A GPIO number: any whole number that fits an Int (no overflow: "2^63" is refused as
    /// text). Which pins exist is the layout's or chip's business: opening the pin refuses the
    /// others with the valid range ("GPIO 99 does not exist on bcm2711: valid pins are 0–57").
    static func pin(_ what: String = "the GPIO number") -> @Sendable (String) throws -> Int {
        { arg in
            guard let v = Int(arg.trimmingCharacters(in: .whitespaces)) else {
                throw RangeText(what, takes: "a whole number (the layout or chip decides which GPIOs exist)")
            }
            return v
        }
    }

    /// A duration ("5ms", "1.5s", "250us", "100ns"; a bare number is ms) of `minimum`…`maximum`.
    static func duration(_ option: String, minimum: UInt64 = 0, maximum: UInt64) -> @Sendable (String) throws -> DurationArgument {
        { arg in
            guard let ns = DurationArgument.nanoseconds(parsing: arg), ns >= minimum, ns <= maximum else {
                throw RangeText(option, takes: "a duration of \(formatNanoseconds(minimum))…\(formatNanoseconds(maximum)) (e.g. 250ms, 1.5s)")
            }
            return DurationArgument(nanoseconds: ns)
        }
    }
}

/// A duration on the command line: "5ms", "1.5ms", "250us", "2s", "100ns", "2min", "1h" (a bare
/// number is ms).
struct DurationArgument: CustomStringConvertible, Sendable {
    /// At most ``Strobe/maximumTimeNanoseconds``, so it converts to `Duration`, `Int` and any
    /// deadline sum checks.
    var nanoseconds: UInt64
    var duration: Duration { .nanoseconds(Int64(nanoseconds)) }
    var description: String { formatNanoseconds(nanoseconds) }

    init(nanoseconds: UInt64) { self.nanoseconds = min(nanoseconds, maximumTimeNanoseconds) }

    static let hour: UInt64 = 3_600_000_000_000
    static let second: UInt64 = 1_000_000_000

    /// The nanoseconds `text` names: finite, not negative, at most ``Strobe/maximumTimeNanoseconds``;
    /// nil otherwise.
    static func nanoseconds(parsing argument: String) -> UInt64? {
        let units: [(String, Double)] = [("ns", 1), ("us", 1e3), ("µs", 1e3), ("ms", 1e6), ("min", 6e10), ("h", 3.6e12), ("s", 1e9)]
        var text = Substring(argument.lowercased().trimmingCharacters(in: .whitespaces))
        var scale = 1e6
        for (suffix, s) in units where text.hasSuffix(suffix) {
            text = text.dropLast(suffix.count)
            scale = s
            break
        }
        guard let v = Parse.decimal(String(text)) else { return nil }
        return try? Checked.nanoseconds(v, scale: scale, unit: "", "duration")
    }
}

/// A list of GPIO numbers: "18,20-23". Each 0…``maximumPin``, none twice, a range low to high.
enum PinList {
    /// The largest GPIO number any command takes (RP1 has 54 GPIOs, BCM2711 58, a gpio-sim chip
    /// as many as its test asks for; 1023 covers every kernel chip Strobe meets).
    static let maximumPin = 1023

    static func parse(_ spec: String, option: String) throws(RangeText) -> [Int] {
        let takes = "a list of GPIO numbers 0…\(maximumPin) like 18,20-23, each once"
        var pins: [Int] = []
        for part in spec.split(separator: ",", omittingEmptySubsequences: false) {
            let ends = part.split(separator: "-", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard (1...2).contains(ends.count), let lo = ends.first!, let hi = ends.last!, lo >= 0, lo <= hi, hi <= maximumPin else {
                throw RangeText(option, takes: takes + " (not '\(part)')")
            }
            for pin in lo...hi {  // at most 1024 pins: the range is bounded above
                guard !pins.contains(pin) else { throw RangeText(option, takes: takes + " (GPIO \(pin) is listed twice)") }
                pins.append(pin)
            }
        }
        return pins
    }
}
