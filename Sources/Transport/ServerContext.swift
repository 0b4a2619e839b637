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
    /// After a refusal decided mid-body (a cap, the budget), keep reading (and discarding) this
    /// much more before hanging up, so ordinary clients (no `Expect: 100-continue`) still read
    /// a clean answer.
    static let drainAllowance = 8 * 1024 * 1024
    /// A request that held more body memory than this gives freed heap pages back afterwards.
    static let trimThreshold = 1024 * 1024

    let handler: HTTPHandler
    let admitter: HTTPAdmitter?
    let observer: HTTPObserver?
    let limits: HTTPServer.Limits
    let budget: BodyBudget
    let connections: ConnectionTable
    /// TLS with a trust list: read and verify each request's client certificate.
    let verifiesClientCertificates: Bool
    /// Guards `answeredCount` (NSLock rather than `Atomic`: the package also targets macOS 13).
    private let lock = NSLock()
    private var answeredCount = 0

    /// Requests answered but not yet reported complete by libmicrohttpd.
    var inFlight: Int {
        lock.withLock { answeredCount }
    }

    init(handler: @escaping HTTPHandler, admitter: HTTPAdmitter? = nil, observer: HTTPObserver? = nil, limits: HTTPServer.Limits,
         verifiesClientCertificates: Bool = false) {
        self.handler = handler
        self.admitter = admitter
        self.observer = observer
        self.limits = limits
        self.budget = BodyBudget(total: limits.bodyMemoryBudget)
        self.connections = ConnectionTable(perAddressLimit: limits.perAddressConnectionLimit, totalLimit: limits.connectionLimit,
                                           headerDeadline: TimeInterval(limits.headerDeadlineSeconds))
        self.verifiesClientCertificates = verifiesClientCertificates
    }

    /// One call of the access handler: the first call (head complete, no body yet) admits or
    /// refuses, chunk calls append (decoding gzip as it comes), the final call answers.
    func access(connection: OpaquePointer, url: UnsafePointer<CChar>, method: UnsafePointer<CChar>,
                uploadData: UnsafePointer<CChar>?, uploadSize: UnsafeMutablePointer<Int>,
                requestSlot: UnsafeMutablePointer<UnsafeMutableRawPointer?>) -> MHD_Result {
        guard let raw = requestSlot.pointee else {
            let state = RequestState()
            state.startedNanoseconds = DispatchTime.now().uptimeNanoseconds
            state.method = String(cString: method)
            state.rawPath = String(cString: url)
            requestSlot.pointee = Unmanaged.passRetained(state).toOpaque()
            connections.setPhase(connection, .receivingBody)
            return admit(state, connection: connection, url: url, method: method)
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
            if state.failure != nil {
                state.drained += size
                // Someone streams far too much. libmicrohttpd (0.9.75) refuses a response in
                // the middle of an upload, so hang up instead.
                return state.drained > Self.drainAllowance ? .NO : .YES
            }
            guard let uploadData else { return .YES }
            do {
                try receive(UnsafeRawBufferPointer(start: uploadData, count: size), into: state)
            } catch {
                state.failure = error
                state.dropBody(budget: budget)
            }
            return .YES
        }

        if let failure = state.failure {
            markAnswered(state)
            return queue(failure.response, on: connection, state: state, gzipAllowed: false, close: true)
        }
        guard let head = state.head else { return .NO }
        if let inflater = state.inflater {
            do {
                try inflater.finish()
            } catch {
                markAnswered(state)
                return queue(RequestRefusal(400, zh: "请求体无法解压：\(error)", en: "request body: \(error)").response,
                             on: connection, state: state, gzipAllowed: false, close: true)
            }
            state.inflater = nil
        }
        markAnswered(state)
        connections.setPhase(connection, .answering)
        var request = HTTPRequest(method: head.method, path: head.path, rawPath: head.rawPath, queryItems: head.queryItems,
                                  headers: head.headers, body: state.body, remoteAddress: head.remoteAddress,
                                  clientCertificateCN: head.clientCertificateCN)
        state.body = []
        request.admitted = admitter != nil
        request.principal = state.principal
        let acceptsGzip = Self.acceptsGzip(head.headers.values(for: "Accept-Encoding"))
        return queue(handler(request), on: connection, state: state, gzipAllowed: acceptsGzip)
    }

    /// The first call: checks the head (size, framing, path), asks the admitter, and sets the
    /// body caps. A refusal is answered before any body byte is read.
    private func admit(_ state: RequestState, connection: OpaquePointer, url: UnsafePointer<CChar>,
                       method: UnsafePointer<CChar>) -> MHD_Result {
        let pairs = collect(connection, .HEADER_KIND)
        let headers = HTTPHeaders(pairs.map { ($0.0, $0.1 ?? "") })
        let expectsContinue = headers["Expect"]?.lowercased() == "100-continue"
        do throws(RequestRefusal) {
            // Oversized headers get the same JSON error shape as everything else (libmicrohttpd's
            // own 431 page is HTML, and only comes when headers overflow the connection's memory).
            let headerBytes = strlen(url) + strlen(method) + pairs.reduce(0) { $0 + $1.0.utf8.count + ($1.1?.utf8.count ?? 0) + 4 }
            if headerBytes > limits.maxHeaderBytes {
                throw RequestRefusal(431, zh: "请求头超过 \(limits.maxHeaderBytes) 字节", en: "request headers are larger than \(limits.maxHeaderBytes) bytes")
            }
            if pairs.count > limits.maxHeaderCount {
                throw RequestRefusal(431, zh: "请求头超过 \(limits.maxHeaderCount) 个", en: "more than \(limits.maxHeaderCount) request header fields")
            }
            let declared = try Self.declaredLength(headers)
            let rawPath = String(cString: url)
            let path = try PercentDecoding.decode(rawPath, what: "path")
            var query: [URLQueryItem] = []
            for (name, value) in collect(connection, .GET_ARGUMENT_KIND) {
                var decodedValue: String?
                if let value { decodedValue = try PercentDecoding.decode(value, what: "query") }
                query.append(URLQueryItem(name: try PercentDecoding.decode(name, what: "query"), value: decodedValue))
            }
            let head = HTTPRequestHead(method: String(cString: method), path: path, rawPath: rawPath, queryItems: query, headers: headers,
                                       remoteAddress: remoteAddress(of: connection),
                                       clientCertificateCN: verifiesClientCertificates ? verifiedClientCN(of: connection) : nil)
            var caps = Admission.Caps(wireBytes: limits.maxBodyBytes, inflatedBytes: limits.maxDecompressedBodyBytes)
            switch admitter?(head) ?? .admit(caps, principal: nil) {
            case .refuse(let response):
                return refuseAtOnce(response, state: state, connection: connection)
            case .admit(let given, let principal):
                caps = Admission.Caps(wireBytes: min(max(given.wireBytes, 0), limits.maxBodyBytes),
                                      inflatedBytes: min(max(given.inflatedBytes, 0), limits.maxDecompressedBodyBytes))
                state.principal = principal
            }
            state.caps = caps
            state.head = head
            switch Self.contentCoding(headers.values(for: "Content-Encoding")) {
            case .identity:
                break
            case .gzip:
                do {
                    state.inflater = try GzipInflater()
                } catch {
                    throw RequestRefusal(500, zh: "无法解压请求体：\(error)", en: "cannot decode the request body: \(error)")
                }
            case .unsupported(let name):
                throw RequestRefusal(415, zh: "不支持的内容编码 \(name)", en: "unsupported Content-Encoding \(name)")
            }
            if let declared {
                if declared > caps.wireBytes {
                    throw RequestRefusal(413, zh: "请求体超过 \(caps.wireBytes) 字节", en: "request body is larger than \(caps.wireBytes) bytes")
                }
                // An identity body of known length is reserved whole, before it is read.
                if state.inflater == nil { try state.reserve(declared, budget: budget) }
            }
            return .YES
        } catch {
            // With no body to come, or a client waiting for "100 Continue", answer now; otherwise
            // read and discard the body first so the client reads the answer cleanly.
            let bodyComing = (try? Self.declaredLength(headers)).flatMap { $0 } ?? (headers.contains("Transfer-Encoding") ? Int.max : 0)
            if bodyComing == 0 || expectsContinue || bodyComing > Self.drainAllowance || error.status == 400 {
                return refuseAtOnce(error.response, state: state, connection: connection)
            }
            state.failure = error
            state.dropBody(budget: budget)
            return .YES
        }
    }

    /// Feeds one chunk of body: straight into the buffer, or through the gzip decoder.
    private func receive(_ chunk: UnsafeRawBufferPointer, into state: RequestState) throws(RequestRefusal) {
        if state.received > state.caps.wireBytes {
            throw RequestRefusal(413, zh: "请求体超过 \(state.caps.wireBytes) 字节", en: "request body is larger than \(state.caps.wireBytes) bytes")
        }
        guard let inflater = state.inflater else {
            try state.append(chunk.assumingMemoryBound(to: UInt8.self), limit: state.caps.wireBytes, decoded: false, budget: budget)
            return
        }
        let limit = state.caps.inflatedBytes
        let budget = budget
        do {
            try inflater.feed(chunk) { slice throws in try state.append(slice, limit: limit, decoded: true, budget: budget) }
        } catch let refusal as RequestRefusal {
            throw refusal
        } catch {
            throw RequestRefusal(400, zh: "请求体无法解压：\(error)", en: "request body: \(error)")
        }
    }

    private func refuseAtOnce(_ response: HTTPResponse, state: RequestState, connection: OpaquePointer) -> MHD_Result {
        markAnswered(state)
        return queue(response, on: connection, state: state, gzipAllowed: false, close: true)
    }

    /// The body length the head declares: nil when none. Two different or malformed
    /// Content-Length values, or one beside Transfer-Encoding, are refused: a server and a proxy
    /// that read them differently split one request into two (request smuggling).
    static func declaredLength(_ headers: HTTPHeaders) throws(RequestRefusal) -> Int? {
        let values = headers.values(for: "Content-Length").flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }
            .map { String($0.trimmingSpaces) }
        guard !values.isEmpty else { return nil }
        guard values.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 18 && $0.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }),
              let first = Int(values[0]) else {
            throw RequestRefusal(400, zh: "Content-Length 无效：\(values.joined(separator: ", "))",
                                 en: "invalid Content-Length: \(values.joined(separator: ", "))")
        }
        guard values.allSatisfy({ Int($0) == first }) else {
            throw RequestRefusal(400, zh: "请求带有互相矛盾的 Content-Length：\(values.joined(separator: ", "))",
                                 en: "conflicting Content-Length headers: \(values.joined(separator: ", "))")
        }
        if headers.contains("Transfer-Encoding") {
            throw RequestRefusal(400, zh: "请求同时带有 Content-Length 和 Transfer-Encoding",
                                 en: "both Content-Length and Transfer-Encoding")
        }
        return first
    }

    /// Request finished (sent, failed, timed out or server stopping): free its state.
    func completed(connection: OpaquePointer?, requestSlot: UnsafeMutablePointer<UnsafeMutableRawPointer?>) {
        if let connection { connections.setPhase(connection, .waitingForHeaders) }
        guard let raw = requestSlot.pointee else { return }
        requestSlot.pointee = nil
        let state = Unmanaged<RequestState>.fromOpaque(raw).takeRetainedValue()
        if state.answered {
            lock.withLock { answeredCount -= 1 }
            if let observer {
                let elapsed = DispatchTime.now().uptimeNanoseconds &- state.startedNanoseconds
                observer(HTTPExchange(method: state.method, rawPath: state.rawPath, status: state.status, bytesIn: state.received,
                                      bytesOut: state.bytesOut, seconds: Double(elapsed) / 1e9))
            }
        }
        let held = state.reserved
        state.dropBody(budget: budget)
        state.inflater = nil
        if held > Self.trimThreshold { _ = cmhd_malloc_trim() }
    }

    /// A connection opened or closed: the connection table follows it.
    func connectionNotified(_ connection: OpaquePointer, code: MHD_ConnectionNotificationCode) {
        switch code {
        case .CONNECTION_NOTIFY_STARTED:
            guard let fdInfo = cmhd_get_connection_info(connection, .CONNECTION_INFO_CONNECTION_FD) else { return }
            connections.opened(connection, fd: fdInfo.pointee.connect_fd, address: remoteAddress(of: connection))
        case .CONNECTION_NOTIFY_CLOSED:
            connections.closed(connection)
        default:
            break
        }
    }

    private func markAnswered(_ state: RequestState) {
        state.answered = true
        lock.withLock { answeredCount += 1 }
    }

    /// Hands `response` to libmicrohttpd, gzip-compressing large bodies for clients that accept it.
    /// `close` ends the connection after this answer (refusals: the body may not have been read).
    private func queue(_ response: HTTPResponse, on connection: OpaquePointer, state: RequestState, gzipAllowed: Bool,
                       close: Bool = false) -> MHD_Result {
        var headers = response.headers
        if close { headers["Connection"] = "close" }
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
        state.status = status
        state.bytesOut = body.count
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
