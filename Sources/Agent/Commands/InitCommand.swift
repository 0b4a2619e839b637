import Catalogue
import Foundation
import JSON
import Node
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

    给出 --token 时，再向上级（--parent-url，默认取拓扑中上级的 listen 地址）兑换上级用
    rootsync enroll create 生成的一次性注册令牌，把得到的凭据存入 DIR/link.token。兑换失败时
    删除刚建的副本，不留下任何文件，退出码为 1。
    With --token, then redeems the one-time enrollment token made by `rootsync enroll create` at
    the parent (--parent-url, default: the parent's listen address in the topology) and stores the
    credential in DIR/link.token. With --ca, --cert and --key (from Scripts/make-certs) node.json
    gets a "tls" block, the default parent address becomes https://, and the token is redeemed
    over HTTPS with the city CA and this node's certificate. If that fails, the new replica is removed again (nothing is left
    behind) and the exit code is 1.

    例 Example:  rootsync init --dir /var/lib/rootsync --topology Topology/demo.json --node 150603002001
                 rootsync init --dir d --topology t.json --node 150603002001 --parent-url http://10.1.2.3:7622 --token 3f9c…
    """
    static let options: [OptionSpec] = [
        ReplicaAccess.dirOption,
        .option("topology", value: "FILE", help: "拓扑文件 (Topology/*.json) · the topology file"),
        .option("node", value: "CODE", help: "本节点的区划代码 · this node's division code"),
        EnrollCommands.parentURLOption, EnrollCommands.tokenOption,
        .option("ca", value: "FILE", help: "本市 CA 证书（PEM），与 --cert、--key 一起写入 node.json 的 tls · the city CA certificate (PEM); with --cert and --key becomes node.json's tls block"),
        .option("cert", value: "FILE", help: "本节点的证书（PEM，CN 为本节点代码）· this node's certificate (PEM, CN = node code)"),
        .option("key", value: "FILE", help: "本节点证书的私钥（PEM）· the certificate's private key (PEM)"),
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

        var file = NodeSetup.nodeFile(node, topology: topology, topologyFile: topologyFile)
        let tlsFiles = [parsed.value("ca"), parsed.value("cert"), parsed.value("key")]
        if tlsFiles.contains(where: { $0 != nil }) {
            let given = tlsFiles.compactMap { $0 }
            guard given.count == 3 else {
                throw UsageError("--ca、--cert、--key 须一起给出", "--ca, --cert and --key go together", command: Self.fullName)
            }
            for path in given where !FileManager.default.isReadableFile(atPath: path) {
                throw CommandError("无法读取 \(path)", "cannot read \(path)")
            }
            let absolute = given.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
            file["tls"] = ["ca": .string(absolute[0]), "cert": .string(absolute[1]), "key": .string(absolute[2])]
            // The parent then serves HTTPS (docs/SECURITY.md).
            if let url = file["parent_url"]?.stringValue, url.hasPrefix("http://") {
                file["parent_url"] = .string("https://" + url.dropFirst("http://".count))
            }
        }
        if let url = parsed.value("parent-url") { file["parent_url"] = .string(url) }
        let enrollToken = parsed.value("token")
        if enrollToken != nil {
            guard node.parent != nil else {
                throw CommandError("\(node.code) 是最上级节点，没有上级可注册", "\(node.code) is the top node; there is no parent to enrol with")
            }
            guard file["parent_url"]?.stringValue != nil else {
                throw CommandError("不知道上级地址；请给出 --parent-url", "the parent's address is unknown; give --parent-url")
            }
        }

        let dir = ReplicaAccess.directory(parsed)
        let replicaPath = ReplicaAccess.replicaPath(parsed)
        let nodePath = (dir as NSString).appendingPathComponent(ReplicaAccess.nodeFileName)
        if FileManager.default.fileExists(atPath: replicaPath) {
            throw CommandError("\(replicaPath) 已经存在副本，未做任何改动。如需重建，请先移走该文件。",
                               "a replica already exists at \(replicaPath); nothing was changed. Move it away first to start over.",
                               details: JSONObject([("path", .string(replicaPath))]))
        }
        let dirExisted = FileManager.default.fileExists(atPath: dir)
        let previousNodeFile = FileManager.default.contents(atPath: nodePath)
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            throw CommandError("无法创建目录 \(dir)：\(error.localizedDescription)", "cannot create directory \(dir): \(error.localizedDescription)")
        }
        // Not through `lock(_:)`: the directory holds no replica yet.
        let lock = try ReplicaAccess.lock(directory: dir, .writer)
        defer { lock.release() }
        if FileManager.default.fileExists(atPath: replicaPath) {
            throw CommandError("\(replicaPath) 已经存在副本，未做任何改动。", "a replica already exists at \(replicaPath); nothing was changed.",
                               details: JSONObject([("path", .string(replicaPath))]))
        }
        let catalogue: Catalogue
        do { catalogue = try Catalogue.bundledDefault() } catch {
            throw CommandError("无法读取随程序安装的数据目录：\(error)", "cannot read the catalogue shipped with rootsync: \(error)")
        }
        let identity = NodeIdentity(code: node.code, name: node.name, level: node.level, parent: node.parent)
        // Scoped so the database is closed before a failed enrollment removes it again.
        let (epoch, catalogueVersion): (Int, Int) = try {
            let replica = try ReplicaAccess.mapped {
                try Replica.create(path: replicaPath, node: identity, catalogue: catalogue, divisions: divisions)
            }
            try ReplicaAccess.mapped {
                try replica.setLinks(parent: node.parent, children: topology.children(of: node.code).map(\.code))
            }
            return (replica.epoch, replica.catalogue.version)
        }()
        do {
            let temp = nodePath + ".tmp-\(getpid())"
            try Data((JSONValue.object(file).text + "\n").utf8).write(to: URL(fileURLWithPath: temp))
            if FileManager.default.fileExists(atPath: nodePath) { try FileManager.default.removeItem(atPath: nodePath) }
            try FileManager.default.moveItem(atPath: temp, toPath: nodePath)
        } catch {
            throw CommandError("副本已创建，但无法写入 \(nodePath)：\(error.localizedDescription)",
                               "the replica was created but \(nodePath) could not be written: \(error.localizedDescription)")
        }
        if let enrollToken, let url = file["parent_url"]?.stringValue {
            do {
                try EnrollCommands.redeem(config: try NodeCommands.config(dir: dir), parentURL: url, token: enrollToken)
            } catch {
                // Leave nothing behind: the replica, its side files, node.json as it was.
                let fm = FileManager.default
                if !dirExisted {
                    try? fm.removeItem(atPath: dir)
                } else {
                    for suffix in ["", "-wal", "-shm", "-journal", "-actor"] { try? fm.removeItem(atPath: replicaPath + suffix) }
                    try? fm.removeItem(atPath: (dir as NSString).appendingPathComponent(NodeConfig.tokenFileName))
                    if let previousNodeFile { _ = fm.createFile(atPath: nodePath, contents: previousNodeFile) } else { try? fm.removeItem(atPath: nodePath) }
                }
                if let e = error as? CommandError {
                    throw CommandError("注册失败，已删除新建的副本。\(e.messageZh)", "enrollment failed; the new replica was removed. \(e.messageEn)")
                }
                throw error
            }
        }

        if context.json {
            var o = JSONObject()
            o.append("replica", .string(replicaPath))
            o.append("node_file", .string(nodePath))
            for (k, v) in file { o.append(k, v) }
            o.append("epoch", .int(epoch))
            o.append("catalogue_version", .int(catalogueVersion))
            o.append("enrolled", .bool(enrollToken != nil))
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
            context.out.line("  数据目录 catalogue: 第 \(catalogueVersion) 版 version \(catalogueVersion)，"
                             + catalogue.resources.map { "\($0.label) \($0.name)" }.joined(separator: "、"))
            if enrollToken != nil, let url = file["parent_url"]?.stringValue {
                context.out.line("  已向上级注册 enrolled at: \(url)（凭据 credential: \(dir)/\(NodeConfig.tokenFileName)）")
            }
        }
        return .success
    }
}
