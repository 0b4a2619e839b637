import Foundation
import Testing
import TestSupport
import Transport

@Suite("Malformed HTTP")
struct RobustnessTests {
    @Test func garbageAndHugeHeadersDoNotHurtTheServer() throws {
        let limits = HTTPServer.Limits(connectionMemoryLimit: 32 * 1024, connectionTimeoutSeconds: 5)
        try withServer(limits: limits) { server, client in
            // (bytes, whether to wait for an answer before hanging up)
            let junk: [([UInt8], Bool)] = [
                (Array("GARBAGE\r\n\r\n".utf8), true),
                (Array("GET / HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 200_000))\r\n\r\n".utf8), true),
                (Array("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n".utf8), true),
                (Array("POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\n".utf8), true),
                ([0x00, 0xFF, 0x13, 0x37, 0x0D, 0x0A, 0x0D, 0x0A], true),
                (Array("GET / HTTP/1.1\r\nHost: x\r\n".utf8), false), // hang up mid-headers
            ]
            for (bytes, waitForAnswer) in junk {
                let socket = try LoopbackConnection(port: server.port)
                socket.send(bytes)
                let answer = waitForAnswer ? String(decoding: socket.readAll(), as: UTF8.self) : ""
                socket.close()
                // libmicrohttpd answers with a 4xx or just closes; it never reaches the handler.
                #expect(answer.isEmpty || answer.hasPrefix("HTTP/1.1 4"), "answer to \(bytes.prefix(20)): \(answer.prefix(80))")
                #expect(!answer.contains("X-Method"))
            }
            #expect(try client.send(path: "/alive").headers["X-Path"] == "/alive")
        }
    }

    @Test func halfSentBodyThenHangUpIsHarmless() throws {
        let server = HTTPServer(handler: echoHandler)
        try server.start()
        let client = try HTTPClient(baseURL: "http://127.0.0.1:\(server.port)", options: .init(totalTimeout: 5))
        for _ in 0..<5 {
            let socket = try LoopbackConnection(port: server.port)
            socket.send(Array("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nonly a little".utf8))
            socket.close()
        }
        #expect(try client.send(method: "POST", path: "/alive", body: [1]).status == 200)
        // Abandoned uploads are not "in flight": stop does not wait for them.
        let started = Date()
        server.stop()
        #expect(Date().timeIntervalSince(started) < 1)
    }
}
