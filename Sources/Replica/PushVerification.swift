import Catalogue
import Causality

/// What a parent checks in a child's push beyond the catalogue's value rules: every claim a
/// version makes — where its record lies, who wrote it, what its writer had seen — must be one
/// the parent can verify from what it holds or from the same batch. A child is the least trusted
/// machine in the tree; one unverifiable version refuses the whole batch, naming it, before
/// anything is stored (docs/SECURITY.md, "What a parent verifies in a push").
///
/// Pure: the replica reads the `Facts` first, so the rules are tested without SQLite.
public struct PushVerification {
    /// One record, named the way a batch names it.
    public struct RecordKey: Hashable, Sendable {
        public let resource: String
        public let key: String
        public init(_ resource: String, _ key: String) {
            self.resource = resource
            self.key = key
        }
    }

    /// What the parent holds that the batch's claims are checked against.
    public struct Facts: Sendable {
        /// The parent's own current actor and the last counter it issued.
        public var parent: Actor
        public var issued: Int64
        /// The highest counter held here for each actor the batch names (absent: none held).
        public var newestHeld: [Actor: Int64] = [:]
        /// The highest epoch of each node the batch's writers name, among actors held here.
        public var newestEpoch: [String: Int] = [:]
        /// The scope each record the batch names has here before the batch (absent: not held).
        public var scopes: [RecordKey: String] = [:]
        /// Records that left the child's subtree by a version still on its way to the child (routed,
        /// not yet confirmed): the child could not have seen the move, so its edits are concurrent
        /// with it, not an attempt to write a record that is not its own.
        public var movesUnseen: Set<RecordKey> = []
        /// The newest epoch of its own code the child has declared (0: none).
        public var confirmedEpoch = 0
        /// The parent's wall clock (ms since 1970) and how far ahead of it a version's timestamp
        /// may be: a child whose clock runs far ahead is refused version by version, so it keeps
        /// syncing everything else and never moves the parent's clock (nil: not checked).
        public var clock: (now: Int64, maxAheadMilliseconds: Int64)?

        public init(parent: Actor, issued: Int64) {
            self.parent = parent
            self.issued = issued
        }
    }

    public let within: Jurisdiction
    public let catalogue: Catalogue
    public let facts: Facts

    public init(within: Jurisdiction, catalogue: Catalogue, facts: Facts) {
        self.within = within
        self.catalogue = catalogue
        self.facts = facts
    }

    /// Every actor whose counters a batch names (writers, vector entries, tag additions,
    /// `through` ranges): the facts to read before `verify`.
    public static func namedActors(_ versions: [GroupVersion], through: [Actor: (from: Int64, to: Int64)]) -> Set<Actor> {
        var out = Set(through.keys)
        for v in versions {
            out.insert(v.dot.actor)
            for a in v.vector.entries.keys { out.insert(a) }
            // Tag groups' values name the versions that added each tag.
            for (_, value) in v.values where value.arrayValue != nil {
                for e in (try? TagElement.decode(value)) ?? [] { out.insert(e.dot.actor) }
            }
        }
        return out
    }

    /// Throws the first claim that cannot be verified; nothing has been stored yet.
    /// - Parameter batch: the whole batch, when `versions` leaves out what is already held:
    ///   counters arriving in it may be named by the others.
    public func verify(_ versions: [GroupVersion], through: [Actor: (from: Int64, to: Int64)], batch: [GroupVersion]? = nil) throws {
        var arriving: [Actor: Int64] = [:]
        for v in batch ?? versions { arriving[v.dot.actor] = max(arriving[v.dot.actor] ?? 0, v.dot.seq) }
        for actor in through.keys where actor.node == within.node { try checkEpoch(actor, resource: nil, key: nil) }
        for v in versions {
            do { try verify(v, arriving: arriving) } catch let e as ReplicaError { throw ReplicaError.refused(dot: v.dot, reason: e) }
        }
    }

    func isSubtree(_ actor: Actor) -> Bool { actor.node.hasPrefix(within.prefix) }

    /// The parent's own earlier epochs: a child sends back what a restore lost here.
    func isOwnEarlier(_ actor: Actor) -> Bool { actor.node == facts.parent.node && actor.epoch < facts.parent.epoch }

    func verify(_ v: GroupVersion, arriving: [Actor: Int64]) throws {
        guard let r = catalogue.resource(v.resource) else { throw ReplicaError.unknownResource(v.resource) }
        if let clock = facts.clock, HybridClock.milliseconds(of: v.hlc) > clock.now + clock.maxAheadMilliseconds {
            let ahead = (HybridClock.milliseconds(of: v.hlc) - clock.now) / 1000, allowed = clock.maxAheadMilliseconds / 60_000
            throw unverified(v, zh: "时间戳比本节点的时钟超前 \(ahead) 秒（最多允许 \(allowed) 分钟），请检查发送方的时钟",
                             en: "it is timestamped \(ahead) s ahead of this node's clock (at most \(allowed) minutes allowed): check the sender's clock")
        }
        let writer = v.dot.actor
        // Where it lies. The scope comes from the record's data: a version of the group holding
        // the scope field must say the same as its scope claim, and both lie in the subtree.
        if let group = r.group(v.group), group.fields.contains(r.scope) {
            guard let data = v.values[r.scope]?.stringValue else {
                throw unverified(v, zh: "缺少辖区字段 \(r.scope)", en: "the version carries no \(r.scope)")
            }
            guard data == v.scope else {
                throw unverified(v, zh: "版本声明的辖区 \(v.scope) 与数据中的 \(r.scope)=\(data) 不符",
                                 en: "its scope claim \(v.scope) differs from its own \(r.scope) \(data)")
            }
        }
        guard within.contains(v.scope) else {
            throw ReplicaError.outsideJurisdiction(resource: v.resource, key: v.key, scope: v.scope, jurisdiction: within.node)
        }
        // Before the change: a record this node holds may be changed only while it lies in the
        // child's subtree here (a move between siblings is written by their common ancestor).
        let record = RecordKey(v.resource, v.key)
        if let before = facts.scopes[record], !within.contains(before), !facts.movesUnseen.contains(record) {
            throw ReplicaError.outsideJurisdiction(resource: v.resource, key: v.key, scope: before, jurisdiction: within.node)
        }
        // Who wrote it: a node of the child's subtree, or this node in an earlier epoch.
        guard isSubtree(writer) || isOwnEarlier(writer) else {
            throw ReplicaError.foreignWriter(resource: v.resource, key: v.key, writer: writer.description, jurisdiction: within.node)
        }
        if writer.node == within.node { try checkEpoch(writer, resource: v.resource, key: v.key) }
        if !v.isExistence, let g = r.group(v.group), !g.isWritable(by: writer.level) {
            throw ReplicaError.groupNotWritable(resource: v.resource, key: v.key, group: v.group, writer: writer.description)
        }
        // What its writer had seen: only counters held here, issued here, or arriving now.
        for (actor, seq) in v.vector.entries where actor != writer {
            try checkSeen(Dot(actor: actor, seq: seq), in: v, arriving: arriving)
        }
        if r.group(v.group)?.isTagSet == true {
            for (_, value) in v.values {
                for e in try TagElement.decode(value) where e.dot != v.dot {
                    try checkSeen(e.dot, in: v, arriving: arriving)
                }
            }
        }
    }

    /// An epoch of the child's own code must be one this node holds, the next one, or one the
    /// child declared as its writer (a node takes a new epoch after a restore, above what its
    /// parent knows). A forged later epoch would make the real child believe it was re-created.
    /// Deeper nodes' epochs were checked by the child itself when they pushed to it.
    func checkEpoch(_ actor: Actor, resource: String?, key: String?) throws {
        let newest = max(facts.newestEpoch[actor.node] ?? 0, facts.confirmedEpoch - 1)
        guard actor.epoch <= newest + 1 else {
            throw ReplicaError.unverifiedClaim(resource: resource ?? "-", key: key ?? "-", dot: actor.description,
                zh: "节点 \(actor.node) 的第 \(actor.epoch) 代从未在此确认（已知最新为第 \(newest) 代）",
                en: "epoch \(actor.epoch) of node \(actor.node) was never confirmed here (the newest known is \(newest))")
        }
    }

    func checkSeen(_ dot: Dot, in v: GroupVersion, arriving: [Actor: Int64]) throws {
        let held = facts.newestHeld[dot.actor] ?? 0
        let bound: Int64
        if dot.actor == facts.parent {
            bound = facts.issued
        } else if isSubtree(dot.actor) || isOwnEarlier(dot.actor) {
            bound = max(held, arriving[dot.actor] ?? 0)
        } else if dot.actor.node == facts.parent.node {
            // An epoch of this node that it never took.
            bound = held
        } else {
            // Anyone else's writes reach the child only through this node: one the child saw and
            // this node lacks was lost here (a restore) and comes back from this node's parent.
            guard dot.seq <= held else {
                throw ReplicaError.lacksDependency(resource: v.resource, key: v.key, dot: v.dot.description,
                    zh: "它见过 \(dot)，本节点现只持有到 \(held)", en: "it has seen \(dot), and this node now holds only up to \(held)")
            }
            return
        }
        guard dot.seq <= bound else {
            throw unverified(v, zh: "声称已见过 \(dot)，但本节点从未持有或签发到这个计数",
                             en: "it claims to have seen \(dot), a counter this node never held or issued (highest: \(bound))")
        }
    }

    func unverified(_ v: GroupVersion, zh: String, en: String) -> ReplicaError {
        .unverifiedClaim(resource: v.resource, key: v.key, dot: v.dot.description, zh: zh, en: en)
    }
}
