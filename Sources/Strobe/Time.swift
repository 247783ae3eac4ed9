import CStrobe

// The Swift side of the one clock: Duration ↔ ns conversions live here once. Timing itself
// (now, sleep, spin) is the C core's strobe_clock (strobe_clock.h).

extension Duration {
    /// Whole nanoseconds, negative durations as 0 and anything past `UInt64.max` ns (584 years)
    /// as `UInt64.max`: for waits and thresholds, where "less than nothing" means no wait.
    var clampedNanoseconds: UInt64 {
        let (s, atto) = components
        guard s >= 0, atto >= 0 else { return 0 }
        let (whole, overflow) = UInt64(s).multipliedReportingOverflow(by: 1_000_000_000)
        let (sum, carry) = whole.addingReportingOverflow(UInt64(atto / 1_000_000_000))
        return overflow || carry ? .max : sum
    }
}

/// Whole nanoseconds of a duration a user gave, checked: 0 ≤ `d` ≤ `maximum` (default 10⁹ s),
/// else ``StrobeError/outOfRange(parameter:value:range:)`` naming `what`.
func nanoseconds(_ d: Duration, what: String, minimum: UInt64 = 0, maximum: UInt64 = 1_000_000_000 * 1_000_000_000) throws(StrobeError) -> UInt64 {
    try Checked.nanoseconds(d, what, minimum: minimum, maximum: maximum)
}
