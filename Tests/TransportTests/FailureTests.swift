import Foundation
import Testing
import Transport

@Suite("Failures and lifecycle")
struct FailureTests {
    @Test func connectionRefusedIsReported() throws {
        // Bind a free port, then free it again: nothing listens there now.
        let server = HTTPServer(handler: echoHandler)
        try server.start()
        let port = server.port
        server.stop()
        let client = try HTTPClient(baseURL: "http://127.0.0.1:\(port)/", options: .init(connectTimeout: 1, totalTimeout: 2))
        #expect {
            try client.send(path: "/x")
        } throws: { error in
            guard case TransportError.connectionRefused(let url, _) = error else { return false }
            return url == "http://127.0.0.1:\(port)/x"
        }
    }

    @Test func slowServerTimesOut() throws {
        let handler: HTTPHandler = { request in
            if request.path == "/slow" { Thread.sleep(forTimeInterval: 0.8) }
            return .text("late")
        }
        try withServer(handler: handler) { server, _ in
            let client = try HTTPClient(baseURL: "http://127.0.0.1:\(server.port)", options: .init(totalTimeout: 0.2))
            let started = Date()
            #expect {
                try client.send(path: "/slow")
            } throws: { error in
                guard case TransportError.timedOut = error else { return false }
                return "\(error)".contains("timed out")
            }
            #expect(Date().timeIntervalSince(started) < 0.7)
            #expect(try client.send(path: "/quick").bodyText == "late")
        }
    }

    @Test func stopIsIdempotentAndRestartKeepsThePort() throws {
        let server = HTTPServer(handler: echoHandler)
        server.stop() // never started: no-op
        try server.start()
        try server.start() // already running: no-op
        let port = server.port
        #expect(port != 0)
        let client = try HTTPClient(baseURL: "http://127.0.0.1:\(port)", options: .init(connectTimeout: 1, totalTimeout: 3))
        #expect(try client.send(path: "/before").status == 200)
        server.stop()
        server.stop()
        #expect(!server.isRunning)
        #expect(throws: TransportError.self) { try client.send(path: "/while-down") }
        try server.start()
        #expect(server.port == port)
        #expect(try client.send(path: "/after").headers["X-Path"] == "/after")
        server.stop()

        // A second server on the same port, after the first is gone, binds it too.
        let again = HTTPServer(port: port, handler: echoHandler)
        try again.start()
        defer { again.stop() }
        #expect(again.port == port)
        #expect(try client.send(path: "/again").status == 200)
    }

    @Test func portInUseAndBadHostFailToStart() throws {
        let first = HTTPServer(handler: echoHandler)
        try first.start()
        defer { first.stop() }
        let second = HTTPServer(port: first.port, handler: echoHandler)
        #expect(throws: TransportError.self) { try second.start() }
        #expect(throws: TransportError.self) { try HTTPServer(host: "localhost", handler: echoHandler).start() }
        #expect(throws: TransportError.self) { try HTTPClient(baseURL: "ftp://127.0.0.1") }
    }
}
