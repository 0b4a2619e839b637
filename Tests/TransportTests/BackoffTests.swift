import Testing
import TestSupport
import Transport

@Suite("Backoff")
struct BackoffTests {
    @Test func ceilingDoublesUpToTheCap() {
        let backoff = Backoff(base: 0.5, cap: 60)
        #expect(backoff.ceiling(attempt: 0) == 0.5)
        #expect(backoff.ceiling(attempt: 1) == 1)
        #expect(backoff.ceiling(attempt: 3) == 4)
        #expect(backoff.ceiling(attempt: 7) == 60)
        #expect(backoff.ceiling(attempt: 10_000) == 60)
        #expect(backoff.ceiling(attempt: Int.max) == 60)
        #expect(backoff.ceiling(attempt: -3) == 0.5)
    }

    @Test func delaysStayWithinBoundsAndJitter() {
        let backoff = Backoff(base: 1, cap: 30)
        var generator = SplitMix64(seed: 42)
        for attempt in 0..<12 {
            var seen = Set<Double>()
            for _ in 0..<200 {
                let delay = backoff.delay(attempt: attempt, using: &generator)
                #expect(delay >= 0 && delay <= backoff.ceiling(attempt: attempt))
                seen.insert(delay)
            }
            #expect(seen.count > 150) // full jitter: spread out, not a fixed schedule
        }
        #expect(backoff.delay(attempt: 4) <= 16)
        #expect(Backoff(base: 0, cap: 10).delay(attempt: 5) == 0)
    }

    @Test func fixedSeedIsReproducible() {
        let backoff = Backoff(base: 2, cap: 100)
        var first = SplitMix64(seed: 2024)
        var second = SplitMix64(seed: 2024)
        let a = (0..<20).map { backoff.delay(attempt: $0, using: &first) }
        let b = (0..<20).map { backoff.delay(attempt: $0, using: &second) }
        #expect(a == b)
        var other = SplitMix64(seed: 2025)
        #expect(a != (0..<20).map { backoff.delay(attempt: $0, using: &other) })
    }
}
