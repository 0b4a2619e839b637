import Foundation
import Testing
import Transport

/// Finding 4 of issue 11 at the HTTP layer: the admission step decides before any body byte is
/// read, gzip is decoded as it arrives within the per-request cap, and a server-wide budget
/// bounds body memory across concurrent requests.
@Suite("Admission and body memory", .serialized)
struct AdmissionTests {
    /// Starts a server with `admit`, counting handler calls.
    static func withAdmittingServer<T>(limits: HTTPServer.Limits = HTTPServer.Limits(), admit: @escaping HTTPAdmitter,
                                       handler: @escaping HTTPHandler = echoHandler,
                                       _ body: (HTTPServer, HTTPClient) throws -> T) throws -> T {
        let server = HTTPServer(host: "127.0.0.1", port: 0, limits: limits, threads: 4, admit: admit, handler: handler)
        try server.start()
        defer { server.stop() }
        let client = try HTTPClient(baseURL: "http://127.0.0.1:\(server.port)", options: .init(connectTimeout: 2, totalTimeout: 30))
        return try body(server, client)
    }

    @Test("a refused head is answered before its body is read; the handler never runs")
    func refusalBeforeBody() throws {
        let calls = Locked(0)
        let bomb = Gzip.compress([UInt8](repeating: 0, count: 64 << 20), level: 1)
        let admit: HTTPAdmitter = { head in
            head.headers["Authorization"] == "Bearer good"
                ? .admit(.init(wireBytes: 1 << 20, inflatedBytes: 1 << 20), principal: "alice")
                : .refuse(.error(zh: "无凭据", en: "no credential", status: 401))
        }
        try Self.withAdmittingServer(admit: admit, handler: { request in
            calls.withLock { $0 += 1 }
            return echoHandler(request)
        }) { server, client in
            let refused = try client.send(method: "POST", path: "/push", headers: ["Content-Encoding": "gzip"], body: bomb)
            #expect(refused.status == 401 && refused.isJSON)
            #expect(refused.headers["Connection"]?.lowercased() == "close")
            // A small body without Expect: still a clean answer.
            let small = try client.send(method: "POST", path: "/push", body: [UInt8](repeating: 1, count: 200_000))
            #expect(small.status == 401)
            #expect(calls.withLock { $0 } == 0, "a refused request reached the handler")
        }
        // Admitted: the principal reaches the handler, marked as admitted.
        let principal = Locked<String?>(nil)
        try Self.withAdmittingServer(admit: admit, handler: { request in
            principal.withLock { $0 = request.admitted ? request.principal : "not admitted" }
            return echoHandler(request)
        }) { _, client in
            let ok = try client.send(method: "POST", path: "/push", headers: ["Authorization": "Bearer good"], body: [1, 2, 3])
            #expect(ok.status == 200 && ok.headers["X-Body-Length"] == "3")
            #expect(principal.withLock { $0 } == "alice")
        }
    }

    @Test("gzip is decoded as it arrives: a bomb stops at the admitted cap with 413, bodies within it arrive whole")
    func streamingInflationCap() throws {
        let bomb = Gzip.compress([UInt8](repeating: 0, count: 256 << 20), level: 1)
        let admit: HTTPAdmitter = { _ in .admit(.init(wireBytes: 4 << 20, inflatedBytes: 2 << 20), principal: nil) }
        try Self.withAdmittingServer(admit: admit) { _, client in
            let refused = try client.send(method: "POST", path: "/bomb", headers: ["Content-Encoding": "gzip"], body: bomb)
            #expect(refused.status == 413 && refused.isJSON)
            #expect(refused.bodyText?.contains("decompressed request body is larger than 2097152 bytes") == true, "\(refused.bodyText ?? "")")
            let json = sampleJSON(size: 1_500_000)
            let members = Gzip.compress(Array(json.prefix(700_000))) + Gzip.compress(Array(json.dropFirst(700_000)))
            let ok = try client.send(method: "POST", path: "/ok", headers: ["Content-Encoding": "gzip"], body: members)
            #expect(ok.status == 200 && ok.body == json)
            let truncated = try client.send(method: "POST", path: "/t", headers: ["Content-Encoding": "gzip"], body: Array(members.prefix(1000)))
            #expect(truncated.status == 400 && truncated.bodyText?.contains("truncated") == true)
            // A declared length over the wire cap is refused at once.
            let tooLong = try client.send(method: "POST", path: "/long", body: [UInt8](repeating: 3, count: 5 << 20))
            #expect(tooLong.status == 413)
        }
    }

    @Test("the server-wide body budget: a request that cannot reserve its share gets 503 with Retry-After, JSON")
    func bodyBudget() throws {
        let limits = HTTPServer.Limits(bodyMemoryBudget: 3 << 20)
        let release = DispatchSemaphore(value: 0)
        let entered = DispatchSemaphore(value: 0)
        let handler: HTTPHandler = { request in
            if request.path == "/hold" {
                entered.signal()
                _ = release.wait(timeout: .now() + 20)
            }
            return echoHandler(request)
        }
        try Self.withAdmittingServer(limits: limits, admit: { _ in .admit(.init(wireBytes: 8 << 20, inflatedBytes: 8 << 20), principal: nil) },
                                     handler: handler) { server, client in
            // One request holds 2 MiB of the 3 MiB budget while its handler runs.
            let holder = Thread {
                let other = try? HTTPClient(baseURL: "http://127.0.0.1:\(server.port)", options: .init(totalTimeout: 30))
                _ = try? other?.send(method: "POST", path: "/hold", body: [UInt8](repeating: 1, count: 2 << 20))
            }
            holder.start()
            #expect(entered.wait(timeout: .now() + 20) == .success)
            let busy = try client.send(method: "POST", path: "/more", body: [UInt8](repeating: 2, count: 2 << 20))
            #expect(busy.status == 503 && busy.isJSON, "\(busy.status) \(busy.bodyText ?? "")")
            #expect(busy.headers["Retry-After"] == "2")
            let gzipBusy = try client.send(method: "POST", path: "/more", headers: ["Content-Encoding": "gzip"],
                                           body: Gzip.compress([UInt8](repeating: 0, count: 2 << 20)))
            #expect(gzipBusy.status == 503, "\(gzipBusy.status) \(gzipBusy.bodyText ?? "")")
            #expect(try client.send(method: "POST", path: "/small", body: [UInt8](repeating: 3, count: 100_000)).status == 200)
            release.signal()
            // Once the holder is done, its share is back.
            var after = 0
            for _ in 0..<50 {
                after = try client.send(method: "POST", path: "/again", body: [UInt8](repeating: 2, count: 2 << 20)).status
                if after == 200 { break }
                usleep(100_000)
            }
            #expect(after == 200)
        }
    }
}
