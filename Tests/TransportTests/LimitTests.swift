import Foundation
import Testing
import TestSupport
import Transport

@Suite("Server limits")
struct LimitTests {
    @Test func oversizeBodyIsRefusedWith413() throws {
        let limits = HTTPServer.Limits(maxBodyBytes: 256 * 1024)
        try withServer(limits: limits) { _, client in
            let response = try client.send(method: "POST", path: "/big", body: [UInt8](repeating: 1, count: 512 * 1024))
            #expect(response.status == 413)
            #expect(response.isJSON)
            // Exactly at the cap is fine, and the connection keeps working.
            let atCap = try client.send(method: "POST", path: "/ok", body: [UInt8](repeating: 2, count: 256 * 1024))
            #expect(atCap.status == 200)
            #expect(atCap.headers["X-Body-Length"] == String(256 * 1024))
        }
    }

    @Test func oversizeBodyWithExpectContinueIsRefusedBeforeUpload() throws {
        // curl sends "Expect: 100-continue" for bodies over 1 MiB; the server answers 413 at once.
        let limits = HTTPServer.Limits(maxBodyBytes: 1 << 20)
        try withServer(limits: limits) { _, client in
            let response = try client.send(method: "PUT", path: "/big", body: [UInt8](repeating: 1, count: 2 << 20))
            #expect(response.status == 413)
            #expect(try client.send(path: "/after").status == 200)
        }
    }

    @Test func gzipBombIsRefusedWith413() throws {
        let bomb = Gzip.compress([UInt8](repeating: 0, count: 200 << 20), level: 1)
        #expect(bomb.count < 1 << 20)
        let limits = HTTPServer.Limits(maxBodyBytes: 1 << 20, maxDecompressedBodyBytes: 10 << 20)
        try withServer(limits: limits) { _, client in
            let response = try client.send(method: "POST", path: "/bomb",
                                           headers: ["Content-Encoding": "gzip"], body: bomb)
            #expect(response.status == 413)
            #expect(response.bodyText?.contains("decompressed") == true)
        }
    }

    @Test func truncatedOrCorruptGzipIsRefusedWith400() throws {
        let compressed = Gzip.compress(sampleJSON(size: 50_000))
        try withServer { _, client in
            let truncated = try client.send(method: "POST", path: "/t", headers: ["Content-Encoding": "gzip"],
                                            body: Array(compressed.prefix(compressed.count / 2)))
            #expect(truncated.status == 400)
            #expect(truncated.bodyText?.contains("truncated") == true)
            let garbage = try client.send(method: "POST", path: "/g", headers: ["Content-Encoding": "gzip"],
                                          body: Array("definitely not gzip".utf8))
            #expect(garbage.status == 400)
            let brotli = try client.send(method: "POST", path: "/b", headers: ["Content-Encoding": "br"], body: [1, 2, 3])
            #expect(brotli.status == 415)
            #expect(try client.send(path: "/still-fine").status == 200)
        }
    }

    @Test func rawExpectContinueGets413InsteadOf100() throws {
        let limits = HTTPServer.Limits(maxBodyBytes: 1024)
        try withServer(limits: limits) { server, _ in
            let socket = try LoopbackConnection(port: server.port)
            defer { socket.close() }
            socket.send(Array("PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999\r\nExpect: 100-continue\r\n\r\n".utf8))
            let answer = String(decoding: socket.readAll(), as: UTF8.self)
            #expect(answer.hasPrefix("HTTP/1.1 413"))
            #expect(!answer.contains("100 Continue"))
        }
    }

    @Test func declaredLengthOverTheCapIsAnsweredAtOnce() throws {
        let limits = HTTPServer.Limits(maxBodyBytes: 64 * 1024)
        try withServer(limits: limits) { server, _ in
            let socket = try LoopbackConnection(port: server.port)
            defer { socket.close() }
            socket.send(Array("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999\r\n\r\n".utf8))
            let answer = String(decoding: socket.readAll(), as: UTF8.self)
            #expect(answer.hasPrefix("HTTP/1.1 413") && answer.contains("request body is larger than 65536 bytes"), "\(answer)")
        }
    }

    @Test func endlessUploadIsCutOffAfterTheDrainAllowance() throws {
        let limits = HTTPServer.Limits(maxBodyBytes: 64 * 1024)
        try withServer(limits: limits) { server, client in
            let socket = try LoopbackConnection(port: server.port)
            defer { socket.close() }
            // Chunked, so no length says in advance that it is too large.
            socket.send(Array("POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".utf8))
            // Far more than cap + drain allowance; send() gives up once the server stops reading.
            let chunk = Array("100000\r\n".utf8) + [UInt8](repeating: 7, count: 1 << 20) + Array("\r\n".utf8)
            for _ in 0..<24 { socket.send(chunk) }
            // The server hangs up (libmicrohttpd cannot answer mid-upload) instead of reading on.
            #expect(socket.readAll().isEmpty)
            #expect(try client.send(path: "/alive").status == 200)
        }
    }
}
