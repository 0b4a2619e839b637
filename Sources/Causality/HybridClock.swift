/// A hybrid logical clock: wall-clock milliseconds in the high 48 bits and a logical counter in
/// the low 16. It never goes backwards, stays close to real time, and orders causally related
/// events even when machine clocks disagree. Used only as a tie-breaker between concurrent writes.
public struct HybridClock: Sendable {
    public private(set) var last: Int64
    /// How far ahead of our own clock a peer's timestamp may be before we refuse it.
    public var maxDriftMilliseconds: Int64

    public init(last: Int64 = 0, maxDriftMilliseconds: Int64 = 10 * 60 * 1000) {
        self.last = last
        self.maxDriftMilliseconds = maxDriftMilliseconds
    }

    public static func timestamp(milliseconds: Int64, logical: Int64 = 0) -> Int64 { milliseconds << 16 | logical }
    public static func milliseconds(of hlc: Int64) -> Int64 { hlc >> 16 }

    /// A new timestamp for a local event at wall time `now` (ms since 1970).
    public mutating func tick(now: Int64) -> Int64 {
        let physical = Self.timestamp(milliseconds: now)
        last = max(last + 1, physical)
        return last
    }

    /// Takes a remote timestamp into account; refuses one too far in the future.
    public mutating func observe(_ remote: Int64, now: Int64) throws {
        let remoteMs = Self.milliseconds(of: remote)
        if remoteMs > now + maxDriftMilliseconds {
            throw CausalityError.clockTooFarAhead(remoteMilliseconds: remoteMs, localMilliseconds: now)
        }
        last = max(last, remote)
    }
}
