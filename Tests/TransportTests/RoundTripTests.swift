import Foundation
import Testing
import Transport

@Suite("HTTP round trips")
struct RoundTripTests {
    @Test func getWithQueryAndHeaders() throws {
        try withServer { _, client in
            let response = try client.send(
                method: "GET", path: "/records?division=150602",
                query: [URLQueryItem(name: "name", value: "青春山 & co=1+2"), URLQueryItem(name: "flag", value: nil)],
                headers: ["X-Token": "abc"])
            #expect(response.status == 200)
            #expect(response.headers["x-method"] == "GET")
            #expect(response.headers["X-PATH"] == "/records")
            #expect(response.headers.values(for: "X-Query") == ["division=150602", "name=青春山 & co=1+2", "flag=<nil>"])
            #expect(response.headers["X-Token-Echo"] == "abc")
            #expect(response.headers["X-Remote"] == "127.0.0.1")
            #expect(response.body.isEmpty)
        }
    }

    @Test(arguments: ["POST", "PUT", "DELETE", "PATCH"])
    func methodsWithBodies(method: String) throws {
        try withServer { _, client in
            let body = Array("{\"op\":\"\(method)\"}".utf8)
            let response = try client.send(method: method, path: "/items/7", headers: ["Content-Type": HTTPResponse.jsonContentType],
                                           body: body)
            #expect(response.status == 200)
            #expect(response.headers["X-Method"] == method)
            #expect(response.headers["X-Path"] == "/items/7")
            #expect(response.body == body)
            #expect(response.isJSON)
            let empty = try client.send(method: method, path: "/empty")
            #expect(empty.headers["X-Method"] == method)
            #expect(empty.headers["X-Body-Length"] == "0")
        }
    }

    @Test func handlerStatusAndJSONHelpers() throws {
        let handler: HTTPHandler = { request in
            switch (request.method, request.path) {
            case ("GET", "/status"), ("HEAD", "/status"): return .json("{\"ok\":true}")
            case (_, "/status"): return .error("method \(request.method) not allowed", status: 405)
            default: return .error("no such path \"\(request.path)\"", status: 404)
            }
        }
        try withServer(handler: handler) { _, client in
            let ok = try client.send(path: "/status")
            #expect(ok.status == 200)
            #expect(ok.headers["Content-Type"] == "application/json; charset=utf-8")
            #expect(ok.bodyText == "{\"ok\":true}")
            let missing = try client.send(path: "/nope")
            #expect(missing.status == 404)
            #expect(missing.bodyText == #"{"error":404,"message_zh":"no such path \"/nope\"","message_en":"no such path \"/nope\""}"#)
            #expect(try client.send(method: "POST", path: "/status").status == 405)
            let head = try client.send(method: "HEAD", path: "/status")
            #expect(head.status == 200 && head.body.isEmpty)
        }
    }

    @Test func oneMebibyteOfJSONGzippedBothWays() throws {
        let json = sampleJSON(size: 1 << 20)
        try withServer { _, client in
            let response = try client.send(method: "POST", path: "/sync",
                                           headers: ["Content-Type": HTTPResponse.jsonContentType],
                                           body: json, gzipBody: true)
            #expect(response.status == 200)
            #expect(response.headers["X-Seen-Content-Encoding"] == "gzip") // server got it compressed
            #expect(response.headers["X-Body-Length"] == String(json.count)) // and decoded it
            #expect(response.headers["Content-Encoding"] == "gzip") // answer travelled compressed
            #expect(response.headers["Vary"] == "Accept-Encoding")
            #expect(response.body == json) // and curl decoded it
            // Small answers are not worth compressing.
            let small = try client.send(method: "POST", path: "/small", body: Array("tiny".utf8))
            #expect(small.headers["Content-Encoding"] == nil)
            #expect(small.bodyText == "tiny")
        }
    }

    @Test func keepAliveReusesOneConnection() throws {
        try withServer { _, client in
            for index in 0..<200 {
                let response = try client.send(method: index.isMultiple(of: 2) ? "GET" : "POST",
                                               path: "/n/\(index)", body: index.isMultiple(of: 2) ? [] : [UInt8(index % 256)])
                #expect(response.headers["X-Path"] == "/n/\(index)")
            }
            #expect(client.connectionsOpened == 1)
        }
    }

    @Test func manyConcurrentClientsAreAllAnswered() throws {
        try withServer(threads: 4) { server, _ in
            let answered = Locked(0)
            let failures = Locked<[String]>([])
            DispatchQueue.concurrentPerform(iterations: 8) { worker in
                do {
                    let client = try HTTPClient(baseURL: "http://127.0.0.1:\(server.port)",
                                                options: .init(connectTimeout: 2, totalTimeout: 10))
                    for index in 0..<50 {
                        let body = Array("w\(worker)-\(index)".utf8)
                        let response = try client.send(method: "PUT", path: "/w/\(worker)", body: body)
                        if response.status == 200 && response.body == body { answered.withLock { $0 += 1 } }
                    }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
            #expect(failures.withLock { $0 } == [])
            #expect(answered.withLock { $0 } == 400)
        }
    }

    @Test func blockedHandlerDoesNotStallOthers() throws {
        let entered = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let handler: HTTPHandler = { request in
            if request.path == "/block" {
                entered.signal()
                _ = release.wait(timeout: .now() + 5)
            }
            return .text("done \(request.path)")
        }
        try withServer(threads: 4, handler: handler) { server, client in
            let blockedResult = Locked<String?>(nil)
            let finished = DispatchSemaphore(value: 0)
            Thread.detachNewThread {
                let text = (try? client.send(path: "/block"))?.bodyText
                blockedResult.withLock { $0 = text }
                finished.signal()
            }
            #expect(entered.wait(timeout: .now() + 5) == .success)
            let other = try HTTPClient(baseURL: "http://127.0.0.1:\(server.port)", options: .init(totalTimeout: 2))
            let started = Date()
            for _ in 0..<5 { #expect(try other.send(path: "/fast").bodyText == "done /fast") }
            #expect(Date().timeIntervalSince(started) < 2)
            release.signal()
            #expect(finished.wait(timeout: .now() + 5) == .success)
            #expect(blockedResult.withLock { $0 } == "done /block")
        }
    }

    @Test func responseLargerThanClientCapIsRefused() throws {
        let big = [UInt8](repeating: 65, count: 300_000)
        try withServer(handler: { _ in HTTPResponse(body: big) }) { server, _ in
            let client = try HTTPClient(baseURL: "http://127.0.0.1:\(server.port)", options: .init(maxResponseBytes: 100_000))
            #expect(throws: TransportError.responseTooLarge(url: "http://127.0.0.1:\(server.port)/big", limit: 100_000)) {
                try client.send(path: "/big")
            }
            // The handle still works afterwards.
            let roomy = try HTTPClient(baseURL: "http://127.0.0.1:\(server.port)", options: .init(maxResponseBytes: 300_000))
            #expect(try roomy.send(path: "/big").body.count == 300_000)
        }
    }

    @Test func headersLookUpCaseInsensitively() throws {
        var headers: HTTPHeaders = ["Content-Type": "a", "X-Multi": "1"]
        headers.add("x-multi", "2")
        #expect(headers["content-type"] == "a")
        #expect(headers.values(for: "X-MULTI") == ["1", "2"])
        headers["X-Multi"] = "3"
        #expect(headers.values(for: "x-multi") == ["3"])
        headers["CONTENT-TYPE"] = nil
        #expect(!headers.contains("Content-Type"))
        #expect(throws: TransportError.self) {
            try withServer { _, client in try client.send(path: "/", headers: ["X-Evil": "a\r\nInjected: yes"]) }
        }
    }
}
