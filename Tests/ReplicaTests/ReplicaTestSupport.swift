import Catalogue
import Foundation
import JSON
import SQLite
import Standards
@testable import Replica

enum Fixture {
    static let catalogue: Catalogue = try! Catalogue.bundledDefault()
    static var divisions: DivisionTable { DivisionTable.bundled }

    static func node(_ code: String) -> NodeIdentity {
        NodeIdentity(code: code, name: code, level: DivisionCode.level(ofShape: code)!, parent: DivisionCode.hierarchyParent(of: code))
    }

    static func tempDir() -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rs-replica-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static func replica(_ code: String, path: String? = nil) throws -> Replica {
        let p = path ?? tempDir().appendingPathComponent("\(code).sqlite").path
        return try Replica.create(path: p, node: node(code), catalogue: catalogue, divisions: divisions)
    }

    static func memoryReplica(_ code: String) throws -> Replica {
        try Replica.create(path: ":memory:", node: node(code), catalogue: catalogue, divisions: divisions)
    }

    /// A valid 18-digit ID for a county code, birth date and sequence.
    static func id(county: String = "150603", birth: String = "19900101", seq: Int) -> String {
        let body = county + birth + String(format: "%03d", seq % 1000)
        return CitizenID.complete(body)!
    }

    static func obj(_ pairs: [(String, JSONValue)]) -> JSONObject { JSONObject(pairs) }
}
