import Causality
import Replica
import Sync

/// A parent link that calls the parent's service in-process: the sync core tested without a
/// socket. (The HTTP link sends the same messages over the network.)
public struct DirectParentLink: ParentLink {
    public let service: ParentService
    public init(service: ParentService) { self.service = service }
    public func hello() throws -> Hello { service.hello() }
    public func have() throws -> HaveVector { try service.have() }
    public func push(_ batch: PushBatch) throws -> PushOutcome { try service.push(batch) }
    public func pull(cursor: PullCursor?, limit: Int) throws -> PullPage { try service.pull(cursor: cursor, limit: limit) }
    public func exchangeCatalogue(_ request: CatalogueExchange) throws -> CatalogueExchange.Answer { try service.exchangeCatalogue(request) }
    /// Through the wire encoding both ways, as over HTTP, so in-process tests exercise it.
    public func purges(_ request: PurgeExchange) throws -> PurgeExchange.Answer {
        try PurgeExchange.Answer(json: service.purges(PurgeExchange(json: request.json)).json)
    }
}
