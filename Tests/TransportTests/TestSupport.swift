import Foundation
import Transport
#if canImport(Glibc)
import Glibc
#endif

/// Starts a loopback server on a free port and stops it after `body`, even on failure.
func withServer<T>(limits: HTTPServer.Limits = HTTPServer.Limits(), threads: Int = 4,
                   handler: @escaping HTTPHandler = echoHandler,
                   _ body: (HTTPServer, HTTPClient) throws -> T) throws -> T {
    let server = HTTPServer(host: "127.0.0.1", port: 0, limits: limits, threads: threads, handler: handler)
    try server.start()
    defer { server.stop() }
    let client = try HTTPClient(baseURL: "http://127.0.0.1:\(server.port)",
                                options: .init(connectTimeout: 2, totalTimeout: 10))
    return try body(server, client)
}

/// Echoes the request back: body as is, the rest in X- headers.
let echoHandler: HTTPHandler = { request in
    var headers: HTTPHeaders = [
        "X-Method": request.method,
        "X-Path": request.path,
        "X-Body-Length": String(request.body.count),
        "X-Remote": request.remoteAddress,
        "X-Seen-Content-Encoding": request.headers["content-encoding"] ?? "",
        "X-Query-Count": String(request.queryItems.count),
    ]
    for item in request.queryItems {
        headers.add("X-Query", "\(item.name)=\(item.value ?? "<nil>")")
    }
    if let token = request.headers["x-token"] { headers["X-Token-Echo"] = token }
    if let type = request.headers["Content-Type"] { headers["Content-Type"] = type }
    return HTTPResponse(status: 200, headers: headers, body: request.body)
}

/// A JSON document of roughly `size` bytes, repetitive like real change sets.
func sampleJSON(size: Int) -> [UInt8] {
    var text = "["
    var index = 0
    while text.utf8.count < size {
        if index > 0 { text += "," }
        text += "{\"id\":\(index),\"division\":\"150602\",\"name\":\"康巴什区青春山街道 \(index % 97)\",\"ok\":true}"
        index += 1
    }
    return Array((text + "]").utf8)
}

/// A value shared between test threads (Synchronization.Mutex needs macOS 15).
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) {
        self.value = value
    }

    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        try lock.withLock { try body(&value) }
    }
}
