import Causality

/// The push being assembled for the parent: the versions chosen so far, the counter ranges the
/// batch covers completely (`through`), and the highest counter of each actor already in it.
struct PushSelection {
    let parentHave: [Actor: Int64]
    let limit: Int
    private(set) var versions: [GroupVersion] = []
    private(set) var sent: [Actor: Int64] = [:]
    var through: [Actor: (from: Int64, to: Int64)] = [:]

    init(parentHave: [Actor: Int64], limit: Int) {
        self.parentHave = parentHave
        self.limit = limit
    }

    var room: Int { max(0, limit - versions.count) }
    var isFull: Bool { room == 0 }

    mutating func append(_ v: GroupVersion) {
        versions.append(v)
        sent[v.dot.actor] = max(sent[v.dot.actor] ?? 0, v.dot.seq)
    }
}
