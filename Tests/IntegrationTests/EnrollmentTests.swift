#if canImport(Glibc)
import Glibc
#endif
import Foundation
import JSON
import Node
import Standards
import Testing
import TestSupport

/// Enrollment across real processes: a running street issues a token, a fresh community redeems
/// it with `init`, syncs; reuse is refused; revoke cuts it off; a new token brings it back.
@Suite("Integration: enrollment", .serialized)
struct EnrollmentIntegrationTests {
    @Test("enroll create → init --token → sync; reuse refused; revoke → 401; enroll redeem → sync again")
    func enrollmentFlow() throws {
        let h = try Hierarchy([(city, nil), (kangbashi, city), (qingchunshan, kangbashi), (zhujiang, qingchunshan)])
        defer { h.shutdown() }
        try h.start([city, kangbashi, qingchunshan])
        let topology = h.base.appendingPathComponent("topology.json").path
        let street = h.dir(qingchunshan)
        let fresh = h.base.appendingPathComponent("fresh").path

        // Only a child link can get a token.
        let notChild = try rootsync(["enroll", "create", "--child", shenhua, "--dir", street])
        #expect(notChild.code == 1 && notChild.err.contains("not a child"), "\(notChild.err)")
        let badExpiry = try rootsync(["enroll", "create", "--child", zhujiang, "--expires", "5s", "--dir", street])
        #expect(badExpiry.code != 0)

        let created = try rootsync(["enroll", "create", "--child", zhujiang, "--expires", "30m", "--dir", street, "--json"])
        #expect(created.code == 0, "\(created.err)")
        let token = try #require(try created.json()["token"]?.stringValue)
        #expect(try created.json()["child"]?.stringValue == zhujiang)
        // RFC 3339 in the node's zone (Asia/Shanghai by default), about 30 minutes from now.
        let expires = try #require(try created.json()["expires"]?.stringValue)
        #expect(expires.hasSuffix("+08:00"), "\(expires)")
        let ms = try #require(NodeTime.milliseconds(stored: expires))
        #expect(abs(Double(ms) / 1000 - Date().timeIntervalSince1970 - 1800) < 600, "\(expires)")
        let db = try h.database(qingchunshan)
        #expect(try db.scalarInt("SELECT count(*) FROM _rs_enrollment WHERE token_hash = ?", token) == 0, "the token itself must not be stored")

        // A wrong child is refused over HTTP (and the token stays usable).
        let wrong = try curl("POST", h.url(qingchunshan) + "/v1/enroll", headers: ["Content-Type": "application/json"],
                             body: #"{"node":"\#(shenhua)","token":"\#(token)"}"#)
        #expect(wrong.status == 401 && wrong.json?["message_en"]?.stringValue?.contains("not issued for node") == true, "\(wrong.body)")
        let garbage = try curl("POST", h.url(qingchunshan) + "/v1/enroll", body: "{not json")
        #expect(garbage.status == 400)

        let initResult = try rootsync(["init", "--dir", fresh, "--topology", topology, "--node", zhujiang,
                                       "--parent-url", h.url(qingchunshan), "--token", token, "--json"])
        #expect(initResult.code == 0, "init --token failed: \(initResult.err)")
        let credential = try String(contentsOfFile: fresh + "/link.token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(credential.count == 64 && credential != token)
        let mode = try FileManager.default.attributesOfItem(atPath: fresh + "/link.token")[.posixPermissions] as? Int
        #expect(mode == 0o600)

        let id = CitizenID.complete("15060319900101003")!
        let put = try rootsync(["put", "person", "--dir", fresh, "--data", person(id, name: "王五", community: zhujiang).text])
        #expect(put.code == 0, "\(put.err)")
        let synced = try rootsync(["sync", "--dir", fresh, "--json"])
        #expect(synced.code == 0, "sync after enrollment failed: \(synced.err)\n\(h.logs())")
        #expect(try h.get(qingchunshan, "person", id)?["name"]?.stringValue == "王五")

        // Reusing the token: refused, and the second init leaves nothing behind.
        let other = h.base.appendingPathComponent("other").path
        let reuse = try rootsync(["init", "--dir", other, "--topology", topology, "--node", zhujiang,
                                  "--parent-url", h.url(qingchunshan), "--token", token])
        #expect(reuse.code == 1 && reuse.err.contains("already used"), "\(reuse.err)")
        #expect(!FileManager.default.fileExists(atPath: other), "a failed init must leave nothing behind")
        #expect(try rootsync(["sync", "--dir", fresh]).code == 0, "the first credential must still work")

        // Revoke: the community's next sync is refused with 401 at once.
        let revoke = try rootsync(["enroll", "revoke", "--child", zhujiang, "--dir", street])
        #expect(revoke.code == 0, "\(revoke.err)")
        let refused = try rootsync(["sync", "--dir", fresh])
        #expect(refused.code == 1 && refused.err.contains("invalid credential") && refused.err.contains("401"), "\(refused.err)")

        // A new token, redeemed by the initialised node: sync works again.
        let again = try rootsync(["enroll", "create", "--child", zhujiang, "--dir", street, "--json"])
        let token2 = try #require(try again.json()["token"]?.stringValue)
        let redeem = try rootsync(["enroll", "redeem", "--dir", fresh, "--token", token2])
        #expect(redeem.code == 0, "\(redeem.err)")
        let back = try rootsync(["sync", "--dir", fresh])
        #expect(back.code == 0, "sync after re-enrolment failed: \(back.err)")

        let actions = try db.all("SELECT action FROM _rs_audit ORDER BY id") { $0.string(0) }
        #expect(actions.filter { $0 == "enroll_create" }.count >= 2)
        #expect(actions.contains("enroll_revoke") && actions.contains("enroll_redeem"))
    }
}
