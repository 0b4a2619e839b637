import Foundation
import JSON

/// Detects a database that may have gone back in time (restored from a backup, copied to
/// another directory or machine) so the node takes a new epoch and never reuses a counter.
///
/// Beside the database file, a small lease file records the database's id, its file identity
/// (device and inode) and host, and the write generation last committed (bumped by every
/// transaction that stores versions, local or received). On open, no lease, another file, another
/// host, or a generation behind the lease's means the file may be older than what peers have
/// seen from it, and a new epoch begins. A database ahead of its lease is fine: a crash or
/// another connection came between a commit and its lease write.
struct ActorLease: Equatable {
    var databaseID: String
    var epoch: Int
    var generation: Int64
    var device: UInt64
    var inode: UInt64
    var host: String

    static func path(for database: String) -> String { database + "-actor" }

    static func fileIdentity(_ path: String) -> (device: UInt64, inode: UInt64)? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return (UInt64(st.st_dev), UInt64(st.st_ino))
    }

    static var hostName: String { ProcessInfo.processInfo.hostName }

    static func read(for database: String) -> ActorLease? {
        guard let data = FileManager.default.contents(atPath: path(for: database)),
              let json = try? JSONParser.parse(bytes: Array(data)),
              let id = json["database_id"]?.stringValue,
              let epoch = json["epoch"]?.int64Value, let generation = json["generation"]?.int64Value,
              let dev = json["device"]?.stringValue.flatMap({ UInt64($0) }),
              let ino = json["inode"]?.stringValue.flatMap({ UInt64($0) }),
              let host = json["host"]?.stringValue else { return nil }
        return ActorLease(databaseID: id, epoch: Int(epoch), generation: generation, device: dev, inode: ino, host: host)
    }

    /// Writes the lease atomically (temporary file, then rename).
    func write(for database: String) throws {
        let json: JSONValue = [
            "database_id": .string(databaseID), "epoch": .int(epoch), "generation": .int(generation),
            "device": .string(String(device)), "inode": .string(String(inode)), "host": .string(host),
        ]
        let target = Self.path(for: database)
        // One temporary file per call: the server's threads write leases concurrently, and a
        // shared name let one thread rename another's file away (a 500 seen under load).
        let temp = target + ".tmp-\(getpid())-\(UUID().uuidString.prefix(8))"
        do { try Data((json.text + "\n").utf8).write(to: URL(fileURLWithPath: temp)) } catch {
            unlink(temp)  // a full disk must not leave half-written temporary files behind
            throw error
        }
        guard rename(temp, target) == 0 else {
            unlink(temp)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: target])
        }
    }
}
