/// One version's identity: the writer and its counter. No two versions ever share a dot.
public struct Dot: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let actor: Actor
    public let seq: Int64

    public init(actor: Actor, seq: Int64) {
        self.actor = actor
        self.seq = seq
    }

    public var description: String { "\(actor)#\(seq)" }

    public static func < (a: Dot, b: Dot) -> Bool {
        a.actor != b.actor ? a.actor < b.actor : a.seq < b.seq
    }
}
