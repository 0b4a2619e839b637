import CGnuTLS
import CMicroHTTPD
import Foundation

/// What libmicrohttpd's C callbacks reach through their `cls` pointer: the handler, the
/// limits and the in-flight count that `stop()` drains. Immutable apart from the locked
/// counter, so every pool thread can use it at once.
///
/// "In flight" starts when a request is answered (handler about to run, or an early error)
/// and ends when libmicrohttpd reports it complete. Uploads still arriving do not count:
/// a stalled or vanished child must not hold up shutdown.
final class ServerContext: @unchecked Sendable {
    /// Bodies at most this large are sent as they are: gzip would not pay for itself.
    static let compressionThreshold = 1024
    /// After the body cap, keep reading (and discarding) this much more before hanging up,
    /// so ordinary clients (no `Expect: 100-continue`) still read a clean 413.
    static let drainAllowance = 8 * 1024 * 1024

    let handler: HTTPHandler
    let limits: HTTPServer.Limits
    /// TLS with a trust list: read and verify each request's client certificate.
    let verifiesClientCertificates: Bool
    /// Guards `answeredCount` (NSLock rather than `Atomic`: the package also targets macOS 13).
    private let lock = NSLock()
    private var answeredCount = 0

    /// Requests answered but not yet reported complete by libmicrohttpd.
    var inFlight: Int {
        lock.withLock { answeredCount }
    }

    init(handler: @escaping HTTPHandler, limits: HTTPServer.Limits, verifiesClientCertificates: Bool = false) {
        self.handler = handler
        self.limits = limits
        self.verifiesClientCertificates = verifiesClientCertificates
    }

    /// One call of the access handler: first call creates the state, chunk calls append,
    /// the final call (no more data) answers.
    func access(connection: OpaquePointer, url: UnsafePointer<CChar>, method: UnsafePointer<CChar>,
                uploadData: UnsafePointer<CChar>?, uploadSize: UnsafeMutablePointer<Int>,
                requestSlot: UnsafeMutablePointer<UnsafeMutableRawPointer?>) -> MHD_Result {
        guard let raw = requestSlot.pointee else {
            let state = RequestState()
            requestSlot.pointee = Unmanaged.passRetained(state).toOpaque()
            // Oversized headers get the same JSON error shape as everything else (libmicrohttpd's
            // own 431 page is HTML, and only comes when headers overflow the connection's memory).
            let headerBytes = strlen(url) + strlen(method) + collect(connection, .HEADER_KIND)
                .reduce(0) { $0 + $1.0.utf8.count + ($1.1?.utf8.count ?? 0) + 4 }
            if headerBytes > limits.maxHeaderBytes {
                markAnswered(state)
                return queue(.error(zh: "请求头超过 \(limits.maxHeaderBytes) 字节", en: "request headers are larger than \(limits.maxHeaderBytes) bytes",
                                    status: 431), on: connection, gzipAllowed: false)
            }
            // A client that waits for "100 Continue" can be refused before it sends anything.
            if let length = lookup(connection, .HEADER_KIND, "Content-Length").flatMap({ Int($0) }),
               length > limits.maxBodyBytes,
               lookup(connection, .HEADER_KIND, "Expect")?.lowercased() == "100-continue" {
                markAnswered(state)
                return queue(tooLargeResponse(), on: connection, gzipAllowed: false)
            }
            return .YES
        }
        let state = Unmanaged<RequestState>.fromOpaque(raw).takeUnretainedValue()
        if state.answered {
            uploadSize.pointee = 0
            return .YES
        }

        let size = uploadSize.pointee
        if size > 0 {
            uploadSize.pointee = 0
            state.received += size
            if !state.overflowed, let uploadData, state.body.count + size <= limits.maxBodyBytes {
                uploadData.withMemoryRebound(to: UInt8.self, capacity: size) {
                    state.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: size))
                }
            } else if !state.overflowed {
                state.overflowed = true
                state.body = []
            }
            if state.overflowed && state.received - limits.maxBodyBytes > Self.drainAllowance {
                // Someone streams far too much. libmicrohttpd (0.9.75) refuses a response in
                // the middle of an upload, so hang up instead.
                return .NO
            }
            return .YES
        }

        markAnswered(state)
        if state.overflowed { return queue(tooLargeResponse(), on: connection, gzipAllowed: false) }
        let headers = HTTPHeaders(collect(connection, .HEADER_KIND).map { ($0.0, $0.1 ?? "") })
        let acceptsGzip = Self.acceptsGzip(headers.values(for: "Accept-Encoding"))

        var body = state.body
        state.body = []
        switch Self.contentCoding(headers.values(for: "Content-Encoding")) {
        case .identity:
            break
        case .gzip:
            do {
                body = try Gzip.decompress(body, maxOutput: limits.maxDecompressedBodyBytes)
            } catch GzipError.tooLarge(let limit) {
                return queue(.error(zh: "解压后的请求体超过 \(limit) 字节", en: "decompressed request body is larger than \(limit) bytes", status: 413),
                             on: connection, gzipAllowed: acceptsGzip)
            } catch {
                return queue(.error(zh: "请求体无法解压：\(error)", en: "request body: \(error)", status: 400), on: connection, gzipAllowed: acceptsGzip)
            }
        case .unsupported(let name):
            return queue(.error(zh: "不支持的内容编码 \(name)", en: "unsupported Content-Encoding \(name)", status: 415),
                         on: connection, gzipAllowed: acceptsGzip)
        }

        let request = HTTPRequest(
            method: String(cString: method),
            path: String(cString: url),
            queryItems: collect(connection, .GET_ARGUMENT_KIND).map { URLQueryItem(name: $0.0, value: $0.1) },
            headers: headers,
            body: body,
            remoteAddress: remoteAddress(of: connection),
            clientCertificateCN: verifiesClientCertificates ? verifiedClientCN(of: connection) : nil)
        return queue(handler(request), on: connection, gzipAllowed: acceptsGzip)
    }

    /// Request finished (sent, failed, timed out or server stopping): free its state.
    func completed(requestSlot: UnsafeMutablePointer<UnsafeMutableRawPointer?>) {
        guard let raw = requestSlot.pointee else { return }
        requestSlot.pointee = nil
        let state = Unmanaged<RequestState>.fromOpaque(raw).takeRetainedValue()
        if state.answered { lock.withLock { answeredCount -= 1 } }
    }

    private func markAnswered(_ state: RequestState) {
        state.answered = true
        lock.withLock { answeredCount += 1 }
    }

    private func tooLargeResponse() -> HTTPResponse {
        .error(zh: "请求体超过 \(limits.maxBodyBytes) 字节", en: "request body is larger than \(limits.maxBodyBytes) bytes", status: 413)
    }

    /// Hands `response` to libmicrohttpd, gzip-compressing large bodies for clients that accept it.
    private func queue(_ response: HTTPResponse, on connection: OpaquePointer, gzipAllowed: Bool) -> MHD_Result {
        var headers = response.headers
        var body = response.body
        if gzipAllowed, body.count > Self.compressionThreshold, !headers.contains("Content-Encoding") {
            let compressed = Gzip.compress(body)
            if compressed.count < body.count {
                body = compressed
                headers["Content-Encoding"] = "gzip"
            }
            headers.add("Vary", "Accept-Encoding")
        }
        guard let mhdResponse = body.withUnsafeBytes({
            MHD_create_response_from_buffer($0.count, UnsafeMutableRawPointer(mutating: $0.baseAddress), .RESPMEM_MUST_COPY)
        }) else { return .NO }
        defer { MHD_destroy_response(mhdResponse) }
        for field in headers {
            // libmicrohttpd computes the framing itself.
            if HTTPHeaders.same(field.name, "Content-Length") || HTTPHeaders.same(field.name, "Transfer-Encoding") {
                continue
            }
            // Refused (NO) for names or values with CR/LF: dropping the field is the safe answer.
            _ = MHD_add_response_header(mhdResponse, field.name, field.value)
        }
        let status = (100...599).contains(response.status) ? response.status : 500
        return MHD_queue_response(connection, UInt32(status), mhdResponse)
    }

    private func lookup(_ connection: OpaquePointer, _ kind: MHD_ValueKind, _ key: String) -> String? {
        MHD_lookup_connection_value(connection, kind, key).map { String(cString: $0) }
    }

    private func collect(_ connection: OpaquePointer, _ kind: MHD_ValueKind) -> [(String, String?)] {
        let collector = PairCollector()
        withExtendedLifetime(collector) {
            _ = MHD_get_connection_values(connection, kind, collectPair, Unmanaged.passUnretained(collector).toOpaque())
        }
        return collector.pairs
    }

    private func remoteAddress(of connection: OpaquePointer) -> String {
        guard let info = cmhd_get_connection_info(connection, .CONNECTION_INFO_CLIENT_ADDRESS),
              let address = info.pointee.client_addr else { return "" }
        return SocketAddress.host(of: address)
    }

    /// The CN of the client certificate on this TLS connection when gnutls verifies it against the
    /// server's trust list (and it allows client authentication); nil otherwise.
    private func verifiedClientCN(of connection: OpaquePointer) -> String? {
        guard let info = cmhd_get_connection_info(connection, .CONNECTION_INFO_GNUTLS_SESSION),
              let session = info.pointee.tls_session else { return nil }
        var buffer = [CChar](repeating: 0, count: 256)
        guard cgnutls_verified_client_cn(session, &buffer, buffer.count) == 1 else { return nil }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
    }

    /// True when some Accept-Encoding token is gzip (or `*`) without `q=0`.
    static func acceptsGzip(_ values: [String]) -> Bool {
        for value in values {
            for item in value.split(separator: ",") {
                let parts = item.split(separator: ";").map { $0.trimmingSpaces.lowercased() }
                guard let coding = parts.first, coding == "gzip" || coding == "x-gzip" || coding == "*" else { continue }
                let quality = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) }
                if quality != 0 { return true }
            }
        }
        return false
    }

    enum ContentCoding: Equatable {
        case identity, gzip, unsupported(String)
    }

    /// Only a single gzip layer (or none) is accepted: replicas never stack codings.
    static func contentCoding(_ values: [String]) -> ContentCoding {
        let codings = values.flatMap { $0.split(separator: ",") }
            .map { String($0.trimmingSpaces).lowercased() }
            .filter { !$0.isEmpty && $0 != "identity" }
        switch codings {
        case []: return .identity
        case ["gzip"], ["x-gzip"]: return .gzip
        default: return .unsupported(codings.joined(separator: ", "))
        }
    }
}

/// Collects key/value pairs from `MHD_get_connection_values`.
private final class PairCollector {
    var pairs: [(String, String?)] = []
}

/// C iterator for `MHD_get_connection_values`; must not capture, so the collector comes via `cls`.
private func collectPair(cls: UnsafeMutableRawPointer?, kind: MHD_ValueKind,
                         key: UnsafePointer<CChar>?, value: UnsafePointer<CChar>?) -> MHD_Result {
    guard let cls, let key else { return .YES }
    let collector = Unmanaged<PairCollector>.fromOpaque(cls).takeUnretainedValue()
    collector.pairs.append((String(cString: key), value.map { String(cString: $0) }))
    return .YES
}
