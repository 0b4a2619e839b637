import Causality
import Foundation
import JSON
import Replica
import Sync

/// The node's status as JSON: identity, data held, link states, conflicts, invalid writes.
public enum StatusReport {
    public static func make(_ r: Replica, childrenSeen: [String: Int64] = [:], time: NodeTime = .standard) throws -> JSONValue {
        var o = JSONObject()
        o.append("node", .string(r.node.code))
        o.append("name", .string(r.node.name))
        o.append("level", .string(r.node.level.rawValue))
        o.append("parent", r.node.parent.map { .string($0) } ?? .null)
        o.append("epoch", .int(r.epoch))
        o.append("catalogue_version", .int(r.catalogue.version))
        o.append("catalogue", try catalogue(r))
        let counts = try r.storageCounts()
        var records = JSONObject()
        for res in r.catalogue.resources { records.append(res.name, .int(counts.records[res.name] ?? 0)) }
        o.append("records", .object(records))
        o.append("versions", .int(counts.versions))
        o.append("open_conflicts", .int(counts.openConflicts))
        o.append("invalid_writes", .int(counts.invalidWrites))
        o.append("versions_set_aside", .int(try r.setAsideVersions().count))
        o.append("pending_captures", .int(counts.pendingCaptures))
        o.append("database_bytes", .int(counts.bytes))
        o.append("links", .array(try links(r, childrenSeen: childrenSeen, time: time)))
        o.append("sharing", sharing(r))
        return .object(o)
    }

    /// Sharing's open work and its overdue flags; a calendar or setting that cannot be read is
    /// shown as the error it is.
    public static func sharing(_ r: Replica) -> JSONValue {
        do {
            let c = try ShareContext.load(r)
            var o = ShareViews.overdue(try c.overdue(r)).objectValue ?? JSONObject()
            o.append("today", .string(c.today.iso))
            o.append("dispute_window_days", .int(c.disputeWindowDays))
            o.append("calendar_years", .array(c.calendar.years.map { .int($0) }))
            return .object(o)
        } catch let e as ConfigError {
            return ["error": ["message_zh": .string(e.messageZh), "message_en": .string(e.messageEn)]]
        } catch {
            return ["error": ["message_zh": .string("\(error)"), "message_en": .string("\(error)")]]
        }
    }

    /// The catalogue workflow as this node sees it: drafts waiting for a review here, drafts
    /// still under review anywhere, and stored values that use disabled codes.
    public static func catalogue(_ r: Replica) throws -> JSONValue {
        let drafts = try r.drafts()
        let pending = drafts.filter { $0.status == .pending }
        return ["version": .int(r.catalogue.version),
                "drafts_to_review_here": .int(pending.filter { $0.reviewer == r.node.code }.count),
                "drafts_pending": .int(pending.count),
                "flagged_values": .int(try r.flaggedValues(limit: 10_000).count)]
    }

    /// Each link's state: the parent's last push and pull and what waits to be pushed; each
    /// child's last contact and how many versions are queued for it.
    public static func links(_ r: Replica, childrenSeen: [String: Int64] = [:], time zone: NodeTime = .standard) throws -> [JSONValue] {
        func time(_ ms: Int64?) -> JSONValue { ms.map { .string(zone.rfc3339(milliseconds: $0)) } ?? .null }
        var links: [JSONValue] = []
        for l in try r.linkStates() {
            var lo = JSONObject()
            lo.append("node", .string(l.node))
            lo.append("role", .string(l.role))
            lo.append("last_push", time(l.lastPushMilliseconds))
            lo.append("last_pull", time(l.lastPullMilliseconds))
            let seen = max(l.lastSeenMilliseconds ?? 0, childrenSeen[l.node] ?? 0)
            lo.append("last_seen", time(seen > 0 ? seen : nil))
            lo.append("last_error", l.lastError.map { .string($0) } ?? .null)
            lo.append("versions_pushed", .int(l.pushed))
            lo.append("versions_pulled", .int(l.pulled))
            if l.role == "child" {
                lo.append("versions_behind", .int(l.routesPending))
            } else {
                lo.append("versions_waiting_to_push", .int(try waitingToPush(r)))
                if let last = try r.syncState("last_round"), var round = (try? JSONParser.parse(last))?.objectValue {
                    if let at = round["at"]?.int64Value { round["time"] = .string(zone.rfc3339(milliseconds: at)) }
                    lo.append("last_round", .object(round))
                }
                // A load running now (its last page less than two minutes ago).
                if let text = try r.syncState("pull_progress"), let json = try? JSONParser.parse(text), let p = PullProgress(json: json),
                   !p.done, Int64(Date().timeIntervalSince1970 * 1000) - p.atMilliseconds < 120_000, var o = p.json.objectValue {
                    o["seconds_left"] = p.secondsLeft.map { .int(Int64($0.rounded())) } ?? .null
                    o["line"] = .string(p.line)
                    lo.append("pull_progress", .object(o))
                }
            }
            links.append(.object(lo))
        }
        return links
    }

    /// Versions written here or below that the parent did not have at the last round.
    static func waitingToPush(_ r: Replica) throws -> Int {
        let parentHave = (try r.syncState("parent_have")).flatMap { try? HaveVector(json: JSONParser.parse($0)) }?.entries ?? [:]
        let mine = try r.haveVector(subtree: r.node.jurisdiction.prefix)
        // Counters come from other nodes: add with saturation, so a damaged have-vector shows a
        // huge lag (and `rootsync doctor` names it) instead of trapping.
        var total: Int64 = 0
        for (actor, seq) in mine {
            let (gap, over) = seq.subtractingReportingOverflow(parentHave[actor] ?? 0)
            guard !over, gap > 0 else { continue }
            let (sum, overflow) = total.addingReportingOverflow(gap)
            total = overflow ? .max : sum
        }
        return Int(clamping: total)
    }
}
