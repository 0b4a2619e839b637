import Standards

/// A writer: one node's database in one epoch. A node takes a new epoch whenever its database
/// may have gone back in time, so a counter is never reused under the same actor (Riak KV679).
public struct Actor: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The node's division code.
    public let node: String
    public let epoch: Int

    public init(node: String, epoch: Int) {
        self.node = node
        self.epoch = epoch
    }

    /// "150603002001:3".
    public var description: String { "\(node):\(epoch)" }

    /// Parses "node:epoch" in its one canonical spelling (a 6, 9 or 12-digit code, an epoch
    /// without sign or leading zeros), so one actor never has two names in a version vector.
    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        let node = String(text[..<colon])
        let epochText = text[text.index(after: colon)...]
        guard [6, 9, 12].contains(node.utf8.count), node.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              !epochText.isEmpty, epochText.utf8.count <= 9, epochText.first != "0",
              epochText.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let epoch = Int(epochText) else { return nil }
        self.init(node: node, epoch: epoch)
    }

    /// The level of the writing node, from the shape of its code.
    public var level: DivisionLevel { DivisionCode.level(ofShape: node) ?? .district }

    public static func < (a: Actor, b: Actor) -> Bool {
        a.node != b.node ? a.node < b.node : a.epoch < b.epoch
    }
}

