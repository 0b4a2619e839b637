import Foundation
import JSON
import SQLite
import Testing
@testable import Node
@testable import Replica

/// A street and its community as earlier releases wrote them (made by
/// `Scripts/data/make-upgrade-fixture` through each release's CLI) open with this release, are
/// upgraded in place, keep everything, and sync: `replica-v1` from the release before the schema
/// migrator, `replica-v1-migrated` from the last release of storage v1 (steps 1–7 recorded).
@Suite("Upgrade: replicas of earlier releases")
struct UpgradeTests {
    static let fixtureRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// Copies a fixture and writes the lease its own agent would have left beside it, so the
    /// copy opens as the same replica upgraded in place (not as a restore).
    static func copy(_ code: String, from fixture: String = "replica-v1", to dir: URL) throws -> String {
        let path = dir.appendingPathComponent("\(code).sqlite").path
        try FileManager.default.copyItem(atPath: fixtureRoot.appendingPathComponent("\(fixture)/\(code).sqlite").path, toPath: path)
        let db = try Database(path: path)
        func meta(_ name: String) throws -> String { try db.scalarText("SELECT value FROM _rs_meta WHERE name = ?", name) ?? "" }
        let identity = try #require(ActorLease.fileIdentity(path))
        try ActorLease(databaseID: try meta("database_id"), epoch: Int(try meta("epoch")) ?? 1, generation: Int64(try meta("generation")) ?? 0,
                       device: identity.device, inode: identity.inode, host: ActorLease.hostName).write(for: path)
        return path
    }

    /// What an upgrade must keep, read with plain SQL.
    static func facts(_ db: Database) throws -> [String] {
        // Storage v1 has a row per version; v2 a row per run of `n`.
        let versions = try db.columnNames(of: "_rs_version").contains("n") ? "coalesce(sum(n), 0)" : "count(*)"
        return try db.all("""
            SELECT 'versions ' || \(versions) FROM _rs_version
            UNION ALL SELECT 'conflicts ' || count(*) FROM _rs_record WHERE conflicts <> ''
            UNION ALL SELECT 'tombstones ' || count(*) FROM _rs_record WHERE deleted = 1
            UNION ALL SELECT 'routes ' || count(*) FROM _rs_route
            UNION ALL SELECT 'workflow ' || count(*) FROM _rs_workflow
            UNION ALL SELECT 'credentials ' || count(*) FROM _rs_link WHERE credential_hash IS NOT NULL
            UNION ALL SELECT 'cursor ' || coalesce((SELECT value FROM _rs_meta WHERE name = 'sync.pull_cursor'), '-')
            UNION ALL SELECT 'epoch ' || (SELECT value FROM _rs_meta WHERE name = 'epoch')
            """) { $0.string(0) }
    }

    /// Every version of a v1 file, as text (layout v1: text columns, JSON vectors and values).
    static func versionsV1(_ db: Database) throws -> [String] {
        try db.all("""
            SELECT v.id || ' ' || a.name || '#' || v.seq || ' ' || v.resource || ' ' || v.key || ' ' || v.grp || ' ' || v.hlc || ' '
                   || v.vv || ' ' || v.vals || ' ' || v.scope || ' ' || v.current || ' ' || v.link
            FROM _rs_version v JOIN _rs_actor a ON a.id = v.actor ORDER BY v.id
            """) { $0.string(0) }
    }

    /// The same, read from the upgraded file through `VersionFile`.
    static func versionsV2(_ db: Database) throws -> [String] {
        try VersionFile(db).rows().map {
            "\($0.id) \($0.actor)#\($0.seq) \($0.resource) \($0.key) \($0.group) \($0.hlc) \($0.vv) \($0.values) \($0.scope) \($0.current ? 1 : 0) \($0.link)"
        }
    }

    @Test("both open, get every migration recorded, keep versions, conflicts, tombstones, cursors, routes, credentials and workflow, and sync",
          arguments: ["replica-v1", "replica-v1-migrated"])
    func upgradeAndSync(fixture: String) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rs-upgrade-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let streetPath = try Self.copy("150603002", from: fixture, to: dir), communityPath = try Self.copy("150603002001", from: fixture, to: dir)
        let before = try [streetPath, communityPath].map { try Self.facts(Database(path: $0)) }
        let versionsBefore = try [streetPath, communityPath].map { try Self.versionsV1(Database(path: $0)) }
        let feedHeads = try [streetPath, communityPath].map { try Database(path: $0).scalarInt("SELECT seq FROM sqlite_sequence WHERE name = '_rs_version'") }
        #expect(try Database(path: streetPath).tableExists("_rs_migration") == (fixture != "replica-v1"))
        #expect(try Database(path: streetPath).columnNames(of: "_rs_version").contains("resource"), "storage v1")

        let street = try Replica.open(path: streetPath, divisions: .bundled)
        let community = try Replica.open(path: communityPath, divisions: .bundled)
        for r in [street, community] {
            #expect(try ReplicaSchema.migrator.applied(r.db) == ReplicaSchema.migrator.migrations.map(\.identifier))
        }
        #expect(try [street, community].map { try Self.facts($0.db) } == before)
        // Storage v2 keeps every version byte for byte in meaning, under its old id, and the feed head.
        #expect(try [street, community].map { try Self.versionsV2($0.db) } == versionsBefore)
        #expect(versionsBefore.allSatisfy { !$0.isEmpty })
        #expect(try [street, community].map { try $0.db.scalarInt("SELECT seq FROM sqlite_sequence WHERE name = '_rs_version'") } == feedHeads)
        #expect(try street.conflicts().count == 1 && community.conflicts().count == 1)
        #expect(try street.childCredentialHash("150603002001") != nil)

        // Step 12: what the old release handed its children is not known, so every position up to
        // the heads counts as handed out (a cursor it gave is no proof of a rollback).
        let issued = try street.issuedPositions(child: "150603002001")
        let heads = (route: try street.routeHead(), feed: try street.feedHead())
        #expect(issued.route == heads.route && issued.feed == heads.feed)
        let streetDatabase = street.databaseID

        // The community pulls on from its stored cursor: the record the street wrote last arrives.
        let zhao = "150603198001010077"
        #expect(try community.get("person", key: zhao) == nil)
        var round = SyncRound(replica: community, link: DirectParentLink(service: try ParentService(replica: street, child: "150603002001")))
        let report = try round.run()
        #expect(report.pulled > 0)
        #expect(try community.get("person", key: zhao)?["name"] == "赵六")
        #expect(try community.currentActor().epoch == 1, "an in-place upgrade is no restore")
        #expect(try street.currentActor().epoch == 1 && street.databaseID == streetDatabase, "the old release's cursor is trusted")
        // A write at the community after the upgrade reaches the street.
        try community.put("person", JSONObject([("id_number", .string(zhao)), ("phone", "13600000004")]))
        round = SyncRound(replica: community, link: DirectParentLink(service: try ParentService(replica: street, child: "150603002001")))
        _ = try round.run()
        #expect(try street.get("person", key: zhao)?["phone"] == "13600000004")
        // Opening again changes nothing: every step is recorded once.
        let again = try Replica.open(path: streetPath, divisions: .bundled)
        #expect(try ReplicaSchema.migrator.pending(again.db).isEmpty)
    }

    @Test("a replica upgraded by a newer release is refused with a clear error, not misread")
    func newerReleaseIsRefused() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rs-upgrade-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try Self.copy("150603002", to: dir)
        _ = try Replica.open(path: path, divisions: .bundled)
        try Database(path: path).run("INSERT INTO _rs_migration(identifier, applied_at) VALUES('99-from-the-future', datetime('now'))")
        do {
            _ = try Replica.open(path: path, divisions: .bundled)
            Issue.record("a replica with an unknown schema step was opened")
        } catch let ReplicaError.newerRelease(why) {
            #expect(why.contains("99-from-the-future"))
        }
    }
}
