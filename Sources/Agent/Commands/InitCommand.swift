import Catalogue
import Foundation
import JSON
import Replica
import Sync

/// `rootsync init`: creates a node's replica and its node file from the topology.
struct InitCommand: Command {
    static let path = ["init"]
    static let summary = "为本节点新建副本 · create this node's replica"
    static let discussion = """
    按拓扑文件找到本节点（代码、名称、层级、上级），在 DIR 中新建副本 replica.sqlite（装入随程序提供的
    数据目录），并写入 node.json 供同步命令使用。DIR 中已有副本时拒绝执行。
    Finds this node in the topology file (code, name, level, parent), creates DIR/replica.sqlite with
    the bundled catalogue, and writes DIR/node.json for the sync commands. Refuses when DIR already
    holds a replica.

    例 Example:  rootsync init --dir /var/lib/rootsync --topology Topology/demo.json --node 150603002001
    """
    static let options: [OptionSpec] = [
        ReplicaAccess.dirOption,
        .option("topology", value: "FILE", help: "拓扑文件 (Topology/*.json) · the topology file"),
        .option("node", value: "CODE", help: "本节点的区划代码 · this node's division code"),
    ]

    let parsed: ParsedArguments
    let topologyPath: String
    let code: String

    init(_ parsed: ParsedArguments) throws {
        self.parsed = parsed
        topologyPath = try parsed.required("topology")
        code = try parsed.required("node")
    }

    func run(_ context: CommandContext) throws -> ExitCode {
        let divisions = try StandardsData.divisions()
        let topologyFile = URL(fileURLWithPath: topologyPath).standardizedFileURL.path
        let topology: Topology
        do {
            topology = try Topology.load(path: topologyFile, divisions: divisions)
        } catch let error as TopologyError {
            throw CommandError("拓扑文件 \(topologyFile) 无效：\n" + error.problems.map { "  - \($0)" }.joined(separator: "\n"),
                               "invalid topology file \(topologyFile):\n" + error.problems.map { "  - \($0)" }.joined(separator: "\n"),
                               details: JSONObject([("problems", .array(error.problems.map { .string($0) }))]))
        }
        guard let node = topology.node(code) else {
            let codes = topology.nodes.map { "\($0.code) \($0.name)" }
            throw CommandError("拓扑文件 \(topologyFile) 中没有节点 \(code)。其中的节点有：\n" + codes.map { "  \($0)" }.joined(separator: "\n"),
                               "node \(code) is not in the topology \(topologyFile)",
                               details: JSONObject([("nodes", .array(topology.nodes.map { .string($0.code) }))]))
        }

        let dir = ReplicaAccess.directory(parsed)
        let replicaPath = ReplicaAccess.replicaPath(parsed)
        let nodePath = (dir as NSString).appendingPathComponent(ReplicaAccess.nodeFileName)
        if FileManager.default.fileExists(atPath: replicaPath) {
            throw CommandError("\(replicaPath) 已经存在副本，未做任何改动。如需重建，请先移走该文件。",
                               "a replica already exists at \(replicaPath); nothing was changed. Move it away first to start over.",
                               details: JSONObject([("path", .string(replicaPath))]))
        }
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            throw CommandError("无法创建目录 \(dir)：\(error.localizedDescription)", "cannot create directory \(dir): \(error.localizedDescription)")
        }
        let catalogue: Catalogue
        do { catalogue = try Catalogue.bundledDefault() } catch {
            throw CommandError("无法读取随程序安装的数据目录：\(error)", "cannot read the catalogue shipped with rootsync: \(error)")
        }
        let identity = NodeIdentity(code: node.code, name: node.name, level: node.level, parent: node.parent)
        let replica = try ReplicaAccess.mapped {
            try Replica.create(path: replicaPath, node: identity, catalogue: catalogue, divisions: divisions)
        }

        let file = NodeSetup.nodeFile(node, topology: topology, topologyFile: topologyFile)
        try ReplicaAccess.mapped {
            try replica.setLinks(parent: node.parent, children: topology.children(of: node.code).map(\.code))
        }
        do {
            let temp = nodePath + ".tmp-\(getpid())"
            try Data((JSONValue.object(file).text + "\n").utf8).write(to: URL(fileURLWithPath: temp))
            if FileManager.default.fileExists(atPath: nodePath) { try FileManager.default.removeItem(atPath: nodePath) }
            try FileManager.default.moveItem(atPath: temp, toPath: nodePath)
        } catch {
            throw CommandError("副本已创建，但无法写入 \(nodePath)：\(error.localizedDescription)",
                               "the replica was created but \(nodePath) could not be written: \(error.localizedDescription)")
        }

        if context.json {
            var o = JSONObject()
            o.append("replica", .string(replicaPath))
            o.append("node_file", .string(nodePath))
            for (k, v) in file { o.append(k, v) }
            o.append("epoch", .int(replica.epoch))
            o.append("catalogue_version", .int(replica.catalogue.version))
            context.out.json(.object(o))
        } else {
            let parentText = node.parent.map { p in topology.node(p).map { "\(p) \($0.name)" } ?? p } ?? "无（市级中心）none (city hub)"
            context.out.line("已新建副本 created replica: \(replicaPath)")
            context.out.line("已写入节点文件 wrote node file: \(nodePath)")
            context.out.line("  节点 node:      \(node.code) \(node.name)")
            context.out.line("  层级 level:     \(node.level.nameZh) \(node.level.rawValue)")
            context.out.line("  上级 parent:    \(parentText)")
            if let listen = node.listen { context.out.line("  监听 listen:    \(listen)") }
            context.out.line("  辖区 scope:     \(identity.jurisdiction.prefix)…")
            context.out.line("  数据目录 catalogue: 第 \(replica.catalogue.version) 版 version \(replica.catalogue.version)，"
                             + replica.catalogue.resources.map { "\($0.label) \($0.name)" }.joined(separator: "、"))
        }
        return .success
    }
}
