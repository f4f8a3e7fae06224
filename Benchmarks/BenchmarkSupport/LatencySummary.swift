/// Mean, percentiles and extremes of a set of latencies.
///
/// Percentiles are nearest-rank: p99 of 2,000 samples is the 1,980th smallest, a latency that
/// really occurred, not an interpolation between two.
public struct LatencySummary: Sendable {
    public var count: Int
    public var mean: Duration
    public var p50: Duration
    public var p90: Duration
    public var p99: Duration
    public var min: Duration
    public var max: Duration

    /// The summary of `samples`; `nil` for none.
    public init?(_ samples: [Duration]) {
        guard !samples.isEmpty else { return nil }
        let sorted = samples.sorted()
        func rank(_ fraction: Double) -> Duration {
            let index = Int((fraction * Double(sorted.count)).rounded(.up)) - 1
            return sorted[Swift.min(sorted.count - 1, Swift.max(0, index))]
        }
        count = sorted.count
        mean = sorted.reduce(Duration.zero, +) / sorted.count
        p50 = rank(0.50)
        p90 = rank(0.90)
        p99 = rank(0.99)
        min = sorted[0]
        max = sorted[sorted.count - 1]
    }
}

extension Duration {
    /// This duration in milliseconds, as a floating-point number for printing.
    public var milliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }

    /// This duration in microseconds, as a floating-point number for printing.
    public var microseconds: Double {
        milliseconds * 1000
    }
}
