import Foundation
import SQLite
import Standards

/// Online backups and restores that follow the epoch rules (docs/OPERATIONS.md): a restored
/// replica always starts a new epoch and a new database id, as a rolled-back one does, so no
/// counter is reused and its children and parent send back what was written after the backup.
extension Replica {
    /// What a restore did.
    public struct Restored: Sendable {
        public let backup: BackupInfo
        public let previousEpoch: Int
        public let epoch: Int
        /// Where the replica that was replaced was kept (with its -wal).
        public let previousFile: String
    }

    /// A consistent copy of this replica into the new file `path` while it is in use (SQLite's
    /// `VACUUM INTO`): one file, no -wal, readable by the owner only (it holds personal data and
    /// credential hashes).
    @discardableResult
    public func backup(to path: String) throws -> BackupInfo {
        guard !FileManager.default.fileExists(atPath: path) else { throw BackupError.targetExists(path) }
        do {
            try db.copy(into: path)
            let copy = try Database(path: path, options: { var o = Database.Options(); o.walMode = false; return o }())
            try copy.execute("PRAGMA journal_mode=DELETE")
            guard chmod(path, 0o600) == 0 else { throw BackupError.failed(step: "chmod", why: String(cString: strerror(errno))) }
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            if let e = error as? BackupError { throw e }
            throw BackupError.failed(step: "VACUUM INTO \(path)", why: "\(error)")
        }
        return try Self.inspectBackup(path: path)
    }

    /// Reads a backup's identity without changing it or anything beside it; refuses a file that
    /// is not a replica or fails SQLite's quick check.
    public static func inspectBackup(path: String) throws -> BackupInfo {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else {
            throw BackupError.notAReplicaBackup(path: path, why: "no such file")
        }
        do {
            let db = try Database.openImmutable(path)
            guard try db.tableExists("_rs_meta") else { throw BackupError.notAReplicaBackup(path: path, why: "it has no _rs_meta table") }
            let findings = try db.quickCheck()
            guard findings.isEmpty else { throw BackupError.damaged(path: path, findings: findings) }
            func meta(_ name: String) throws -> String? { try db.scalarText("SELECT value FROM _rs_meta WHERE name = ?", name) }
            guard let node = try meta("node"), let epoch = try meta("epoch").flatMap({ Int($0) }), let id = try meta("database_id") else {
                throw BackupError.notAReplicaBackup(path: path, why: "_rs_meta lacks node, epoch or database_id")
            }
            return BackupInfo(path: path, node: node, epoch: epoch, databaseID: id,
                              catalogueVersion: Int(try meta("catalogue_version") ?? "0") ?? 0,
                              bytes: (attributes[.size] as? NSNumber)?.int64Value ?? 0)
        } catch let e as BackupError {
            throw e
        } catch {
            throw BackupError.notAReplicaBackup(path: path, why: "\(error)")
        }
    }

    /// Puts the backup `from` in place of the replica at `path` (of node `node`), which nobody may
    /// have open (the caller holds the node's agent and writer locks). The replaced file is kept
    /// beside it; the restored one takes an epoch above every one either file or its lease used,
    /// and a new database id. On any failure the replica is put back as it was.
    public static func restore(from backup: String, to path: String, node: String, divisions: DivisionTable) throws -> Restored {
        let info = try inspectBackup(path: backup)
        guard info.node == node else { throw BackupError.otherNode(path: backup, backup: info.node, here: node) }
        // The epoch to go above: the replaced replica's (as its file and its lease say; a damaged
        // or missing file has only its lease) and the backup's.
        let previousEpoch = (try? Replica.open(path: path, divisions: divisions))?.epoch ?? 0
        let leaseEpoch = ActorLease.read(for: path)?.epoch ?? 0
        let above = max(previousEpoch, leaseEpoch, info.epoch)

        let fm = FileManager.default
        let staging = path + ".restoring"
        let stamp = String(Int64(Date().timeIntervalSince1970))
        let aside = path + ".before-restore-" + stamp
        func move(_ from: String, _ to: String) throws {
            guard rename(from, to) == 0 else { throw BackupError.failed(step: "rename \(from)", why: String(cString: strerror(errno))) }
        }
        try? fm.removeItem(atPath: staging)
        do { try fm.copyItem(atPath: backup, toPath: staging) } catch {
            try? fm.removeItem(atPath: staging)
            throw BackupError.failed(step: "copy \(backup)", why: "\(error)")
        }
        var moved: [(String, String)] = []
        var placed = false
        do {
            // The replaced file goes aside with its WAL (SQLite pairs them by name); its -shm goes.
            if fm.fileExists(atPath: path) {
                try move(path, aside)
                moved.append((aside, path))
            }
            if fm.fileExists(atPath: path + "-wal") {
                try move(path + "-wal", aside + "-wal")
                moved.append((aside + "-wal", path + "-wal"))
            }
            try? fm.removeItem(atPath: path + "-shm")
            try move(staging, path)
            placed = true
            let restored = try Replica.open(path: path, divisions: divisions)
            try restored.takeEpoch(above: above, rolledBack: true)
            try restored.audit("restore", detail: "from=\(backup) backup_epoch=\(info.epoch) previous_epoch=\(previousEpoch) epoch=\(restored.epoch) previous_file=\(aside)")
            return Restored(backup: info, previousEpoch: previousEpoch, epoch: restored.epoch, previousFile: aside)
        } catch {
            // Put everything back as it was.
            if placed {
                for suffix in ["", "-wal", "-shm"] { try? fm.removeItem(atPath: path + suffix) }
                for (from, to) in moved.reversed() { _ = rename(from, to) }
            }
            try? fm.removeItem(atPath: staging)
            if let e = error as? BackupError { throw e }
            throw BackupError.failed(step: "restore", why: "\(error)")
        }
    }
}
