import Foundation
import JSON
import Testing
@testable import Replica

/// The lease beside a replica (`replica.sqlite-actor`): written when it must move, left alone
/// when it matches, so opening a replica writes nothing (readers keep working on a full disk).
@Suite("Actor lease")
struct LeaseTests {
    @Test("opening a replica whose lease matches leaves the lease file untouched; a write moves it")
    func openWritesNothing() throws {
        let path = Fixture.tempDir().appendingPathComponent("150603002001.sqlite").path
        let r = try Fixture.replica("150603002001", path: path)
        try r.put("person", Fixture.obj([("id_number", .string(Fixture.id(seq: 1))), ("name", "张三"), ("community_code", "150603002001")]))
        let lease = path + "-actor"
        let inode = { (try FileManager.default.attributesOfItem(atPath: lease)[.systemFileNumber] as? UInt64) ?? 0 }
        let before = try inode()
        let reopened = try Replica.open(path: path, divisions: Fixture.divisions)
        #expect(try inode() == before, "opening rewrote a matching lease")
        #expect(reopened.epoch == 1)
        try reopened.put("person", Fixture.obj([("id_number", .string(Fixture.id(seq: 1))), ("phone", "13800000001")]))
        #expect(try inode() != before, "a write moves the lease (a new file renamed into place)")
        // No temporary lease files are left behind.
        let dir = (path as NSString).deletingLastPathComponent
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(".tmp-") }.isEmpty)
    }
}
