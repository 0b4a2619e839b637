import Foundation
import Replica
import Sharing
import Transport

extension NodeServer {
    /// The `endpoint` label of an HTTP request: the route it belongs to, never the path itself
    /// (keys and codes in paths would make the series unbounded).
    static func endpoint(_ rawPath: String) -> String {
        let parts = segments(rawPath)
        switch parts.count {
        case 0: return "/"
        case 1 where ["healthz", "metrics"].contains(parts[0]): return "/" + parts[0]
        case 2 where parts[0] == "v1" && ["hello", "enroll", "status"].contains(parts[1]): return "/v1/" + parts[1]
        case 3 where parts == ["v1", "status", "tree"]: return "/v1/status/tree"
        case 3 where parts[0] == "v1" && parts[1] == "sync" && ["have", "push", "pull", "wait", "rotate", "health"].contains(parts[2]):
            return "/v1/sync/" + parts[2]
        case 3 where parts == ["v1", "catalogue", "exchange"]: return "/v1/catalogue/exchange"
        default:
            if parts.count >= 2 && parts[0] == "v1" && ["records", "catalogue", "share", "disputes", "feed"].contains(parts[1]) { return "/v1/" + parts[1] }
            // The web app (NodeServer+Web): its pages and API, and its static files.
            if Self.isWebPath(parts) { return "/" + parts[0] }
            return "other"
        }
    }

    /// The server's observer: every answered request, counted by its endpoint.
    public func observe(_ exchange: HTTPExchange) {
        metrics.observe(exchange, endpoint: Self.endpoint(exchange.rawPath))
    }

    /// `GET /metrics`: Prometheus text. Counters come from `metrics`; gauges are read from the
    /// replica now, each cheaply (versions per resource as an update of the last tally).
    func metricsPage() throws -> HTTPResponse {
        let counts = metrics.snapshot()
        let nowMilliseconds = Int64(Date().timeIntervalSince1970 * 1000)
        let seen = childrenLastSeen()
        struct LinkGauge {
            let link: String, role: String
            let lastSuccess: Int64?
            let behindUp: Int?, behindDown: Int?
        }
        struct Held {
            let records: [String: Int], versions: [String: Int]
            let openConflicts: Int, invalidWrites: Int, setAside: Int
        }
        let (level, epoch, catalogue, bytes, held, links) = try pool.with { r -> (String, Int, Int, Int64, Held, [LinkGauge]) in
            let problems = try r.problemCounts()
            let held = Held(records: try r.recordCounts(), versions: try metrics.versionCounts { try r.versionCounts(updating: $0) },
                            openConflicts: problems.openConflicts, invalidWrites: problems.invalidWrites, setAside: problems.setAside)
            var links: [LinkGauge] = []
            for l in try r.linkStates() {
                // A push or pull is recorded only when it succeeded (idle ones at most once a
                // minute); this process also remembers its own last round and each child's last contact.
                let remembered = l.role == "parent" ? counts.lastRoundSuccessMilliseconds : seen[l.node]
                let last = [l.lastPushMilliseconds, l.lastPullMilliseconds, remembered].compactMap { $0 }.max()
                links.append(LinkGauge(link: l.node, role: l.role, lastSuccess: last,
                                       behindUp: l.role == "parent" ? try StatusReport.waitingToPush(r) : nil,
                                       behindDown: l.role == "parent" ? nil : l.routesPending))
            }
            return (r.node.level.rawValue, r.epoch, r.catalogue.version, try r.storageBytes(), held, links)
        }
        // Sharing's deadlines: a calendar that cannot be read shows as the error gauge, not as zero overdue.
        let sharing = try pool.with { r -> ShareOverdue? in try? ShareContext.load(r).overdue(r) }

        var p = PrometheusText()
        p.family("rootsync_agent_info", .gauge, "This agent: node code, level and agent version (always 1).")
        p.sample("rootsync_agent_info", [("node", node), ("level", level), ("version", AgentVersion.current)], 1)
        p.family("rootsync_agent_start_time_seconds", .gauge, "When this agent process started, Unix time.")
        p.sample("rootsync_agent_start_time_seconds", [], metrics.startTime.rounded())
        p.family("rootsync_catalogue_version", .gauge, "The data catalogue version in force.")
        p.sample("rootsync_catalogue_version", [], catalogue)
        p.family("rootsync_epoch", .gauge, "This replica's writer epoch (a new one after a restore).")
        p.sample("rootsync_epoch", [], epoch)
        p.family("rootsync_database_size_bytes", .gauge, "Size of replica.sqlite, pages not yet checkpointed from the WAL included.")
        p.sample("rootsync_database_size_bytes", [], Double(bytes))

        p.family("rootsync_records", .gauge, "Visible records held, per resource.")
        for (name, n) in held.records.sorted(by: { $0.key < $1.key }) { p.sample("rootsync_records", [("resource", name)], n) }
        p.family("rootsync_versions", .gauge, "Versions held (current and superseded), per resource.")
        for (name, n) in held.versions.sorted(by: { $0.key < $1.key }) { p.sample("rootsync_versions", [("resource", name)], n) }
        p.family("rootsync_open_conflicts", .gauge, "Open conflicts (one per conflicted field group), as rootsync conflicts lists them.")
        p.sample("rootsync_open_conflicts", [], held.openConflicts)
        p.family("rootsync_invalid_writes", .gauge, "Direct writes to the resource tables that failed validation (rootsync invalid).")
        p.sample("rootsync_invalid_writes", [], held.invalidWrites)
        p.family("rootsync_versions_set_aside", .gauge, "Versions the parent refused, kept here and not sent again.")
        p.sample("rootsync_versions_set_aside", [], held.setAside)

        p.family("rootsync_share_requests_pending", .gauge, "Data requests waiting for a decision that this node knows of.")
        p.family("rootsync_share_requests_overdue", .gauge,
                 "Data requests past their 5 working days without a decision: scope here = decided at this node, known = all this node knows of.")
        p.family("rootsync_disputes_open", .gauge, "Quality checks (校核) not yet answered that this node knows of.")
        p.family("rootsync_disputes_overdue", .gauge,
                 "Quality checks past their 3 working days without an answer: scope here = answered at this node, known = all this node knows of.")
        p.family("rootsync_share_deadlines_unknown", .gauge, "Open requests and disputes whose deadline the working-day calendar does not cover (-1: the calendar cannot be read).")
        if let o = sharing {
            p.sample("rootsync_share_requests_pending", [], o.requestsPending)
            p.sample("rootsync_share_requests_overdue", [("scope", "here")], o.requestsOverdueHere.count)
            p.sample("rootsync_share_requests_overdue", [("scope", "known")], o.requestsOverdue.count)
            p.sample("rootsync_disputes_open", [], o.disputesOpen)
            p.sample("rootsync_disputes_overdue", [("scope", "here")], o.disputesOverdueHere.count)
            p.sample("rootsync_disputes_overdue", [("scope", "known")], o.disputesOverdue.count)
            p.sample("rootsync_share_deadlines_unknown", [], o.deadlinesUnknown.count)
        } else {
            p.sample("rootsync_share_deadlines_unknown", [], -1)
        }

        p.family("rootsync_link_last_success_timestamp_seconds", .gauge, "Last successful exchange on each link, Unix time (absent: never).")
        for l in links {
            if let ms = l.lastSuccess { p.sample("rootsync_link_last_success_timestamp_seconds", [("link", l.link), ("role", l.role)], Double(ms) / 1000) }
        }
        p.family("rootsync_link_last_success_age_seconds", .gauge, "Seconds since the last successful exchange on each link (absent: never).")
        for l in links {
            if let ms = l.lastSuccess {
                p.sample("rootsync_link_last_success_age_seconds", [("link", l.link), ("role", l.role)], Double(max(nowMilliseconds - ms, 0)) / 1000)
            }
        }
        p.family("rootsync_link_versions_behind", .gauge,
                 "Versions waiting on each link: direction up = written here or below and not yet held by the parent (as of the last round); down = queued here for the child.")
        for l in links {
            if let n = l.behindUp { p.sample("rootsync_link_versions_behind", [("link", l.link), ("role", l.role), ("direction", "up")], n) }
            if let n = l.behindDown { p.sample("rootsync_link_versions_behind", [("link", l.link), ("role", l.role), ("direction", "down")], n) }
        }
        p.family("rootsync_link_failures_total", .counter, "Failed rounds with the parent, by reason, since the agent started.")
        for (key, n) in counts.linkFailures.sorted(by: { ($0.key.link, $0.key.reason) < ($1.key.link, $1.key.reason) }) {
            p.sample("rootsync_link_failures_total", [("link", key.link), ("reason", key.reason)], n)
        }
        p.family("rootsync_sync_rounds_total", .counter, "Rounds with the parent, by result.")
        for (result, n) in counts.rounds.sorted(by: { $0.key < $1.key }) { p.sample("rootsync_sync_rounds_total", [("result", result)], n) }
        p.family("rootsync_versions_pushed_total", .counter, "Versions the parent took from this node's pushes.")
        p.sample("rootsync_versions_pushed_total", [], counts.versionsPushed)
        p.family("rootsync_versions_pulled_total", .counter, "Versions pulled from the parent and stored.")
        p.sample("rootsync_versions_pulled_total", [], counts.versionsPulled)
        p.family("rootsync_link_sent_bytes_total", .counter, "Body bytes sent to the parent (on the wire, compressed).")
        p.sample("rootsync_link_sent_bytes_total", [], Double(counts.linkBytesSent))
        p.family("rootsync_link_received_bytes_total", .counter, "Body bytes received from the parent (on the wire, compressed).")
        p.sample("rootsync_link_received_bytes_total", [], Double(counts.linkBytesReceived))

        p.family("rootsync_pushes_refused_total", .counter, "Children's pushes this node refused, by reason.")
        for (reason, n) in counts.pushesRefused.sorted(by: { $0.key < $1.key }) { p.sample("rootsync_pushes_refused_total", [("reason", reason)], n) }
        p.family("rootsync_auth_failures_total", .counter, "Failed authentications (sync links, enrolment, local API), by reason.")
        for (reason, n) in counts.authFailures.sorted(by: { $0.key < $1.key }) { p.sample("rootsync_auth_failures_total", [("reason", reason)], n) }

        let requests = counts.requests.sorted { ($0.key.endpoint, $0.key.method, $0.key.status) < ($1.key.endpoint, $1.key.method, $1.key.status) }
        p.family("rootsync_http_requests_total", .counter, "HTTP requests answered, by endpoint, method and status.")
        for (key, n) in requests {
            p.sample("rootsync_http_requests_total", [("endpoint", key.endpoint), ("method", key.method), ("status", String(key.status))], n)
        }
        p.family("rootsync_http_request_duration_seconds", .histogram, "Time from a request's head to its answer being sent, by endpoint.")
        for (endpoint, h) in counts.latency.sorted(by: { $0.key < $1.key }) {
            p.histogram("rootsync_http_request_duration_seconds", [("endpoint", endpoint)], h)
        }
        p.family("rootsync_http_request_body_bytes_total", .counter, "Request body bytes received, by endpoint (on the wire).")
        for (endpoint, n) in counts.requestBytes.sorted(by: { $0.key < $1.key }) {
            p.sample("rootsync_http_request_body_bytes_total", [("endpoint", endpoint)], n)
        }
        p.family("rootsync_http_response_body_bytes_total", .counter, "Response body bytes sent, by endpoint (after compression).")
        for (endpoint, n) in counts.responseBytes.sorted(by: { $0.key < $1.key }) {
            p.sample("rootsync_http_response_body_bytes_total", [("endpoint", endpoint)], n)
        }
        return HTTPResponse(status: 200, headers: ["Content-Type": PrometheusText.contentType], body: Array(p.text.utf8))
    }
}
