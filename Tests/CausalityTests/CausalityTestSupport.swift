import Foundation
import JSON
import Standards
import TestSupport
@testable import Causality

extension TestSeed {
    /// ROOTSYNC_SEED when set, else "RootSync".
    static var base: UInt64 { value(default: 0x526F_6F74_5379_6E63) }
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
