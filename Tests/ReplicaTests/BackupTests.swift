import Foundation
import JSON
import SQLite
import Testing
@testable import Replica

/// `Replica.backup(to:)` and `Replica.restore(from:to:node:divisions:)`: a consistent copy taken
/// while in use, and a restore that always starts a new epoch and database id.
@Suite("Replica backup and restore")
struct BackupTests {
    static let community = "150603002001"

    func person(_ seq: Int) -> JSONObject {
        Fixture.obj([("id_number", .string(Fixture.id(seq: seq))), ("name", "张三"), ("community_code", .string(Self.community))])
    }

    @Test("a backup holds what was committed, is one file readable by its owner, and never overwrites; a restore puts it in place with a new epoch and database id and keeps the replaced file")
    func backupAndRestore() throws {
        let dir = Fixture.tempDir()
        let path = dir.appendingPathComponent("replica.sqlite").path
        let r = try Fixture.replica(Self.community, path: path)
        for i in 1...3 { try r.put("person", person(i)) }
        let backupPath = dir.appendingPathComponent("backup.sqlite").path
        let info = try r.backup(to: backupPath)
        #expect(info.node == Self.community && info.epoch == 1 && info.bytes > 0)
        #expect(!FileManager.default.fileExists(atPath: backupPath + "-wal"))
        let mode = try FileManager.default.attributesOfItem(atPath: backupPath)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(throws: BackupError.targetExists(backupPath)) { try r.backup(to: backupPath) }
        // Written after the backup: gone after the restore (the tree sends it back).
        try r.put("person", person(4))
        let idBefore = try #require(try r.meta("database_id"))
        try r.takeEpoch(above: 1)
        let epochBefore = r.epoch

        let restored = try Replica.restore(from: backupPath, to: path, node: Self.community, divisions: Fixture.divisions)
        #expect(restored.previousEpoch == epochBefore)
        #expect(restored.epoch > epochBefore && restored.epoch > info.epoch)
        #expect(FileManager.default.fileExists(atPath: restored.previousFile))
        let after = try Replica.open(path: path, divisions: Fixture.divisions)
        #expect(after.epoch == restored.epoch, "no further epoch at the next open")
        #expect(try after.meta("database_id") != idBefore && (try after.meta("database_id")) != info.databaseID)
        #expect(try after.recordCounts()["person"] == 3)
        #expect(try after.get("person", key: Fixture.id(seq: 4)) == nil)
        #expect(try after.auditEntries(action: "restore").count == 1)
        // The replaced replica is intact beside it.
        let old = try Replica.open(path: restored.previousFile, divisions: Fixture.divisions)
        #expect(try old.recordCounts()["person"] == 4)
    }

    @Test("a restore refuses another node's backup, a file that is no replica and a damaged one, and leaves the replica as it was")
    func refusals() throws {
        let dir = Fixture.tempDir()
        let path = dir.appendingPathComponent("replica.sqlite").path
        let r = try Fixture.replica(Self.community, path: path)
        try r.put("person", person(1))
        let other = try Fixture.replica("150603002002", path: dir.appendingPathComponent("other.sqlite").path)
        let otherBackup = dir.appendingPathComponent("other-backup.sqlite").path
        try other.backup(to: otherBackup)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        func refused(_ file: String, _ check: (BackupError) -> Bool) {
            do {
                _ = try Replica.restore(from: file, to: path, node: Self.community, divisions: Fixture.divisions)
                Issue.record("\(file) was restored")
            } catch let e as BackupError {
                #expect(check(e), "\(e)")
                #expect(!e.messageZh.isEmpty && !e.description.isEmpty)
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
        refused(otherBackup) { if case .otherNode(_, "150603002002", Self.community) = $0 { return true }; return false }
        let junk = dir.appendingPathComponent("junk.sqlite").path
        try Data("not a database at all".utf8).write(to: URL(fileURLWithPath: junk))
        refused(junk) { if case .notAReplicaBackup = $0 { return true }; return false }
        refused(dir.appendingPathComponent("missing.sqlite").path) { if case .notAReplicaBackup = $0 { return true }; return false }
        // A backup cut short.
        let good = dir.appendingPathComponent("good.sqlite").path
        try r.backup(to: good)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: good))
        let cut = dir.appendingPathComponent("cut.sqlite").path
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: cut))
        refused(cut) { e in
            if case .damaged = e { return true }
            if case .notAReplicaBackup = e { return true }
            return false
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        #expect(try Replica.open(path: path, divisions: Fixture.divisions).epoch == 1)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains("restoring") || $0.contains("before-restore") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }
}
