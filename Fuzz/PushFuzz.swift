// libFuzzer target: a child's push, as the parent decodes and applies it (issue 11).
// bytes → JSONParser.parse(bytes:) → PushBatch(json:) → Replica.apply(within: the community),
// on a real street replica (SQLite in a temporary directory) holding a record of the pushing
// community and one of its sibling. Errors thrown are fine. A finding is a trap, an ASan report,
// a timeout, or a push that was accepted and broke a rule: the sibling's record changed, a row
// outside the community appeared, or `diagnose` (rootsync doctor) finds poisoned state.
// Built and run by Scripts/fuzz (not by SwiftPM).
import Causality
import Catalogue
import Foundation
import JSON
import Replica
import SQLite
import Standards
import Sync

let community = "150603002001", sibling = "150603002002"

/// The street's replica, made once per process (re-made when it has grown large).
final class Street: @unchecked Sendable {
    static let shared = Street()
    var replica: Replica
    /// A plain connection to the same file, for the checks (the replica's own stays inside it).
    var reader: Database
    var applied = 0
    let siblingKey = Street.id("150603198001010", 11)
    var siblingRecord: JSONObject?

    init() {
        replica = Self.make()
        reader = try! Database(path: replica.path)
        siblingRecord = try? replica.get("person", key: siblingKey)
    }

    static func id(_ prefix: String, _ seq: Int) -> String {
        let body = prefix + String(format: "%02d", seq)
        return body + String(CitizenID.checkCharacter(for: body)!)
    }

    static func make() -> Replica {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rs-fuzz-push-\(getpid())-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let r = try! Replica.create(path: dir.appendingPathComponent("replica.sqlite").path,
                                    node: NodeIdentity(code: "150603002", name: "青春山街道", level: .street, parent: "150603"),
                                    catalogue: try! Catalogue.bundledDefault(), divisions: .bundled)
        try! r.setLinks(parent: "150603", children: [community, sibling])
        try! r.put("person", JSONObject([("id_number", .string(id("150603198001010", 11))), ("name", "王五"), ("community_code", .string(sibling))]))
        try! r.put("person", JSONObject([("id_number", .string(id("150603198001010", 12))), ("name", "张三"), ("community_code", .string(community))]))
        return r
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    guard let json = try? JSONParser.parse(bytes: bytes), let batch = try? PushBatch(json: json) else { return 0 }
    let street = Street.shared
    let r = street.replica
    guard let result = try? r.apply(batch.versions, from: community, within: Jurisdiction(node: community), through: batch.through),
          result.applied > 0 else { return 0 }
    // Accepted: nothing outside the community may have changed.
    if (try? r.get("person", key: street.siblingKey)) != street.siblingRecord {
        fatalError("an accepted push changed the sibling's record\n\(String(decoding: bytes, as: UTF8.self))")
    }
    for resource in r.catalogue.resources {
        let outside = try! street.reader.scalarInt("SELECT count(*) FROM \"\(resource.name)\" WHERE community_code <> ? AND community_code <> ?",
                                          community, sibling) ?? 0
        if outside > 0 { fatalError("an accepted push stored a \(resource.name) row outside the community\n\(String(decoding: bytes, as: UTF8.self))") }
    }
    let found = try! r.diagnose(repair: false)
    if !found.isEmpty { fatalError("an accepted push left poisoned state: \(found.map(\.en))\n\(String(decoding: bytes, as: UTF8.self))") }
    street.applied += 1
    if street.applied % 2_000 == 0 {
        street.replica = Street.make()
        street.reader = try! Database(path: street.replica.path)
        street.siblingRecord = try? street.replica.get("person", key: street.siblingKey)
    }
    return 0
}
