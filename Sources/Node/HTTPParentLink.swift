import Causality
import Foundation
import JSON
import Sync
import Transport

/// The parent link over HTTP: every request carries this node's code and its credential;
/// bodies travel gzip-compressed both ways.
public final class HTTPParentLink: ParentLink, @unchecked Sendable {
    public let client: HTTPClient
    public let node: String
    private let token: String
    /// Answer bodies received, as they arrived (compressed).
    public var bytesReceived: Int64 { client.bodyBytes.received }

    public init(url: String, node: String, token: String, options: HTTPClient.Options = HTTPClient.Options()) throws {
        client = try HTTPClient(baseURL: url, options: options)
        self.node = node
        self.token = token
    }

    func call(_ method: String, _ path: String, body: JSONValue? = nil) throws -> JSONValue {
        let headers: HTTPHeaders = [
            "Authorization": "Bearer \(token)", "X-Rootsync-Node": node,
            "X-Rootsync-Protocol": String(SyncProtocol.version), "Content-Type": "application/json",
        ]
        var bytes: [UInt8] = []
        if let body { JSONWriter.write(body, into: &bytes) }
        let response = try client.send(method: method, path: path, headers: headers, body: bytes, gzipBody: bytes.count > 1024)
        let json = try? JSONParser.parse(bytes: response.body)
        guard (200..<300).contains(response.status) else {
            let refused = json?["refused"].flatMap { r -> Dot? in
                guard let actor = r["actor"]?.stringValue.flatMap(Actor.init), let seq = r["seq"]?.int64Value, Dot.isValidSeq(seq) else { return nil }
                return Dot(actor: actor, seq: seq)
            }
            throw RemoteError(status: response.status,
                              messageZh: json?["message_zh"]?.stringValue ?? "上级返回错误 \(response.status)",
                              messageEn: json?["message_en"]?.stringValue ?? json?["error"]?.stringValue ?? "HTTP \(response.status)",
                              refused: refused)
        }
        guard let json else { throw WireError("the parent's answer is not JSON") }
        return json
    }

    public func hello() throws -> Hello { try Hello(json: call("GET", "/v1/hello")) }

    public func have() throws -> HaveVector { try HaveVector(json: call("GET", "/v1/sync/have")) }

    public func push(_ batch: PushBatch) throws -> PushOutcome {
        try PushOutcome(json: call("POST", "/v1/sync/push", body: batch.json))
    }

    public func pull(cursor: PullCursor?, limit: Int) throws -> PullPage { try pull(cursor: cursor, limit: limit, estimate: false) }

    public func pull(cursor: PullCursor?, limit: Int, estimate: Bool) throws -> PullPage {
        var body: JSONObject = ["cursor": cursor?.json ?? .null, "limit": .int(limit)]
        if estimate { body["estimate"] = .bool(true) }
        return try PullPage(json: call("POST", "/v1/sync/pull", body: .object(body)))
    }

    public func exchangeCatalogue(_ request: CatalogueExchange) throws -> CatalogueExchange.Answer {
        try CatalogueExchange.Answer(json: call("POST", "/v1/catalogue/exchange", body: request.json))
    }

    /// `POST /v1/sync/purges`. A parent of an earlier release answers 404: it purges nothing
    /// and has no notices, which is what an empty answer says.
    public func purges(_ request: PurgeExchange) throws -> PurgeExchange.Answer {
        do {
            return try PurgeExchange.Answer(json: call("POST", "/v1/sync/purges", body: request.json))
        } catch let e as RemoteError where e.status == 404 {
            return PurgeExchange.Answer(notices: [], cursor: request.cursor ?? PurgeExchange.Cursor(database: "", position: 0), more: false)
        }
    }

    /// Sends this node's health and its subtree's (`POST /v1/sync/health`) after a round.
    public func reportHealth(_ report: HealthReport) throws {
        _ = try call("POST", "/v1/sync/health", body: report.json)
    }

    /// Long poll: returns when the parent has something new for us, or after `timeout` seconds.
    /// Also returns early when the parent has a newer catalogue or workflow events for this
    /// subtree after `workflowCursor` (stored as "database position"), so reviews and
    /// publications come down at once rather than at the next periodic round.
    public func waitForChanges(cursor: PullCursor?, timeout: Double, catalogue: Int? = nil, workflowCursor: String = "") throws -> Bool {
        var body: JSONObject = ["cursor": cursor?.json ?? .null, "timeout_ms": .int(Int(timeout * 1000))]
        if let catalogue { body["catalogue_version"] = .int(catalogue) }
        let parts = workflowCursor.split(separator: " ")
        if parts.count == 2, let position = Int64(parts[1]) { body["workflow"] = ["database": .string(String(parts[0])), "cursor": .int(position)] }
        let answer = try call("POST", "/v1/sync/wait", body: .object(body))
        return answer["changed"]?.boolValue ?? false
    }
}
