import Causality
import JSON

/// A batch of versions on the wire (a push body, or a pull answer's payload).
public enum VersionBatch {
    public static func encode(_ versions: [GroupVersion]) -> JSONValue { .array(versions.map(\.json)) }

    /// Decodes at most `SyncProtocol.maxBatch` versions, naming the first bad one.
    public static func decode(_ json: JSONValue?) throws -> [GroupVersion] {
        guard let list = json?.arrayValue else { throw WireError("versions must be an array") }
        guard list.count <= SyncProtocol.maxBatch else {
            throw WireError("a batch holds at most \(SyncProtocol.maxBatch) versions, found \(list.count)")
        }
        return try list.enumerated().map { i, v in
            do { return try GroupVersion(json: v) } catch { throw WireError("versions[\(i)]: \(error)") }
        }
    }
}
