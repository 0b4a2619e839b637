import Foundation
import Testing
import TestSupport
import Transport
#if canImport(Glibc)
import Glibc
#endif

/// Hostile clients that hold connections: slow (never finish their headers) and many at once,
/// from one address or overall. All on loopback, every wait bounded.
@Suite("Slow clients and connection limits", .serialized)
struct ConnectionLimitTests {
    /// Reads until the server closes (true) or `seconds` pass without it closing (false); bytes
    /// received on the way are returned too.
    static func closedByServer(_ socket: LoopbackConnection, within seconds: Double) -> (closed: Bool, bytes: [UInt8]) {
        let deadline = Date().addingTimeInterval(seconds)
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date() < deadline {
            let count = buffer.withUnsafeMutableBytes { recv(socket.fd, $0.baseAddress, $0.count, 0) }
            if count == 0 { return (true, bytes) }
            if count > 0 { bytes += buffer[0..<count]; continue }
            if errno == ECONNRESET { return (true, bytes) }
            // EAGAIN: the 0.5 s receive timeout passed; keep waiting until the deadline.
        }
        return (false, bytes)
    }

    @Test("a client that never finishes its headers is dropped after the connection timeout")
    func slowClientIsDropped() throws {
        let limits = HTTPServer.Limits(connectionTimeoutSeconds: 1)
        try withServer(limits: limits) { server, client in
            let slow = try LoopbackConnection(port: server.port)
            defer { slow.close() }
            slow.send(Array("GET /slow HTTP/1.1\r\nHost: x\r\nX-Drip: ".utf8))
            // The timeout is 1 s; 10 s leaves room for a loaded machine.
            let result = Self.closedByServer(slow, within: 10)
            #expect(result.closed, "the server kept a silent half-request open for 10 s")
            #expect(!String(decoding: result.bytes, as: UTF8.self).contains("X-Method"), "a half request must not reach the handler")
            #expect(try client.send(path: "/alive").status == 200)
        }
    }

    @Test("a client that stops in the middle of its body is dropped after the connection timeout")
    func stalledUploadIsDropped() throws {
        let limits = HTTPServer.Limits(connectionTimeoutSeconds: 1)
        try withServer(limits: limits) { server, client in
            let slow = try LoopbackConnection(port: server.port)
            defer { slow.close() }
            slow.send(Array("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nonly part".utf8))
            #expect(Self.closedByServer(slow, within: 10).closed)
            #expect(try client.send(path: "/alive").status == 200)
        }
    }

    /// A handler that holds "/held" requests until `release` is signalled.
    final class Holder: @unchecked Sendable {
        let entered = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        var handler: HTTPHandler {
            { [self] request in
                if request.path == "/held" {
                    entered.signal()
                    _ = release.wait(timeout: .now() + 30)
                }
                return echoHandler(request)
            }
        }

        /// Starts `count` requests that stay in the handler; returns once all are there.
        func hold(_ count: Int, port: UInt16) -> Bool {
            for _ in 0..<count {
                Thread {
                    let client = try? HTTPClient(baseURL: "http://127.0.0.1:\(port)", options: .init(totalTimeout: 40))
                    _ = try? client?.send(path: "/held")
                }.start()
            }
            return (0..<count).allSatisfy { _ in entered.wait(timeout: .now() + 20) == .success }
        }
    }

    @Test("connections over the per-address limit, all busy answering, are refused until one is released")
    func perAddressLimit() throws {
        let limits = HTTPServer.Limits(connectionLimit: 64, connectionTimeoutSeconds: 30, perAddressConnectionLimit: 3)
        let holder = Holder()
        try withServer(limits: limits, threads: 4, handler: holder.handler) { server, _ in
            #expect(holder.hold(3, port: server.port))
            let extra = try LoopbackConnection(port: server.port)
            defer { extra.close() }
            extra.send(Array("GET /extra HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
            let refused = Self.closedByServer(extra, within: 1.5)
            #expect(!String(decoding: refused.bytes, as: UTF8.self).contains("200 OK"), "a 4th connection from one address was served")
            for _ in 0..<3 { holder.release.signal() }
            // Once the address is under its limit again, a new connection is served.
            var status = 0
            for _ in 0..<50 where status != 200 {
                let client = try HTTPClient(baseURL: "http://127.0.0.1:\(server.port)", options: .init(connectTimeout: 2, totalTimeout: 5))
                status = (try? client.send(path: "/after"))?.status ?? 0
                if status != 200 { usleep(100_000) }
            }
            #expect(status == 200)
        }
    }

    @Test("half-open and trickling connections at the per-address limit give way to a new connection")
    func halfOpenConnectionsGiveWay() throws {
        let limits = HTTPServer.Limits(connectionLimit: 64, connectionTimeoutSeconds: 60, perAddressConnectionLimit: 3)
        try withServer(limits: limits) { server, _ in
            var held: [LoopbackConnection] = []
            defer { for s in held { s.close() } }
            for i in 0..<6 {
                let s = try LoopbackConnection(port: server.port)
                if i % 2 == 0 { s.send(Array("GET /held HTTP/1.1\r\nHost: x\r\n".utf8)) } // trickling, never finished
                held.append(s)
            }
            for _ in 0..<3 {
                let client = try HTTPClient(baseURL: "http://127.0.0.1:\(server.port)", options: .init(connectTimeout: 2, totalTimeout: 5))
                #expect(try client.send(path: "/served").status == 200)
            }
            // The oldest of them were closed by the server to make room.
            #expect(Self.closedByServer(held[0], within: 5).closed)
        }
    }

    @Test("connections over the server-wide limit, all busy answering, are refused until one is released")
    func serverWideLimit() throws {
        let limits = HTTPServer.Limits(connectionLimit: 4, connectionTimeoutSeconds: 30)
        let holder = Holder()
        // threads: 1, so the limit is 4 and not raised to the thread count.
        let server = HTTPServer(host: "127.0.0.1", port: 0, limits: limits, threads: 1, handler: holder.handler)
        try server.start()
        defer { server.stop(grace: 1) }
        #expect(holder.hold(4, port: server.port))
        let extra = try LoopbackConnection(port: server.port)
        defer { extra.close() }
        extra.send(Array("GET /extra HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        let blocked = Self.closedByServer(extra, within: 1.5)
        #expect(!String(decoding: blocked.bytes, as: UTF8.self).contains("200 OK"), "a 5th connection was served over a limit of 4")
        for _ in 0..<4 { holder.release.signal() }
        var status = 0
        for _ in 0..<50 where status != 200 {
            let client = try HTTPClient(baseURL: "http://127.0.0.1:\(server.port)", options: .init(connectTimeout: 2, totalTimeout: 5))
            status = (try? client.send(path: "/after"))?.status ?? 0
            if status != 200 { usleep(100_000) }
        }
        #expect(status == 200)
    }

    @Test("headers over the limit get 431 as bilingual JSON, not HTML")
    func oversizeHeadersGetJSON431() throws {
        let limits = HTTPServer.Limits(connectionMemoryLimit: 128 * 1024, maxHeaderBytes: 8 * 1024)
        try withServer(limits: limits) { server, client in
            let response = try client.send(path: "/big", headers: ["X-Big": String(repeating: "a", count: 20_000)])
            #expect(response.status == 431)
            #expect(response.isJSON)
            #expect(response.bodyText?.contains("\"message_en\":\"request headers are larger than 8192 bytes\"") == true,
                    "\(response.bodyText ?? "")")
            #expect(response.bodyText?.contains("message_zh") == true)
            #expect(response.headers["X-Method"] == nil, "oversized headers must not reach the handler")
            #expect(try client.send(path: "/small", headers: ["X-Small": "a"]).status == 200)
        }
    }
}
