/// Exponential backoff with full jitter, for retrying sync rounds against a parent.
///
/// Full jitter (a uniform delay in `0...min(cap, base·2^attempt)`) spreads hundreds of
/// offices that lost the link at the same moment, instead of having them retry in lockstep.
/// Pure: the caller sleeps and counts attempts.
public struct Backoff: Sendable, Equatable {
    /// Ceiling of the first retry's delay, in seconds.
    public var base: Double
    /// Largest delay ever returned, in seconds.
    public var cap: Double

    public init(base: Double = 1, cap: Double = 300) {
        precondition(base >= 0 && cap >= 0, "backoff bounds must not be negative")
        self.base = base
        self.cap = cap
    }

    /// Upper bound of the delay after failed attempt `attempt` (0 = first failure).
    public func ceiling(attempt: Int) -> Double {
        let exponent = Double(max(0, min(attempt, 1024)))
        return min(cap, base * Double.pow2(exponent))
    }

    /// A random delay in `0...ceiling(attempt:)` seconds drawn from `generator`.
    public func delay(attempt: Int, using generator: inout some RandomNumberGenerator) -> Double {
        let top = ceiling(attempt: attempt)
        guard top > 0 else { return 0 }
        return Double.random(in: 0...top, using: &generator)
    }

    /// A random delay using the system generator.
    public func delay(attempt: Int) -> Double {
        var generator = SystemRandomNumberGenerator()
        return delay(attempt: attempt, using: &generator)
    }
}

extension Double {
    /// 2^x without Foundation's pow; infinity once it overflows, which `min` then caps.
    fileprivate static func pow2(_ x: Double) -> Double {
        Double(sign: .plus, exponent: Int(x), significand: 1)
    }
}
