import CStrobe
import Histogram
import Synchronization
import SystemPackage

// MARK: - Timing report

/// How close to schedule a player wrote its blocks: edge error (actual − scheduled) percentiles
/// from an HdrHistogram (3 significant digits), late and skipped counts, and the real-time
/// warnings. On the virtual bench every error is exactly zero.
public struct TimingReport: Sendable, Hashable, CustomStringConvertible {
    /// Blocks measured (every block written, the start and swap blocks included).
    public var edges: UInt64
    /// Median edge error, µs.
    public var p50: Double
    /// 99th-percentile edge error, µs.
    public var p99: Double
    /// 99.9th-percentile edge error, µs.
    public var p999: Double
    /// Largest edge error, µs.
    public var max: Double
    /// Blocks written more than the late threshold (default 10 µs) after their time.
    public var late: UInt64
    /// Whole periods skipped because the player fell a period or more behind.
    public var skippedPeriods: UInt64
    /// Records the player's ring overwrote before they were read (not in the percentiles).
    public var lostRecords: UInt64
    /// Real-time features asked for and refused (SCHED_FIFO, CPU pinning, memory locking).
    public var warnings: [String]

    /// Two lines: the percentiles, then late/skipped counts; then one line per warning.
    public var description: String {
        func f(_ v: Double) -> String {
            let n = Int((v * 1000).rounded())
            let frac = String(n % 1000)
            return "\(n / 1000)." + String(repeating: "0", count: 3 - frac.count) + frac
        }
        var lines = ["edge error (µs): p50 \(f(p50))  p99 \(f(p99))  p99.9 \(f(p999))  max \(f(max))  (\(edges) edges)",
                     "late edges: \(late)  skipped periods: \(skippedPeriods)" + (lostRecords > 0 ? "  unmeasured (ring overrun): \(lostRecords)" : "")]
        lines += warnings.map { "warning: \($0)" }
        return lines.joined(separator: "\n")
    }
}
