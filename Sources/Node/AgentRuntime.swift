import Foundation
import JSON
import Replica
import SQLite
import Standards
import Sync
import Transport

/// A running node: serves its children and the local API, and keeps in step with its parent —
/// periodically, at once after a local change, and at once when the parent has something new
/// (a long poll). Offline parents are retried with exponential backoff; nothing wedges the loop.
public final class AgentRuntime: @unchecked Sendable {
    public struct Options: Sendable {
        /// Seconds between rounds when nothing happens.
        public var interval: Double = 30
        /// Overrides the listen address from node.json ("host:port"; port 0 picks one).
        public var listen: String?
        /// How long a long poll waits at the parent.
        public var waitSeconds: Double = 10
        public var backoff = Backoff(base: 0.5, cap: 30)
        /// Serve plain HTTP on a non-loopback address (else refused; node.json `allow_plain_http` too).
        public var allowPlainHTTP = false
        public init() {}
    }

    /// The node's settings: node.json as loaded at start, or at the last `reload()` (SIGHUP).
    public var config: NodeConfig { stateLock.withLock { current } }
    public let options: Options
    public let log: Log
    public let pool: ReplicaPool
    public let wake = ChangeSignal()
    public let routesChanged = ChangeSignal()
    public private(set) var server: HTTPServer?
    public private(set) var nodeServer: NodeServer!
    private let stateLock = NSLock()
    private var current: NodeConfig
    private var stopped = false
    private var threads: [Thread] = []
    private var lastHealthReport: Date?
    /// How long `stop()` waits for the round in flight to finish its batch.
    public static let stopWait: Double = 30

    public init(config: NodeConfig, options: Options, log: Log) throws {
        self.current = config
        self.options = options
        self.log = log
        pool = try ReplicaPool(path: config.replicaPath, divisions: DivisionTable.bundled)
        nodeServer = NodeServer(pool: pool, node: config.node, routesChanged: routesChanged, localChange: wake, log: log)
        nodeServer.time = config.time
        nodeServer.tombstoneRetentionMilliseconds = config.tombstoneRetentionMilliseconds
    }

    var isStopped: Bool {
        stateLock.lock()
        defer { stateLock.unlock() }
        return stopped
    }

    /// "https" when the server runs with TLS, else "http".
    public var scheme: String { server?.tls != nil ? "https" : "http" }

    /// The address the server listens on, once started.
    public var address: String? {
        guard let server else { return nil }
        return "\(server.host):\(server.port)"
    }

    public func start() throws {
        let childCount = try pool.with { $0.children.count }
        let hasChildren = childCount > 0
        // A node with nothing to serve still answers its local API on loopback: on the port it
        // recorded at its first start, or (the first time) one the system picks, then recorded.
        let configuredListen = options.listen ?? config.listen
        let leafAddress = configuredListen == nil && !hasChildren ? (config.localAPI ?? "127.0.0.1:0") : nil
        if let listen = configuredListen ?? leafAddress {
            guard let colon = listen.lastIndex(of: ":"), let port = UInt16(listen[listen.index(after: colon)...]) else {
                let field = configuredListen == nil ? "local_api" : "listen"
                throw ConfigError("\(NodeConfig.fileName) 的 \(field) 地址无效（应为 主机:端口）：\(listen)",
                                  "\(NodeConfig.fileName): \(field) is not a valid host:port address: \(listen)")
            }
            var host = String(listen[..<colon])
            if host == "localhost" { host = "127.0.0.1" }
            if host.hasPrefix("[") { host = String(host.dropFirst().dropLast()) }
            // Each child holds one thread with its long poll; the rest serve pushes, pulls and the local API.
            let handler = nodeServer!
            // HTTPS (requesting client certificates) wherever the node serves children or was
            // given an address; the fallback loopback-only local API of a leaf stays plain HTTP.
            var tls: HTTPServer.TLS?
            if configuredListen != nil || hasChildren, let pem = try config.tlsPEM() {
                tls = HTTPServer.TLS(certificatePEM: pem.certificate, keyPEM: pem.key, trustPEM: pem.ca)
            }
            handler.requiresClientCertificate = tls != nil
            if let refusal = NodeConfig.plainHTTPRefusal(host: host, tls: tls != nil, allowed: options.allowPlainHTTP || config.allowPlainHTTP) {
                throw refusal
            }
            handler.localAPICredentialFile = LocalAPICredential.path(directory: config.directory)
            let server = HTTPServer(host: host, port: port, limits: HTTPServer.Limits(), threads: 8 + childCount, tls: tls,
                                    admit: { handler.admit($0) }, observe: { handler.observe($0) }) { handler.handle($0) }
            try server.start()
            self.server = server
            if leafAddress != nil, config.localAPI == nil {
                // Re-read node.json so that nothing another tool wrote meanwhile is lost.
                var saved = try NodeConfig.load(directory: config.directory)
                saved.localAPI = "127.0.0.1:\(server.port)"
                try saved.save()
                log.notice("local API address recorded", ["address": saved.localAPI!, "file": NodeConfig.fileName])
            }
            if tls == nil && !NodeConfig.isLoopbackHost(host) {
                let warning = NodeConfig.plainHTTPWarning(host: host)
                handler.plainHTTPWarning = warning
                log.notice("warning", ["message": warning])
            }
            log.notice("listening", ["node": config.node, "address": "\(tls != nil ? "https" : "http")://\(host):\(server.port)"])
        }
        spawn("watch-local") { self.watchLocalChanges() }
        if config.parent != nil {
            spawn("sync") { self.syncLoop() }
            spawn("watch-parent") { self.watchParent() }
        }
    }

    /// Stops cleanly (SIGTERM): the round in flight ends after the batch it is applying (each
    /// batch is one transaction on both sides), requests being answered are finished, waiting
    /// children are released; then everything is closed.
    public func stop() {
        stateLock.lock()
        stopped = true
        let loops = threads.filter { $0.name == "rootsync-sync" }
        stateLock.unlock()
        wake.notify()
        nodeServer.shutdown()
        server?.stop(grace: 5)
        let deadline = Date().addingTimeInterval(Self.stopWait)
        while loops.contains(where: { !$0.isFinished }) && Date() < deadline { usleep(20_000) }
        if loops.contains(where: { !$0.isFinished }) {
            log.notice("stop_timeout", ["node": config.node, "waited": "\(Int(Self.stopWait))s"])
        }
        log.event("stopped", ["node": config.node])
    }

    /// Reads node.json again (SIGHUP) and applies what can change while running: the parent's
    /// address, the TLS files the link uses, the time zone. The listen address and the server's
    /// certificate need a restart: said in the log, the running values are kept. A node.json
    /// that does not load leaves everything as it was. Returns the fields that changed.
    @discardableResult
    public func reload() -> [String] {
        let fresh: NodeConfig
        do { fresh = try NodeConfig.load(directory: config.directory) } catch {
            let e = error as? ConfigError
            log.notice("config_reload_failed", ["error": e?.messageEn ?? "\(error)", "error_zh": e?.messageZh ?? "", "kept": "the running configuration"])
            return []
        }
        let old = config
        guard fresh.node == old.node else {
            log.notice("config_reload_failed", ["error": "node.json now names node \(fresh.node), not \(old.node); restart the agent for another node",
                                                "kept": "the running configuration"])
            return []
        }
        var changed: [String] = []
        if fresh.parentURL != old.parentURL { changed.append("parent_url") }
        if fresh.tls != old.tls { changed.append("tls") }
        if fresh.time != old.time { changed.append("time_zone") }
        if fresh.tombstoneRetentionDays != old.tombstoneRetentionDays { changed.append("tombstone_retention_days") }
        var needRestart: [String] = []
        if fresh.listen != old.listen { needRestart.append("listen") }
        if fresh.tls != old.tls && server?.tls != nil { needRestart.append("tls (server certificate)") }
        var applied = fresh
        applied.listen = old.listen
        applied.localAPI = old.localAPI
        stateLock.withLock { current = applied }
        nodeServer.time = applied.time
        nodeServer.tombstoneRetentionMilliseconds = applied.tombstoneRetentionMilliseconds
        log.time = applied.time
        log.notice("config_reloaded", ["changed": changed.isEmpty ? "nothing" : changed.joined(separator: ",")])
        if !needRestart.isEmpty {
            log.notice("config_reload_needs_restart", ["fields": needRestart.joined(separator: ","), "kept": "the running values"])
        }
        // A new parent address or link certificate: the next round uses it, now.
        wake.notify()
        return changed + needRestart.map { "\($0) (needs a restart)" }
    }

    private func spawn(_ name: String, _ body: @escaping @Sendable () -> Void) {
        let t = Thread { body() }
        t.name = "rootsync-\(name)"
        threads.append(t)
        t.start()
    }

    func parentLink(timeout: Double) throws -> HTTPParentLink {
        guard let url = config.parentURL, let token = config.parentToken() else {
            throw ConfigError("没有配置上级地址或凭据（node.json 的 parent_url、link.token）",
                              "no parent address or credential configured (parent_url in node.json, link.token)")
        }
        var o = HTTPClient.Options()
        o.connectTimeout = 5
        o.totalTimeout = timeout
        if let tls = config.tls {
            // The parent's certificate must come from the city CA; ours proves which node we are.
            o.caFile = tls.ca
            o.clientCertificateFile = tls.cert
            o.clientKeyFile = tls.key
        }
        return try HTTPParentLink(url: url, node: config.node, token: token, options: o)
    }

    /// One round now (also used by `rootsync sync`); its traffic is counted for `/metrics`.
    /// One round now; `progress` is told after each page of a pull longer than one page.
    public func syncOnce(progress: ((PullProgress) -> Void)? = nil) throws -> SyncRound.Report {
        let link = try parentLink(timeout: 300)
        defer {
            let bytes = link.client.bodyBytes
            nodeServer.metrics.linkTraffic(sent: bytes.sent, received: bytes.received)
        }
        return try pool.with { replica in
            var round = SyncRound(replica: replica, link: link)
            round.isCancelled = { [weak self] in self?.isStopped ?? true }
            round.onPullProgress = progress
            let report = try round.run()
            let summary: JSONValue = ["at": .int(Int64(Date().timeIntervalSince1970 * 1000)), "pushed": .int(report.pushed), "pulled": .int(report.pulled)]
            if report.pushed + report.pulled > 0 { try replica.setSyncState("last_round", summary.text) }
            return report
        }
    }

    func syncLoop() {
        var failures = 0
        while !isStopped {
            let seen = wake.current
            do {
                let report = try syncOnce()
                nodeServer.metrics.roundSucceeded(pushed: report.pushed, pulled: report.pulled, at: Int64(Date().timeIntervalSince1970 * 1000))
                reportHealthIfDue()
                if failures > 0 { log.notice("parent_reachable", ["parent": config.parent ?? ""]) }
                failures = 0
                for v in report.cataloguesInstalled { log.event("catalogue_installed", ["version": String(v)]) }
                if report.sharingHeldBack { log.notice("sharing_held_back", ["reason": "the parent runs an earlier release without sharing events; upgrade it"]) }
                if report.pushed + report.pulled > 0 {
                    log.event("synced", ["pushed": String(report.pushed), "pulled": String(report.pulled)])
                }
                if report.pulled > 0 { routesChanged.notify() }
                wake.wait(after: seen, timeout: options.interval)
            } catch {
                failures += 1
                nodeServer.metrics.roundFailed()
                nodeServer.metrics.linkFailed(config.parent ?? "", reason: MetricReason.linkFailure(error))
                let delay = options.backoff.delay(attempt: failures)
                if failures == 1 || failures % 10 == 0 {
                    log.notice("sync_failed", ["parent": config.parent ?? "", "attempt": String(failures), "retry_in": String(format: "%.1fs", delay), "error": "\(error)"])
                }
                _ = try? pool.with { try $0.noteLink(config.parent ?? "", error: "\(error)", at: Int64(Date().timeIntervalSince1970 * 1000)) }
                sleepUnlessStopped(delay)
            }
        }
    }

    /// Health goes up after a round, at most this often (seconds).
    public static let healthInterval: Double = 10

    /// Sends this node's health and what its children reported to the parent, when the last
    /// report is older than `healthInterval`. A parent that does not know the endpoint (an older
    /// release, 404) or any failure only costs this report: the next round tries again.
    func reportHealthIfDue() {
        let due = stateLock.withLock { () -> Bool in
            guard lastHealthReport.map({ Date().timeIntervalSince($0) >= Self.healthInterval }) ?? true else { return false }
            lastHealthReport = Date()
            return true
        }
        guard due else { return }
        do {
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let lastRound = nodeServer.metrics.snapshot().lastRoundSuccessMilliseconds
            let own = try pool.with { try SubtreeView.own($0, lastRoundMilliseconds: lastRound, now: now) }
            let link = try parentLink(timeout: 30)
            defer {
                let bytes = link.client.bodyBytes
                nodeServer.metrics.linkTraffic(sent: bytes.sent, received: bytes.received)
            }
            try link.reportHealth(SubtreeView.report(own: own, below: nodeServer.subtreeHealth.load()))
        } catch {
            log.debug("health_report_failed", ["parent": config.parent ?? "", "error": "\(error)"])
        }
    }

    /// Holds a long poll open at the parent; wakes the sync loop when the parent has news.
    func watchParent() {
        var failures = 0
        while !isStopped {
            do {
                let link = try parentLink(timeout: options.waitSeconds + 10)
                var counted = link.client.bodyBytes
                defer {
                    let bytes = link.client.bodyBytes
                    nodeServer.metrics.linkTraffic(sent: bytes.sent - counted.sent, received: bytes.received - counted.received)
                }
                let token = config.parentToken()
                // A rotated credential (link.token replaced) takes over at the next poll.
                while !isStopped && config.parentToken() == token {
                    let (cursor, catalogue, workflow) = try pool.with { r in
                        (try r.syncState("pull_cursor").flatMap { try? PullCursor(json: JSONParser.parse($0)) }, r.catalogue.version,
                         try r.syncState("workflow_cursor") ?? "")
                    }
                    let changed = try link.waitForChanges(cursor: cursor, timeout: options.waitSeconds, catalogue: catalogue, workflowCursor: workflow)
                    let bytes = link.client.bodyBytes
                    nodeServer.metrics.linkTraffic(sent: bytes.sent - counted.sent, received: bytes.received - counted.received)
                    counted = bytes
                    if changed {
                        wake.notify()
                        // Let the round fetch it before asking again.
                        sleepUnlessStopped(0.05)
                    }
                    failures = 0
                }
            } catch {
                failures += 1
                sleepUnlessStopped(options.backoff.delay(attempt: failures))
            }
        }
    }

    /// Notices writes by anyone (office programs, other rootsync commands) through SQLite's
    /// data_version, and wakes the sync loop and waiting children.
    func watchLocalChanges() {
        guard let db = try? Database(path: config.replicaPath) else { return }
        var last = (try? db.scalarInt("PRAGMA data_version")) ?? 0
        while !isStopped {
            sleepUnlessStopped(0.2)
            guard let v = try? db.scalarInt("PRAGMA data_version"), v != last else { continue }
            last = v
            wake.notify()
            routesChanged.notify()
        }
    }

    private func sleepUnlessStopped(_ seconds: Double) {
        let end = Date().addingTimeInterval(seconds)
        while !isStopped && Date() < end { Thread.sleep(forTimeInterval: min(0.1, end.timeIntervalSinceNow > 0 ? end.timeIntervalSinceNow : 0)) }
    }
}
