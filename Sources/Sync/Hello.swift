import JSON

/// The handshake: who answers, which protocol versions it speaks, which catalogue it has.
public struct Hello: Equatable, Sendable {
    public var node: String
    public var level: String
    public var protocolVersion: Int
    public var oldestProtocol: Int
    public var catalogueVersion: Int
    public var databaseID: String
    /// `SyncProtocol.features` of the answering release (optional on the wire: absent from an
    /// earlier release's hello, which then means none).
    public var features: Set<String>

    public init(node: String, level: String, catalogueVersion: Int, databaseID: String,
                protocolVersion: Int = SyncProtocol.version, oldestProtocol: Int = SyncProtocol.oldestSupported,
                features: Set<String> = SyncProtocol.features) {
        self.node = node
        self.level = level
        self.protocolVersion = protocolVersion
        self.oldestProtocol = oldestProtocol
        self.catalogueVersion = catalogueVersion
        self.databaseID = databaseID
        self.features = features
    }

    public var json: JSONValue {
        ["node": .string(node), "level": .string(level), "protocol": .int(protocolVersion),
         "oldest_protocol": .int(oldestProtocol), "catalogue_version": .int(catalogueVersion),
         "database_id": .string(databaseID), "features": SyncProtocol.json(features: features)]
    }

    public init(json: JSONValue) throws {
        guard let node = json["node"]?.stringValue, let level = json["level"]?.stringValue,
              let p = json["protocol"]?.int64Value, let oldest = json["oldest_protocol"]?.int64Value,
              let cat = json["catalogue_version"]?.int64Value, let db = json["database_id"]?.stringValue else {
            throw WireError("hello needs node, level, protocol, oldest_protocol, catalogue_version, database_id")
        }
        self.init(node: node, level: level, catalogueVersion: Int(cat), databaseID: db,
                  protocolVersion: Int(p), oldestProtocol: Int(oldest), features: try SyncProtocol.features(json["features"]))
    }
}
