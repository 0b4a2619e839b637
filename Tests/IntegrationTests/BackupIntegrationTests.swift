// Issue 14: `rootsync backup` while the agent runs and `rootsync restore` with the epoch rules,
// on a real hierarchy.
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import JSON
import Node
import Standards
import Testing
import TestSupport

@Suite("Backup and restore (real agents)", .serialized)
struct BackupIntegrationTests {
    static let city = "150600", district = "150603", street = "150603002"

    @Test("backup runs beside the agent; restore refuses a running agent (naming it), then puts the backup in place with a new epoch, and the tree sends back what was written after the backup")
    func backupThenRestore() throws {
        let h = try Hierarchy([(Self.city, nil), (Self.district, Self.city), (Self.street, Self.district)])
        defer { h.shutdown() }
        try h.startAll()
        let before = CitizenID.complete("15060319800101005")!, after = CitizenID.complete("15060319800101006")!
        try h.put(Self.street, "person", person(before, name: "周八", community: "150603002001"))
        #expect(try h.waitFor(Self.city, "person", before) != nil, "\(h.logs())")

        let backup = h.base.appendingPathComponent("district-backup.sqlite").path
        let made = try rootsync(["backup", "--to", backup, "--dir", h.dir(Self.district), "--json"])
        #expect(made.code == 0, "\(made.err)")
        let info = try made.json()
        #expect(info["node"]?.stringValue == Self.district && info["epoch"]?.int64Value == 1)
        #expect(info["at"]?.stringValue?.hasSuffix("+08:00") == true)
        #expect(try rootsync(["backup", "--to", backup, "--dir", h.dir(Self.district)]).code == 1, "never overwrites")

        // Written after the backup, through the district.
        try h.put(Self.street, "person", person(after, name: "吴九", community: "150603002001"))
        #expect(try h.waitFor(Self.city, "person", after) != nil, "\(h.logs())")

        let pid = try #require(h.pid(Self.district))
        let running = try rootsync(["restore", "--from", backup, "--dir", h.dir(Self.district)])
        #expect(running.code == 1 && running.err.contains("PID \(pid)") && running.err.contains("another rootsync agent"), "\(running.err)")
        #expect(try h.get(Self.district, "person", after) != nil, "the refused restore changed nothing")

        #expect(h.stop(Self.district) == 0)
        let restore = try rootsync(["restore", "--from", backup, "--dir", h.dir(Self.district), "--json"])
        #expect(restore.code == 0, "\(restore.err)")
        let restored = try restore.json()
        let epoch = try #require(restored["epoch"]?.int64Value)
        #expect(epoch > 1 && restored["backup_epoch"]?.int64Value == 1, "\(restore.out)")
        #expect(try h.get(Self.district, "person", after) == nil, "the backup is what is in place now")
        let status = try JSONParser.parse(try rootsync(["status", "--dir", h.dir(Self.district), "--json"]).out)
        #expect(status["epoch"]?.int64Value == epoch)

        // Back in the tree: the record written after the backup comes back; a new write goes up
        // under the new epoch, and nothing conflicts.
        try h.start([Self.district])
        #expect(try h.waitFor(Self.district, "person", after, timeout: 40) != nil, "\(h.logs([Self.district]))")
        let fresh = CitizenID.complete("15060319800101007")!
        try h.put(Self.district, "person", person(fresh, name: "郑十", community: "150603002001"))
        #expect(try h.waitFor(Self.city, "person", fresh, timeout: 40) != nil, "\(h.logs())")
        #expect(try h.waitFor(Self.street, "person", fresh, timeout: 40) != nil, "\(h.logs())")
        for code in h.codes { #expect(try h.conflicts(code).isEmpty, "\(code)") }
        let writers = try h.database(Self.city).all("SELECT DISTINCT actor FROM _rs_versions WHERE key = ?", fresh) { $0.string(0) }
        #expect(writers == ["\(Self.district):\(epoch)"], "\(writers)")
    }
}
