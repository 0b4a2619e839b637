import Catalogue
import Crypto
import Foundation
import JSON
import Node
import Replica
import Standards
import Sync

/// Creating a node directory from a topology: the replica, its links, and node.json.
/// Shared by `init` (one node) and `up` (every node).
enum NodeSetup {
    static func loadTopology(_ path: String, divisions: DivisionTable) throws -> Topology {
        do {
            return try Topology.load(path: path, divisions: divisions)
        } catch let error as TopologyError {
            throw CommandError("拓扑文件 \(path) 无效：\n" + error.problems.map { "  - \($0)" }.joined(separator: "\n"),
                               "invalid topology file \(path):\n" + error.problems.map { "  - \($0)" }.joined(separator: "\n"),
                               details: JSONObject([("problems", .array(error.problems.map { .string($0) }))]))
        }
    }

    /// node.json for `node`: identity, topology, parent and where to reach it.
    static func nodeFile(_ node: Topology.Node, topology: Topology, topologyFile: String) -> JSONObject {
        var file = JSONObject()
        file.append("node", .string(node.code))
        file.append("name", .string(node.name))
        file.append("level", .string(node.level.rawValue))
        file.append("topology", .string(topologyFile))
        file.append("parent", JSONValue(node.parent))
        file.append("listen", JSONValue(node.listen))
        file.append("parent_url", JSONValue(node.parent.flatMap { topology.node($0)?.listen }.map { "http://\($0)" }))
        return file
    }

    static func writeNodeFile(_ file: JSONObject, dir: String) throws {
        let nodePath = (dir as NSString).appendingPathComponent(NodeConfig.fileName)
        let temp = nodePath + ".tmp-\(getpid())"
        try Data((JSONValue.object(file).text + "\n").utf8).write(to: URL(fileURLWithPath: temp))
        guard rename(temp, nodePath) == 0 else {
            throw CommandError("无法写入 \(nodePath)", "cannot write \(nodePath)")
        }
    }

    /// Creates the replica for `node` in `dir` unless one exists; sets its links either way.
    @discardableResult
    static func ensure(_ node: Topology.Node, topology: Topology, topologyFile: String, dir: String,
                       divisions: DivisionTable) throws -> (replica: Replica, created: Bool) {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = (dir as NSString).appendingPathComponent(NodeConfig.replicaFileName)
        let created = !FileManager.default.fileExists(atPath: path)
        let replica: Replica = try ReplicaAccess.mapped {
            if created {
                let catalogue = try Catalogue.bundledDefault()
                return try Replica.create(path: path, node: NodeIdentity(code: node.code, name: node.name, level: node.level, parent: node.parent),
                                          catalogue: catalogue, divisions: divisions)
            }
            let r = try Replica.open(path: path, divisions: divisions)
            guard r.node.code == node.code else {
                throw CommandError("\(path) 属于节点 \(r.node.code)，不是 \(node.code)", "\(path) belongs to node \(r.node.code), not \(node.code)")
            }
            return r
        }
        try ReplicaAccess.mapped { try replica.setLinks(parent: node.parent, children: topology.children(of: node.code).map(\.code)) }
        try writeNodeFile(nodeFile(node, topology: topology, topologyFile: topologyFile), dir: dir)
        return (replica, created)
    }

    /// Gives `child` a credential for its parent link, unless the one it has still matches.
    /// Goes through the ordinary enrollment flow, in-process: the parent issues a one-time token
    /// and the child redeems it (the parent keeps only hashes of both).
    static func enroll(child: String, childDir: String, parent: Replica) throws -> Bool {
        let config = try NodeCommands.config(dir: childDir)
        if let token = config.parentToken(), try parent.childCredentialHash(child) == Crypto.credentialHash(token) {
            return false
        }
        let credential = try EnrollCommands.mapped {
            let issued = try Enrollment.issue(parent, child: child, validFor: 10 * 60 * 1000)
            return try Enrollment.redeem(parent, child: child, token: issued.token)
        }
        try NodeCommands.mapped { try config.saveParentToken(credential) }
        return true
    }
}
