import CStrobe

// The one place numbers from a user are checked: finite, in a documented range, converted and
// summed without overflow. Every failure is StrobeError.outOfRange naming the parameter, the
// value and the accepted range. The CLI's option parsers use the same checks.

/// The latest time a Strobe clock reaches or a deadline may name: 2⁶³ − 1 ns (292 years,
/// `STROBE_TIME_MAX_NS`). Virtual time stops there; a sum of times past it is refused.
public let maximumTimeNanoseconds: UInt64 = STROBE_TIME_MAX_NS

/// The longest debounce a monitor takes: 1 h (in ns). Longer is a mistake, not a filter.
package let maximumBounceNanoseconds: UInt64 = 3_600_000_000_000

/// Checks of numbers a user gave.
package enum Checked {
    /// `value` when it is finite and in `range`; otherwise ``StrobeError/outOfRange(parameter:value:range:)``
    /// with `rangeText` (default: the bounds, with `unit`).
    package static func double(_ value: Double, _ parameter: String, in range: ClosedRange<Double>, unit: String = "",
                               rangeText: String? = nil) throws(StrobeError) -> Double {
        guard value.isFinite, range.contains(value) else {
            throw .outOfRange(parameter: parameter, value: number(value) + unit, range: rangeText ?? "\(number(range.lowerBound))\(unit)…\(number(range.upperBound))\(unit)")
        }
        return value
    }

    /// `value` when it is in `range`; otherwise ``StrobeError/outOfRange(parameter:value:range:)``.
    package static func int<T: BinaryInteger>(_ value: T, _ parameter: String, in range: ClosedRange<T>, unit: String = "") throws(StrobeError) -> T {
        guard range.contains(value) else {
            throw .outOfRange(parameter: parameter, value: "\(value)\(unit)", range: "\(range.lowerBound)\(unit)…\(range.upperBound)\(unit)")
        }
        return value
    }

    /// Whole nanoseconds of `d` when `minimum` ≤ `d` ≤ `maximum` ns (sub-nanosecond parts
    /// round down); otherwise ``StrobeError/outOfRange(parameter:value:range:)``.
    package static func nanoseconds(_ d: Duration, _ parameter: String, minimum: UInt64 = 0,
                                    maximum: UInt64 = maximumTimeNanoseconds) throws(StrobeError) -> UInt64 {
        let (s, atto) = d.components
        let ns = d.clampedNanoseconds
        // A negative duration, or one past UInt64 ns (clamped to .max), is out of every range.
        guard s >= 0, atto >= 0, ns != .max, ns >= minimum, ns <= maximum else {
            throw .outOfRange(parameter: parameter, value: describe(d), range: "\(formatNanoseconds(minimum))…\(formatNanoseconds(maximum))")
        }
        return ns
    }

    /// `value × scale` rounded to whole nanoseconds (e.g. µs × 1000), when `value` is finite and
    /// the result lies in `minimum`…`maximum` ns; the result is computed in Double and checked
    /// before it becomes an integer, so nothing traps.
    package static func nanoseconds(_ value: Double, scale: Double, unit: String, _ parameter: String, minimum: UInt64 = 0,
                                    maximum: UInt64 = maximumTimeNanoseconds) throws(StrobeError) -> UInt64 {
        let ns = (value * scale).rounded()
        // Double(UInt64) rounds up for large bounds; compare below it, then convert exactly.
        guard value.isFinite, ns.isFinite, ns >= Double(minimum), ns < Double(maximum), let whole = UInt64(exactly: ns),
              whole >= minimum, whole <= maximum else {
            throw .outOfRange(parameter: parameter, value: number(value) + " " + unit, range: "\(formatNanoseconds(minimum))…\(formatNanoseconds(maximum))")
        }
        return whole
    }

    /// `a + b` ns when the sum is at most `maximum`; otherwise
    /// ``StrobeError/outOfRange(parameter:value:range:)`` (a deadline that would wrap).
    package static func sum(_ a: UInt64, _ b: UInt64, _ parameter: String, maximum: UInt64 = maximumTimeNanoseconds) throws(StrobeError) -> UInt64 {
        let (s, overflow) = a.addingReportingOverflow(b)
        guard !overflow, s <= maximum else {
            throw .outOfRange(parameter: parameter, value: "\(formatNanoseconds(a)) + \(formatNanoseconds(b))", range: "a time up to \(formatNanoseconds(maximum))")
        }
        return s
    }

    /// A number as the user would write it: "nan", "inf", "1e+300", "0.5", "3".
    package static func number(_ v: Double) -> String {
        if v.isNaN { return "nan" }
        if v.isInfinite { return v < 0 ? "-inf" : "inf" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }

    static func describe(_ d: Duration) -> String {
        let (s, atto) = d.components
        if s >= 0, atto >= 0, s < 1_000_000_000 { return formatNanoseconds(d.clampedNanoseconds) }
        return "\(d)"
    }
}

/// "0 ns", "2 µs", "1.5 ms", "24 h", "292 years": a duration for a message.
package func formatNanoseconds(_ ns: UInt64) -> String {
    let units: [(UInt64, String)] = [(31_557_600_000_000_000, "years"), (3_600_000_000_000, "h"), (1_000_000_000, "s"), (1_000_000, "ms"), (1_000, "µs")]
    for (scale, name) in units where ns >= scale {
        let v = Double(ns) / Double(scale)
        let text = v == v.rounded() || v >= 100 ? String(Int64(v.rounded(.down))) : String(format2(v))
        return "\(text) \(name)"
    }
    return "\(ns) ns"
}

private func format2(_ v: Double) -> String {
    // Up to three decimals, trailing zeros dropped: 1.5, 2.25, 0.001.
    var s = String(Int64((v * 1000).rounded()))
    while s.count < 4 { s = "0" + s }
    var frac = String(s.suffix(3)), whole = String(s.dropLast(3))
    while frac.hasSuffix("0") { frac.removeLast() }
    if whole.isEmpty { whole = "0" }
    return frac.isEmpty ? whole : "\(whole).\(frac)"
}
