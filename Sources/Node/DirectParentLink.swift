import Causality
import Replica
import Sync

/// A parent link that calls the parent's service in-process: the sync core tested without a
/// socket. Every message goes through its wire encoding both ways, as over HTTP, so in-process
/// tests exercise the encodings too (only HTTP itself, gzip and authentication are left out).
public struct DirectParentLink: ParentLink {
    public let service: ParentService
    public init(service: ParentService) { self.service = service }
    public func hello() throws -> Hello { try Hello(json: service.hello().json) }
    public func have() throws -> HaveVector { try HaveVector(json: service.have().json) }
    public func push(_ batch: PushBatch) throws -> PushOutcome { try PushOutcome(json: service.push(PushBatch(json: batch.json)).json) }
    public func pull(cursor: PullCursor?, limit: Int) throws -> PullPage { try pull(cursor: cursor, limit: limit, estimate: false) }
    public func pull(cursor: PullCursor?, limit: Int, estimate: Bool) throws -> PullPage {
        let sent = try cursor.map { try PullCursor(json: $0.json) }
        return try PullPage(json: service.pull(cursor: sent, limit: limit, estimate: estimate).json)
    }
    public func exchangeCatalogue(_ request: CatalogueExchange) throws -> CatalogueExchange.Answer {
        try CatalogueExchange.Answer(json: service.exchangeCatalogue(CatalogueExchange(json: request.json)).json)
    }
    public func purges(_ request: PurgeExchange) throws -> PurgeExchange.Answer {
        try PurgeExchange.Answer(json: service.purges(PurgeExchange(json: request.json)).json)
    }
}
