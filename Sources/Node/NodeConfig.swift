import Foundation
import JSON

/// A node directory's settings: `node.json` (written by `init` or `up`) and, for a child, the
/// credential for its parent link in `link.token` (readable by the owner only).
public struct NodeConfig: Sendable, Equatable {
    public static let fileName = "node.json"
    public static let tokenFileName = "link.token"
    public static let replicaFileName = "replica.sqlite"

    public var directory: String
    public var node: String
    public var topology: String?
    public var parent: String?
    /// Where this node serves (children and the local API), "host:port".
    public var listen: String?
    /// A leaf's local API address, "127.0.0.1:port", when it has no `listen`: picked at its first
    /// start and kept, so scripts and clerks' tools find the node at the same place every time.
    public var localAPI: String?
    /// The parent's base URL, e.g. "http://127.0.0.1:7622".
    public var parentURL: String?
    /// HTTPS for this node's links: `"tls": {"ca", "cert", "key"}` in node.json (see docs/SECURITY.md).
    public var tls: TLSFiles?
    /// The zone every time is shown in (`time_zone`, a tz database name; Asia/Shanghai when absent).
    public var time: NodeTime = .standard
    /// `tombstone_retention_days`: how long the root keeps a deleted record, once causally
    /// stable, before purging it (30 when absent; 0 purges at once; read at the root only).
    public var tombstoneRetentionDays: Double = 30
    public var source: JSONObject

    /// PEM files for a node's links: the city CA, and this node's certificate (CN = node code)
    /// and key. Relative paths are resolved against the node directory.
    public struct TLSFiles: Sendable, Equatable {
        public var ca: String
        public var cert: String
        public var key: String
        public init(ca: String, cert: String, key: String) {
            self.ca = ca
            self.cert = cert
            self.key = key
        }
    }

    /// Where this node's local API answers: its `listen` address (HTTPS with TLS files), else a
    /// leaf's recorded loopback address; nil until a leaf without `listen` has first started.
    public var localAPIURL: String? {
        if let listen { return "\(tls != nil ? "https" : "http")://\(listen)" }
        return localAPI.map { "http://\($0)" }
    }

    public var replicaPath: String { (directory as NSString).appendingPathComponent(Self.replicaFileName) }
    var tokenPath: String { (directory as NSString).appendingPathComponent(Self.tokenFileName) }

    public static func load(directory: String) throws -> NodeConfig {
        let path = (directory as NSString).appendingPathComponent(fileName)
        guard let data = FileManager.default.contents(atPath: path) else {
            // There but unreadable: most often a command run as another user than the node
            // directory's owner (the package runs agents as `rootsync`).
            if FileManager.default.fileExists(atPath: path), !FileManager.default.isReadableFile(atPath: path) {
                throw ConfigError("当前用户无法读取 \(path)；请以节点目录的所有者身份运行，例如 runuser -u rootsync -- rootsync …",
                                  "\(path) cannot be read by this user; run as the owner of the node directory, e.g. runuser -u rootsync -- rootsync …")
            }
            throw ConfigError("\(path) 不存在；先运行 rootsync init 或 rootsync up", "\(path) is missing; run rootsync init or rootsync up first")
        }
        let json: JSONValue
        do { json = try JSONParser.parse(bytes: Array(data)) } catch {
            throw ConfigError("\(path) 格式错误：\(error)", "\(path) is not valid JSON: \(error)")
        }
        guard let o = json.objectValue, let node = o["node"]?.stringValue else {
            throw ConfigError("\(path) 缺少 node", "\(path) has no \"node\"")
        }
        var tls: TLSFiles?
        if let t = o["tls"], !t.isNull {
            guard let ca = t["ca"]?.stringValue, let cert = t["cert"]?.stringValue, let key = t["key"]?.stringValue,
                  !ca.isEmpty, !cert.isEmpty, !key.isEmpty else {
                throw ConfigError("\(path) 的 tls 应为 {\"ca\": 路径, \"cert\": 路径, \"key\": 路径}",
                                  "\(path): \"tls\" must be {\"ca\": PATH, \"cert\": PATH, \"key\": PATH}")
            }
            func resolve(_ p: String) -> String { p.hasPrefix("/") ? p : (directory as NSString).appendingPathComponent(p) }
            tls = TLSFiles(ca: resolve(ca), cert: resolve(cert), key: resolve(key))
        }
        return NodeConfig(directory: directory, node: node, topology: o["topology"]?.stringValue,
                          parent: o["parent"]?.stringValue, listen: o["listen"]?.stringValue,
                          localAPI: o["local_api"]?.stringValue, parentURL: o["parent_url"]?.stringValue, tls: tls,
                          time: try time(o, path: path), tombstoneRetentionDays: try retention(o, path: path), source: o)
    }

    /// node.json's `tombstone_retention_days`, checked: a number of days from 0 to 36,500.
    static func retention(_ o: JSONObject, path: String) throws -> Double {
        guard let value = o["tombstone_retention_days"], !value.isNull else { return 30 }
        guard let days = value.doubleValue, days >= 0, days <= 36_500 else {
            throw ConfigError("\(path) 的 tombstone_retention_days 应为 0 到 36500 之间的天数：\(value.text)",
                              "\(path): tombstone_retention_days must be a number of days from 0 to 36500: \(value.text)")
        }
        return days
    }

    /// The retention in milliseconds, as the root's purge exchange counts it.
    public var tombstoneRetentionMilliseconds: Int64 { Int64(tombstoneRetentionDays * 86_400_000) }

    /// The zone of the node in `directory` for commands that only show times: node.json's
    /// `time_zone`, or the default when the directory has no node.json.
    public static func time(directory: String) throws -> NodeTime {
        let path = (directory as NSString).appendingPathComponent(fileName)
        guard let data = FileManager.default.contents(atPath: path),
              let o = (try? JSONParser.parse(bytes: Array(data)))?.objectValue else { return .standard }
        return try time(o, path: path)
    }

    /// node.json's `time_zone`, checked: a name the system's tz database knows.
    static func time(_ o: JSONObject, path: String) throws -> NodeTime {
        guard let value = o["time_zone"], !value.isNull else { return .standard }
        guard let name = value.stringValue, let time = NodeTime(zoneNamed: name) else {
            let shown = value.stringValue ?? value.text
            throw ConfigError("\(path) 的 time_zone 不是已知的时区名称（应如 \"Asia/Shanghai\"）：\(shown)",
                              "\(path): time_zone is not a known time zone name (e.g. \"Asia/Shanghai\"): \(shown)")
        }
        return time
    }

    /// The TLS files' contents for the server: certificate, key and CA as PEM text.
    public func tlsPEM() throws -> (certificate: String, key: String, ca: String)? {
        guard let tls else { return nil }
        func read(_ path: String, _ what: String) throws -> String {
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8),
                  text.contains("-----BEGIN") else {
                throw ConfigError("无法读取 TLS \(what)：\(path)", "cannot read the TLS \(what) \(path) (PEM expected)")
            }
            return text
        }
        return (try read(tls.cert, "certificate"), try read(tls.key, "key"), try read(tls.ca, "CA"))
    }

    /// Writes node.json atomically, keeping fields other tools added.
    public func save() throws {
        var o = source
        o["node"] = .string(node)
        o["topology"] = topology.map { .string($0) } ?? .null
        o["parent"] = parent.map { .string($0) } ?? .null
        o["listen"] = listen.map { .string($0) } ?? .null
        if let localAPI { o["local_api"] = .string(localAPI) }
        o["parent_url"] = parentURL.map { .string($0) } ?? .null
        let path = (directory as NSString).appendingPathComponent(Self.fileName)
        let temp = path + ".tmp"
        try Data((JSONValue.object(o).text + "\n").utf8).write(to: URL(fileURLWithPath: temp))
        guard rename(temp, path) == 0 else { throw ConfigError("无法写入 \(path)", "cannot write \(path)") }
    }

    /// The credential for the parent link, or nil when none was set up.
    public func parentToken() -> String? {
        guard let data = FileManager.default.contents(atPath: tokenPath) else { return nil }
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return token.isEmpty ? nil : token
    }

    /// Stores the parent-link credential with owner-only permissions.
    public func saveParentToken(_ token: String) throws {
        let temp = tokenPath + ".tmp"
        guard FileManager.default.createFile(atPath: temp, contents: Data((token + "\n").utf8), attributes: [.posixPermissions: 0o600]),
              rename(temp, tokenPath) == 0 else {
            throw ConfigError("无法写入 \(tokenPath)", "cannot write \(tokenPath)")
        }
    }
}

/// A node directory that cannot be used as it is.
public struct ConfigError: Error, CustomStringConvertible, Equatable {
    public let messageZh: String
    public let messageEn: String
    public init(_ zh: String, _ en: String) {
        messageZh = zh
        messageEn = en
    }
    public var description: String { messageEn }
}
