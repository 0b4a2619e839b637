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

    /// Gives `child` a credential for its parent link the first time, when neither side has one
    /// yet. A credential the parent accepts is kept. Any other case — the child holds one the
    /// parent does not accept, or the parent issued one the child lacks (its directory moved or
    /// was re-created, and another copy of the node may still use it) — throws, unless
    /// `reenroll`: issuing a new one would cut that other copy off (401). Goes through the
    /// ordinary enrollment flow, in-process: the parent issues a one-time token and the child
    /// redeems it (the parent keeps only hashes of both). True when a credential was issued.
    static func enroll(child: String, childDir: String, parent: Replica, reenroll: Bool = false) throws -> Bool {
        let config = try NodeCommands.config(dir: childDir)
        let token = config.parentToken()
        let accepted = try EnrollCommands.mapped { try token.map { try LinkCredentials.check(parent, child: child, token: $0) != nil } ?? false }
        if accepted { return false }
        let known = try ReplicaAccess.mapped { try parent.childCredentials(child) }
        let parentHasOne = known.current != nil || known.next != nil
        if !reenroll && (token != nil || parentHasOne) {
            let p = parent.node.code
            let (zh, en): (String, String)
            switch (token != nil, parentHasOne) {
            case (true, true):
                zh = "上级 \(p) 不接受节点 \(child) 的凭据（上级保存的是另一份：该节点可能已在别处注册）"
                en = "the parent \(p) does not accept the credential of \(child) (it holds another one: the node may have been enrolled elsewhere)"
            case (true, false):
                zh = "上级 \(p) 没有节点 \(child) 的凭据（已被撤销，或上级的副本是新建的）"
                en = "the parent \(p) holds no credential for \(child) (revoked, or the parent's replica is new)"
            default:
                zh = "节点 \(child) 没有凭据，而上级 \(p) 已为它发放过（节点目录可能被移走或重建，另一份副本可能仍在使用那份凭据）"
                en = "\(child) has no credential but the parent \(p) issued one (the node's directory may have moved or been re-created, and another copy may still use it)"
            }
            throw CommandError(zh + "。未重新注册；确认无误后用 --reenroll 重新发放（旧凭据随即失效）",
                               en + ". Not re-enrolled; --reenroll issues a new one (the old one stops working at once)",
                               hint: "rootsync up TOPOLOGY --dir BASE --reenroll")
        }
        let credential = try EnrollCommands.mapped {
            let issued = try Enrollment.issue(parent, child: child, validFor: 10 * 60 * 1000)
            return try Enrollment.redeem(parent, child: child, token: issued.token)
        }
        try NodeCommands.mapped { try config.saveParentToken(credential) }
        return true
    }
}
