/// A Prometheus histogram of durations in seconds: cumulative counts per upper bound, their
/// sum and count. A value type updated under its owner's lock.
public struct LatencyHistogram: Sendable, Equatable {
    /// Upper bounds in seconds: the client library defaults, and 30 s for a child's long poll
    /// (`/v1/sync/wait` holds up to 30 s).
    public static let bounds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

    /// Observations at or below each bound (not yet cumulative: `cumulative` adds them up).
    public private(set) var buckets = [Int](repeating: 0, count: LatencyHistogram.bounds.count)
    public private(set) var sum = 0.0
    public private(set) var count = 0

    public init() {}

    public mutating func observe(_ seconds: Double) {
        let value = seconds.isFinite ? max(seconds, 0) : 0
        if let i = Self.bounds.firstIndex(where: { value <= $0 }) { buckets[i] += 1 }
        sum += value
        count += 1
    }

    /// (upper bound, observations at or below it) per bound, then +Inf with the count.
    public var cumulative: [(bound: Double, count: Int)] {
        var total = 0
        var out: [(Double, Int)] = []
        for (bound, n) in zip(Self.bounds, buckets) {
            total += n
            out.append((bound, total))
        }
        out.append((.infinity, count))
        return out
    }
}
