import Causality
import JSON

/// The root's decision that a deleted record is causally stable: every node that could hold it
/// has received its delete, and no version written without seeing the delete is anywhere. Every
/// node drops the versions of the record that `covered` covers (the delete and everything its
/// writers had seen); a later version, which must have seen the delete, starts the record afresh.
public struct PurgeNotice: Equatable, Sendable {
    public var resource: String
    public var key: String
    /// The record's scope, so each parent passes the notice only to the children that hold it.
    public var scope: String
    /// The union of the vectors of the record's deletes: what is gone.
    public var covered: VersionVector

    public init(resource: String, key: String, scope: String, covered: VersionVector) {
        self.resource = resource
        self.key = key
        self.scope = scope
        self.covered = covered
    }

    public var json: JSONValue {
        ["resource": .string(resource), "key": .string(key), "scope": .string(scope), "covered": covered.json]
    }

    public init(json: JSONValue) throws {
        guard let resource = json["resource"]?.stringValue, !resource.isEmpty, resource.utf8.count <= 64,
              let key = json["key"]?.stringValue, !key.isEmpty, key.utf8.count <= 256,
              let scope = json["scope"]?.stringValue, !scope.isEmpty, scope.utf8.count <= 12,
              scope.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let covered = json["covered"] else {
            throw WireError("a purge notice needs resource, key, scope (a division code) and covered (a version vector)")
        }
        let vector: VersionVector
        do { vector = try VersionVector(json: covered) } catch { throw WireError("purge notice covered: \(error)") }
        guard !vector.entries.isEmpty else { throw WireError("purge notice covered must name at least one version") }
        self.init(resource: resource, key: key, scope: scope, covered: vector)
    }
}
