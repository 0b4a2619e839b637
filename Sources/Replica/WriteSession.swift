import Causality

/// What one write transaction moves in the replica's own counters, kept in memory while it runs
/// and stored once at its end, in the same transaction: the actor's counter, the hybrid clock,
/// the write generation and the have-vector entries it advanced. Reading and writing `_rs_meta`
/// per version was a third of a write's statements. A crash before commit loses these together
/// with the versions that used them, so no counter is ever reused.
struct WriteSession {
    let actor: Actor
    let actorRow: Int64
    var seq: Int64
    let seqAtStart: Int64
    var clock: HybridClock
    let hlcAtStart: Int64
    var generationMoved = false
    /// Have-vector entries read or advanced in this transaction, by actor row.
    var have: [Int64: Int64] = [:]
    var haveMoved: Set<Int64> = []
    /// Counters of other actors received in this transaction (by actor row), in rows or not yet:
    /// the have-vector looks here as well as in the file for what is held above a gap.
    var received: [Int64: Set<Int64>] = [:]
    /// The highest counter of each other actor the file held when this transaction first asked
    /// (by actor row). What the transaction stores above it is in `received`, so counters above
    /// both are known not to be held without asking the file again (one query per received
    /// version was a sixth of applying a push).
    var fileNewest: [Int64: Int64] = [:]
    /// The id the next new record gets (read once: the transaction holds the write lock).
    var nextRecordID: Int64?
    /// Set while a local write is writing (after all its checks passed): an error then leaves a
    /// record half written, so it must end the whole transaction, not just skip the record.
    var writeUnderway = false
    /// Whether `_rs_invalid` may hold rows (nearly always empty: a write then skips its cleanup).
    var mayHaveInvalidWrites = true

    init(actor: Actor, actorRow: Int64, seq: Int64, clock: HybridClock) {
        self.actor = actor
        self.actorRow = actorRow
        self.seq = seq
        seqAtStart = seq
        self.clock = clock
        hlcAtStart = clock.last
    }

    /// The next counter of this actor.
    mutating func nextDot() throws -> Dot {
        guard seq < Dot.maxSeq else { throw StorageCodec.Malformed(what: "the actor's counter is exhausted; take a new epoch") }
        seq += 1
        return Dot(actor: actor, seq: seq)
    }
}
