#if canImport(Glibc)
import Glibc
#endif
import Foundation
import JSON
import Standards
import Testing
import TestSupport

/// Links over HTTPS with client certificates from Scripts/make-certs: a street serving two
/// communities; a community syncs with its own certificate, and is refused (403) with another's.
@Suite("Integration: TLS", .serialized)
struct TLSIntegrationTests {
    /// The package root, from this file's path (Tests/IntegrationTests/…).
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// Adds a tls block to `code`'s node.json (certificate and key of `certFor`) and points its
    /// parent link at https.
    func configureTLS(_ h: Hierarchy, _ code: String, certs: String, certFor: String? = nil) throws {
        let path = (h.dir(code) as NSString).appendingPathComponent("node.json")
        var o = try #require(try JSONParser.parse(String(contentsOfFile: path, encoding: .utf8)).objectValue)
        let who = certFor ?? code
        o["tls"] = ["ca": .string(certs + "/ca.crt"), "cert": .string(certs + "/\(who).crt"), "key": .string(certs + "/\(who).key")]
        if let url = o["parent_url"]?.stringValue {
            o["parent_url"] = .string(url.replacingOccurrences(of: "http://", with: "https://"))
        }
        try Data((JSONValue.object(o).text + "\n").utf8).write(to: URL(fileURLWithPath: path))
    }

    @Test("make-certs → street serves HTTPS; community syncs with its certificate; another community's certificate → 403")
    func httpsLinkWithClientCertificates() throws {
        let h = try Hierarchy([(city, nil), (kangbashi, city), (qingchunshan, kangbashi), (zhujiang, qingchunshan), (shenhua, qingchunshan)])
        defer { h.shutdown() }
        let certs = h.base.appendingPathComponent("certs").path
        let made = try programs.run("/bin/bash", [Self.packageRoot + "/Scripts/make-certs", h.base.appendingPathComponent("topology.json").path, certs])
        try #require(made.code == 0, "make-certs failed: \(made.err)")
        #expect(made.out.contains("\(zhujiang).crt"))
        for code in [city, kangbashi, qingchunshan, zhujiang, shenhua] {
            #expect(FileManager.default.fileExists(atPath: certs + "/\(code).crt"), "no certificate for \(code)")
            let mode = try FileManager.default.attributesOfItem(atPath: certs + "/\(code).key")[.posixPermissions] as? Int
            #expect(mode == 0o600, "key of \(code) must be 0600")
        }
        try configureTLS(h, qingchunshan, certs: certs)
        try configureTLS(h, zhujiang, certs: certs)
        try h.start([qingchunshan])
        let street = "https://127.0.0.1:\(h.ports[qingchunshan]!)"

        // Sync over HTTPS with the community's own certificate.
        let id = CitizenID.complete("15060319900101004")!
        try h.put(zhujiang, "person", person(id, name: "赵六", community: zhujiang))
        let synced = try h.sync(zhujiang)
        #expect(synced.code == 0, "sync over HTTPS failed: \(synced.err)\n\(h.logs([qingchunshan]))")
        #expect(try h.get(qingchunshan, "person", id)?["name"]?.stringValue == "赵六")

        // The same request by hand: own certificate 200; none 403; another community's 403.
        let headers = try h.syncHeaders(as: zhujiang)
        let tlsArgs = ["--cacert", certs + "/ca.crt"]
        let own = try curl("GET", street + "/v1/sync/have", headers: headers,
                           extra: tlsArgs + ["--cert", certs + "/\(zhujiang).crt", "--key", certs + "/\(zhujiang).key"])
        #expect(own.status == 200, "\(own.body)")
        let none = try curl("GET", street + "/v1/sync/have", headers: headers, extra: tlsArgs)
        #expect(none.status == 403, "\(none.body)")
        let other = try curl("GET", street + "/v1/sync/have", headers: headers,
                             extra: tlsArgs + ["--cert", certs + "/\(shenhua).crt", "--key", certs + "/\(shenhua).key"])
        #expect(other.status == 403 && other.json?["message_en"]?.stringValue?.contains("client certificate") == true, "\(other.body)")
        // The credential is still required alongside the certificate.
        let noToken = try curl("GET", street + "/v1/sync/have", headers: ["X-Rootsync-Node": zhujiang],
                               extra: tlsArgs + ["--cert", certs + "/\(zhujiang).crt", "--key", certs + "/\(zhujiang).key"])
        #expect(noToken.status == 401)

        // The community configured with its neighbour's certificate: refused with 403, nothing applied.
        try configureTLS(h, zhujiang, certs: certs, certFor: shenhua)
        let id2 = CitizenID.complete("15060319900101005")!
        try h.put(zhujiang, "person", person(id2, name: "钱七", community: zhujiang))
        let refused = try h.sync(zhujiang)
        #expect(refused.code != 0 && refused.err.contains("403"), "exit \(refused.code): \(refused.err)")
        #expect(try h.get(qingchunshan, "person", id2) == nil)
    }
}
