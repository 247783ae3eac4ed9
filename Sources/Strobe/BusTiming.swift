import CStrobe

/// What one line change costs on a backend that makes a system call per change (libgpiod,
/// sysfs), measured on the bus's own line, and the clock rates that cost allows.
///
/// A bit-banged bus on such a backend can't clock faster than its edges go out: a bus asked
/// for more would silently run slower than asked, so it refuses instead
/// (``check(rate:edgesPerCycle:parameter:)``). The register path has no such limit here: its
/// edges are single stores, timed in C.
package struct EdgeCost: Sendable {
    /// The backend, for messages ("libgpiod (/dev/gpiochip0)").
    package let backend: String
    /// The median cost of one change, nanoseconds (at least 1).
    package let nanoseconds: UInt64

    /// Measures `change` — one change of a line the bus holds, to a level that does no harm
    /// (e.g. SCK to its idle level again) — `samples` times on the monotonic clock and keeps
    /// the median, so one preempted sample doesn't decide.
    /// - Throws: whatever `change` throws.
    package static func measure(backend: String, samples: Int = 31,
                                _ change: () throws(StrobeError) -> Void) throws(StrobeError) -> EdgeCost {
        var times: [UInt64] = []
        times.reserveCapacity(max(1, samples))
        for _ in 0..<max(1, samples) {
            let t0 = strobe_monotonic_ns()
            try change()
            let t1 = strobe_monotonic_ns()
            times.append(t1 &- t0)
        }
        times.sort()
        return EdgeCost(backend: backend, nanoseconds: max(1, times[times.count / 2]))
    }

    /// A cost known beforehand (tests, or a figure from a benchmark).
    package init(backend: String, nanoseconds: UInt64) {
        self.backend = backend
        self.nanoseconds = max(1, nanoseconds)
    }

    /// The fastest whole-hertz clock a bus with `edgesPerCycle` line changes per clock cycle
    /// sustains at this cost: `10⁹ / (edgesPerCycle · cost)`, at least 1 Hz.
    package func maximumRate(edgesPerCycle: Int) -> Double {
        let per = Double(max(1, edgesPerCycle)) * Double(nanoseconds)
        return max(1, (1e9 / per).rounded(.down))
    }

    /// Refuses `rate` (Hz, already checked finite and positive) when it is above
    /// ``maximumRate(edgesPerCycle:)``.
    /// - Throws: ``StrobeError/outOfRange(parameter:value:range:)`` naming the backend, the
    ///   measured cost and the way out (the register backend).
    package func check(rate: Double, edgesPerCycle: Int, parameter: String) throws(StrobeError) {
        let limit = maximumRate(edgesPerCycle: edgesPerCycle)
        guard rate <= limit else {
            let us = Double(nanoseconds) / 1000
            throw .outOfRange(parameter: parameter, value: "\(formatHertz(rate))",
                              range: "1 Hz…\(formatHertz(limit)) on \(backend), where one line change costs \(formatMicroseconds(us)) (\(edgesPerCycle) changes a cycle); the register backend (Board) reaches MHz")
        }
    }
}

/// `v` with at most `places` decimals, trailing zeros dropped ("2.5", "12").
func formatDecimal(_ v: Double, places: Int) -> String {
    guard v.isFinite else { return "\(v)" }
    var scale = 1.0
    for _ in 0..<max(0, places) { scale *= 10 }
    let scaled = (abs(v) * scale).rounded()
    guard scaled < 9e15 else { return "\(v)" }
    let n = UInt64(scaled), whole = n / UInt64(scale), frac = n % UInt64(scale)
    var text = (v < 0 && n != 0 ? "-" : "") + String(whole)
    if frac != 0 {
        var digits = String(frac)
        digits = String(repeating: "0", count: places - digits.count) + digits
        while digits.hasSuffix("0") { digits.removeLast() }
        text += "." + digits
    }
    return text
}

/// "250 kHz", "1.5 MHz", "12 Hz".
func formatHertz(_ hz: Double) -> String {
    if hz >= 1e6 { return formatDecimal(hz / 1e6, places: 3) + " MHz" }
    if hz >= 1e3 { return formatDecimal(hz / 1e3, places: 3) + " kHz" }
    return formatDecimal(hz, places: 3) + " Hz"
}

/// "3.2 µs".
private func formatMicroseconds(_ us: Double) -> String {
    formatDecimal(us, places: us >= 10 ? 0 : 1) + " µs"
}
