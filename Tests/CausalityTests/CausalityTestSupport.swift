import Foundation
import JSON
import Standards
@testable import Causality

/// SplitMix64: a tiny, fast, seedable PRNG so randomized tests are reproducible from their seed.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &self) < p }
}

enum TestSeed {
    static let fallback: UInt64 = 0x526F_6F74_5379_6E63 // "RootSync"

    /// ROOTSYNC_SEED (decimal or 0x-hex) when set, else a fixed default.
    static var base: UInt64 {
        guard let text = ProcessInfo.processInfo.environment["ROOTSYNC_SEED"]?
            .trimmingCharacters(in: .whitespaces), !text.isEmpty else { return fallback }
        if text.lowercased().hasPrefix("0x"), let v = UInt64(text.dropFirst(2), radix: 16) { return v }
        return UInt64(text) ?? fallback
    }
}

/// Shorthand for building versions in tests.
func actor(_ text: String) -> Actor {
    guard let a = Actor(text) else { fatalError("bad test actor \(text)") }
    return a
}

func dot(_ a: String, _ seq: Int64) -> Dot { Dot(actor: actor(a), seq: seq) }

/// A version of `group` written by `writer` as its `seq`-th write, having seen `seen` (its own dot
/// is always added to the vector).
func version(_ writer: String, _ seq: Int64, group: String = "name", seen: [Dot] = [], hlc: Int64 = 1,
             values: JSONObject, key: String = "k1") -> GroupVersion {
    let d = dot(writer, seq)
    var vv = VersionVector()
    for s in seen { vv.add(s) }
    vv.add(d)
    return GroupVersion(resource: "person", key: key, group: group, dot: d, vector: vv, hlc: hlc,
                        values: values, scope: "150603002001")
}

func values(_ pairs: (String, JSONValue)...) -> JSONObject { JSONObject(pairs) }

func tagValues(_ field: String, _ elements: [TagElement]) -> JSONObject {
    JSONObject([(field, TagElement.encode(elements))])
}

func sortedDots(_ versions: [GroupVersion]) -> [Dot] { versions.map(\.dot).sorted() }

/// Inserts versions one by one, as a node receiving them would.
func insertAll(_ versions: [GroupVersion]) -> [GroupVersion] {
    var current: [GroupVersion] = []
    for v in versions { current = Resolution.insert(v, into: current).current }
    return current
}

// Codes of every level, for actors.
enum Codes {
    static let city = "150600"
    static let district = "150603"
    static let street = "150603002"
    static let community = "150603002001"
    static let community2 = "150603002002"
}
