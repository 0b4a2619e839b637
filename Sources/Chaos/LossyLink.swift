import Foundation
import TestSupport

/// A slow, lossy link between a child and its parent: a `LoopbackProxy` the child's `parent_url`
/// points at. Every chunk either way waits 0–200 ms; of the chunks the parent sends back, one in
/// twenty is dropped with the connection (the request did reach the parent; its answer is lost)
/// and one in twenty is cut in half, then the connection closed. Seeded, so a run's link behaves
/// alike, though its timing depends on the agents'.
final class LossyLink: @unchecked Sendable {
    private let proxy: LoopbackProxy
    private let state: State
    var port: UInt16 { proxy.port }

    final class State: @unchecked Sendable {
        let lock = NSLock()
        var rng: SplitMix64
        var chunks = 0, dropped = 0, truncated = 0
        init(seed: UInt64) { rng = SplitMix64(seed: seed ^ 0x4C05_5E11_4C05_5E11) }
    }

    init(upstream: UInt16, seed: UInt64) throws {
        let state = State(seed: seed)
        self.state = state
        proxy = try LoopbackProxy(upstream: upstream) { direction, n in
            let (delay, roll): (Int, Int) = state.lock.withLock {
                state.chunks += 1
                return (state.rng.int(0...200), direction == .fromUpstream ? state.rng.int(0..<20) : 2)
            }
            usleep(UInt32(delay) * 1000)
            switch roll {
            case 0: state.lock.withLock { state.dropped += 1 }; return .cut(after: 0)
            case 1: state.lock.withLock { state.truncated += 1 }; return .cut(after: max(1, n / 2))
            default: return .forward
            }
        }
    }

    var summary: String { state.lock.withLock { "\(state.chunks) chunks carried, \(state.dropped) answers dropped, \(state.truncated) cut short" } }
    func stop() { proxy.stop() }
}
