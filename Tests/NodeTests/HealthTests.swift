import Foundation
import JSON
import Testing
import Transport
@testable import Node
@testable import Replica

/// `GET /healthz` through the node's router (`NodeServer.handle`), on a real replica.
@Suite("Node health")
struct HealthTests {
    static let street = "150603002"

    func server() throws -> (Tree, NodeServer) {
        let tree = try Tree(["150600", "150603", Self.street, "150603002001"])
        let pool = try ReplicaPool(path: tree.path(Self.street), divisions: .bundled)
        return (tree, NodeServer(pool: pool, node: Self.street, routesChanged: ChangeSignal(), localChange: ChangeSignal(), log: Log(level: .quiet)))
    }

    @Test("/healthz: 200 with node, level, agent and catalogue versions, from any address without credentials; 503 while stopping")
    func healthy() throws {
        let (tree, server) = try server()
        for address in ["127.0.0.1", "10.20.30.40"] {
            let r = server.handle(HTTPRequest(method: "GET", path: "/healthz", headers: [:], body: [], remoteAddress: address))
            #expect(r.status == 200, "\(r.bodyText ?? "")")
            let json = try JSONParser.parse(bytes: r.body)
            #expect(json["status"]?.stringValue == "ok")
            #expect(json["node"]?.stringValue == Self.street)
            #expect(json["level"]?.stringValue == "street")
            #expect(json["agent_version"]?.stringValue == AgentVersion.current)
            #expect(json["catalogue_version"]?.int64Value == Int64(tree[Self.street].catalogue.version))
            #expect(json["replica_open"] == .bool(true))
        }
        #expect(server.handle(HTTPRequest(method: "HEAD", path: "/healthz", headers: [:], body: [], remoteAddress: "127.0.0.1")).status == 200)
        #expect(server.handle(HTTPRequest(method: "POST", path: "/healthz", headers: [:], body: [], remoteAddress: "127.0.0.1")).status == 404)

        server.shutdown()
        let stopping = server.handle(HTTPRequest(method: "GET", path: "/healthz", headers: [:], body: [], remoteAddress: "127.0.0.1"))
        #expect(stopping.status == 503)
        let json = try JSONParser.parse(bytes: stopping.body)
        #expect(json["status"]?.stringValue == "stopping" && json["replica_open"] == .bool(false))
    }

    @Test("/healthz: 503 with replica_open false when the replica cannot be queried")
    func replicaGone() throws {
        let (tree, _) = try server()
        // A pool whose file was made unreadable after it opened: the connection fails its query.
        let path = tree.path(Self.street)
        let pool = try ReplicaPool(path: path, divisions: .bundled, size: 1)
        let server = NodeServer(pool: pool, node: Self.street, routesChanged: ChangeSignal(), localChange: ChangeSignal(), log: Log(level: .quiet))
        #expect(server.handle(HTTPRequest(method: "GET", path: "/healthz", headers: [:], body: [], remoteAddress: "127.0.0.1")).status == 200)
        try tree[Self.street].db.run("DROP TABLE _rs_meta")
        let r = server.handle(HTTPRequest(method: "GET", path: "/healthz", headers: [:], body: [], remoteAddress: "127.0.0.1"))
        #expect(r.status == 503, "\(r.bodyText ?? "")")
        let json = try JSONParser.parse(bytes: r.body)
        #expect(json["status"]?.stringValue == "unavailable" && json["replica_open"] == .bool(false))
        #expect(json["error"]?.stringValue?.isEmpty == false)
    }
}
