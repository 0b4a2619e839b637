import JSON
import Testing
@testable import Sync

/// `features` in the hello and the catalogue exchange: parts of protocol 1 added after its first
/// release. Each message survives its JSON; an earlier release's message (no `features`) means
/// none; a malformed list is refused naming the field; names this release does not know are kept.
@Suite("Feature announcements")
struct FeatureAnnouncementTests {
    static let hello = Hello(node: "150603", level: "district", catalogueVersion: 3, databaseID: "db-1")

    @Test("hello: round trip, this release's features by default, an earlier release's hello means none")
    func hello() throws {
        #expect(Self.hello.features == SyncProtocol.features && Self.hello.features.contains(SyncProtocol.sharingEvents))
        #expect(try Hello(json: Self.hello.json) == Self.hello)
        var later = Self.hello
        later.features = ["sharing", "snapshot-v2"]
        #expect(try Hello(json: later.json).features == ["sharing", "snapshot-v2"])
        var o = Self.hello.json.objectValue!
        o["features"] = nil
        #expect(try Hello(json: .object(o)).features == [])
        o["features"] = .null
        #expect(try Hello(json: .object(o)).features == [])
    }

    @Test("catalogue exchange: round trip, and an earlier release's request means none")
    func exchange() throws {
        let request = CatalogueExchange(catalogueVersion: 2, events: [], cursor: 7, database: "db-1")
        #expect(request.features == SyncProtocol.features)
        #expect(try CatalogueExchange(json: request.json) == request)
        let old = try CatalogueExchange(json: try JSONParser.parse(#"{"catalogue_version": 2, "events": [], "cursor": 7, "database": "db-1"}"#))
        #expect(old.features == [])
        var none = request
        none.features = []
        #expect(try CatalogueExchange(json: none.json) == none)
    }

    @Test("malformed feature lists are refused, naming features", arguments: [
        #""sharing""#, "7", #"[7]"#, #"[""]"#, "[\"" + String(repeating: "x", count: 65) + "\"]",
        "[" + (0..<65).map { "\"f\($0)\"" }.joined(separator: ",") + "]",
    ])
    func malformed(_ features: String) throws {
        var o = Self.hello.json.objectValue!
        o["features"] = try JSONParser.parse(features)
        #expect(throws: WireError.self) { try Hello(json: .object(o)) }
        do { _ = try Hello(json: .object(o)) } catch let e as WireError { #expect(e.message.contains("features"), "\(e)") }
        let exchange = try JSONParser.parse(#"{"catalogue_version": 2, "events": [], "cursor": 0, "database": "", "features": \#(features)}"#)
        #expect(throws: WireError.self) { try CatalogueExchange(json: exchange) }
    }
}
