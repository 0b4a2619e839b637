/// One version's identity: the writer and its counter. No two versions ever share a dot.
public struct Dot: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let actor: Actor
    public let seq: Int64

    public init(actor: Actor, seq: Int64) {
        self.actor = actor
        self.seq = seq
    }

    public var description: String { "\(actor)#\(seq)" }

    /// The largest counter an actor may use: 2^53 − 1, the largest integer every JSON reader
    /// (JavaScript, spreadsheets, Python's float path) keeps exact. Counters count writes, so no
    /// node comes near it; a peer that names more is lying, and bounding it keeps every `+ 1` on
    /// the wire path free of overflow.
    public static let maxSeq: Int64 = (1 << 53) - 1

    /// True for a counter an actor can have issued: 1 … `maxSeq`.
    public static func isValidSeq(_ seq: Int64) -> Bool { seq >= 1 && seq <= maxSeq }

    public static func < (a: Dot, b: Dot) -> Bool {
        a.actor != b.actor ? a.actor < b.actor : a.seq < b.seq
    }
}
