import Foundation
import Testing
import TestSupport
import Transport

/// Certificates made for one test run with the openssl CLI: a CA, a server certificate for
/// 127.0.0.1, client certificates, and a second CA that the server does not trust.
private struct TestPKI {
    let dir: String
    func path(_ name: String) -> String { (dir as NSString).appendingPathComponent(name) }
    func text(_ name: String) throws -> String { try String(contentsOfFile: path(name), encoding: .utf8) }

    static func make() throws -> TestPKI {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rootsync-tls-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let script = #"""
        set -e
        cd "$1"
        key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key" 2>/dev/null; }
        ca() { key "$1"; openssl req -x509 -new -key "$1.key" -days 2 -subj "/CN=$1" \
                 -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" -out "$1.crt"; }
        # leaf NAME CA CN EKU SAN
        leaf() {
            key "$1"
            openssl req -new -key "$1.key" -subj "/O=rootsync/CN=$3" -out "$1.csr"
            printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=%s\nsubjectAltName=%s\n' "$4" "$5" > "$1.ext"
            openssl x509 -req -in "$1.csr" -CA "$2.crt" -CAkey "$2.key" -CAcreateserial -days 2 -extfile "$1.ext" -out "$1.crt" 2>/dev/null
        }
        ca ca
        ca otherca
        leaf server ca 150603002 serverAuth IP:127.0.0.1
        leaf client ca 150603002001 clientAuth URI:rootsync:node:150603002001
        leaf stranger otherca 150603002001 clientAuth URI:rootsync:node:150603002001
        leaf serveronly ca 150603002009 serverAuth IP:127.0.0.1
        """#
        let process = try ChildProcess("/bin/bash", ["-c", script, "make-test-pki", dir])
        let status = process.wait(timeout: 120)?.status
        guard status == 0 else {
            process.stop(SIGKILL)
            throw TransportError.invalidRequest("openssl could not make the test certificates (exit \(status.map(String.init) ?? "none: timed out"))")
        }
        return TestPKI(dir: dir)
    }

    func remove() { try? FileManager.default.removeItem(atPath: dir) }
}

/// Answers with the verified client certificate's CN (or "-") in X-Client-CN.
private let identityHandler: HTTPHandler = { request in
    HTTPResponse(status: 200, headers: ["X-Client-CN": request.clientCertificateCN ?? "-"], body: request.body)
}

@Suite("HTTPS with client certificates", .serialized)
struct TLSTests {
    private func withTLSServer(_ pki: TestPKI, trust: Bool = true,
                               _ body: (_ url: String) throws -> Void) throws {
        let tls = HTTPServer.TLS(certificatePEM: try pki.text("server.crt"), keyPEM: try pki.text("server.key"),
                                 trustPEM: trust ? try pki.text("ca.crt") : nil)
        let server = HTTPServer(host: "127.0.0.1", port: 0, threads: 4, tls: tls, handler: identityHandler)
        try server.start()
        defer { server.stop() }
        try body("https://127.0.0.1:\(server.port)")
    }

    private func client(_ url: String, _ pki: TestPKI, cert: String? = nil, ca: Bool = true) throws -> HTTPClient {
        try HTTPClient(baseURL: url, options: .init(connectTimeout: 2, totalTimeout: 10,
                                                    caFile: ca ? pki.path("ca.crt") : nil,
                                                    clientCertificateFile: cert.map { pki.path("\($0).crt") },
                                                    clientKeyFile: cert.map { pki.path("\($0).key") }))
    }

    @Test("a verified client certificate's CN reaches the handler; bodies round-trip over HTTPS")
    func verifiedClient() throws {
        let pki = try TestPKI.make()
        defer { pki.remove() }
        try withTLSServer(pki) { url in
            let c = try client(url, pki, cert: "client")
            let body = Array(String(repeating: "青春山街道 ", count: 2000).utf8)
            let first = try c.send(method: "POST", path: "/v1/echo", body: body, gzipBody: true)
            #expect(first.status == 200)
            #expect(first.headers["X-Client-CN"] == "150603002001")
            #expect(first.body == body)
            // Same connection (keep-alive), same identity.
            let second = try c.send(path: "/v1/again")
            #expect(second.headers["X-Client-CN"] == "150603002001")
            #expect(c.connectionsOpened == 1)
        }
    }

    @Test("no client certificate: served, but no identity")
    func anonymousClient() throws {
        let pki = try TestPKI.make()
        defer { pki.remove() }
        try withTLSServer(pki) { url in
            let response = try client(url, pki).send(path: "/")
            #expect(response.status == 200)
            #expect(response.headers["X-Client-CN"] == "-")
        }
    }

    @Test("a certificate from another CA, or one not made for clients, gives no identity")
    func untrustedClients() throws {
        let pki = try TestPKI.make()
        defer { pki.remove() }
        try withTLSServer(pki) { url in
            do {
                let response = try client(url, pki, cert: "stranger").send(path: "/")
                #expect(response.headers["X-Client-CN"] == "-", "a certificate from another CA must not give an identity")
            } catch is TransportError {
                // A refused handshake is as good.
            }
            // Signed by the right CA but for servers only (no clientAuth): served, no identity.
            let serverOnly = try client(url, pki, cert: "serveronly").send(path: "/")
            #expect(serverOnly.status == 200)
            #expect(serverOnly.headers["X-Client-CN"] == "-")
        }
    }

    @Test("without a trust list the server reports no client identity")
    func noTrustList() throws {
        let pki = try TestPKI.make()
        defer { pki.remove() }
        try withTLSServer(pki, trust: false) { url in
            let response = try client(url, pki, cert: "client").send(path: "/")
            #expect(response.status == 200)
            #expect(response.headers["X-Client-CN"] == "-")
        }
    }

    @Test("the client refuses a server its CA file does not vouch for, and a plain-HTTP client gets nothing")
    func clientVerifiesServer() throws {
        let pki = try TestPKI.make()
        defer { pki.remove() }
        try withTLSServer(pki) { url in
            #expect(throws: TransportError.self) { try client(url, pki, ca: false).send(path: "/") }
            let wrongCA = try HTTPClient(baseURL: url, options: .init(connectTimeout: 2, totalTimeout: 10, caFile: pki.path("otherca.crt")))
            #expect(throws: TransportError.self) { try wrongCA.send(path: "/") }
            // Right CA, wrong name: the certificate is for 127.0.0.1, not localhost.
            let wrongHost = try HTTPClient(baseURL: url.replacingOccurrences(of: "127.0.0.1", with: "localhost"),
                                           options: .init(connectTimeout: 2, totalTimeout: 10, caFile: pki.path("ca.crt")))
            #expect(throws: TransportError.self) { try wrongHost.send(path: "/") }
            let plain = try HTTPClient(baseURL: url.replacingOccurrences(of: "https:", with: "http:"),
                                       options: .init(connectTimeout: 2, totalTimeout: 5))
            let answer = try? plain.send(path: "/")
            #expect(answer == nil || answer?.status != 200)
        }
    }
}
