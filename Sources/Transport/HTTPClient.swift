import CCurl
import Foundation

/// An HTTP client for one peer (a child talking to its parent), on libcurl.
///
/// One easy handle is reused for every request so the TCP connection stays open between
/// sync rounds; a lock serializes requests (one at a time per client). No retries here:
/// callers decide, using `Backoff` between failed rounds.
public final class HTTPClient: @unchecked Sendable {
    /// Base URL without a trailing slash, e.g. "http://10.1.2.3:8443".
    public let baseURL: String
    public let options: Options

    /// Guards `handle`, `errorBuffer`, `connectionsOpened` and the byte totals.
    private let lock = NSLock()
    private let handle: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var openedConnections = 0
    private var sentBytes: Int64 = 0
    private var receivedBytes: Int64 = 0

    public init(baseURL: String, options: Options = Options()) throws {
        guard CurlGlobal.status == CURLE_OK else {
            throw TransportError.curl(code: Int(CurlGlobal.status.rawValue), message: "curl_global_init failed", url: baseURL)
        }
        let lowered = baseURL.lowercased()
        guard lowered.hasPrefix("http://") || lowered.hasPrefix("https://") else {
            throw TransportError.invalidRequest("base URL \"\(baseURL)\" is not http:// or https://")
        }
        guard let handle = curl_easy_init() else {
            throw TransportError.curl(code: -1, message: "curl_easy_init failed", url: baseURL)
        }
        var trimmed = baseURL
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        self.baseURL = trimmed
        self.options = options
        self.handle = handle
        self.errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        self.errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    }

    deinit {
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    /// TCP connections opened so far; stays at 1 while keep-alive works.
    public var connectionsOpened: Int {
        lock.withLock { openedConnections }
    }

    /// Body bytes sent and received on the wire so far (as libcurl counts them: compressed
    /// bodies, without headers), for the link's traffic metrics.
    public var bodyBytes: (sent: Int64, received: Int64) {
        lock.withLock { (sentBytes, receivedBytes) }
    }

    /// Sends one request and waits for the whole answer.
    ///
    /// - Parameters:
    ///   - path: absolute path, may already carry a query string.
    ///   - query: extra query arguments, percent-encoded here.
    ///   - gzipBody: compress `body` and send `Content-Encoding: gzip`.
    /// - Returns: the answer, any status; the body is gzip-decoded by libcurl.
    public func send(method: String = "GET", path: String, query: [URLQueryItem] = [],
                     headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = [], gzipBody: Bool = false) throws -> HTTPResponse {
        let url = baseURL + Self.pathWithQuery(path, query)
        var headers = headers
        var payload = body
        if gzipBody && !body.isEmpty {
            payload = Gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        }
        let lines = try Self.headerLines(headers, hasBody: !payload.isEmpty)
        return try lock.withLock {
            try perform(method: method.uppercased(), url: url, headerLines: lines, body: payload)
        }
    }

    private func perform(method: String, url: String, headerLines: [String], body: [UInt8]) throws -> HTTPResponse {
        // Reset clears options from the previous request but keeps the open connection.
        curl_easy_reset(handle)
        errorBuffer[0] = 0
        let transfer = CurlTransfer(maxBodyBytes: options.maxResponseBytes)
        let transferPointer = Unmanaged.passUnretained(transfer).toOpaque()

        var headerList: UnsafeMutablePointer<curl_slist>?
        for line in headerLines { headerList = curl_slist_append(headerList, line) }
        defer { curl_slist_free_all(headerList) }

        _ = ccurl_setopt_string(handle, CURLOPT_URL, url)
        _ = ccurl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https")
        _ = ccurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        _ = ccurl_setopt_long(handle, CURLOPT_TCP_KEEPALIVE, 1)
        _ = ccurl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(options.connectTimeout))
        _ = ccurl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Self.milliseconds(options.totalTimeout))
        _ = ccurl_setopt_long(handle, CURLOPT_LOW_SPEED_LIMIT, max(options.lowSpeedLimit, 0))
        _ = ccurl_setopt_long(handle, CURLOPT_LOW_SPEED_TIME, max(options.lowSpeedTime, 0))
        _ = ccurl_setopt_string(handle, CURLOPT_ACCEPT_ENCODING, "")
        _ = ccurl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer)
        _ = ccurl_setopt_data_callback(handle, CURLOPT_WRITEFUNCTION, curlWriteBody)
        _ = ccurl_setopt_pointer(handle, CURLOPT_WRITEDATA, transferPointer)
        _ = ccurl_setopt_data_callback(handle, CURLOPT_HEADERFUNCTION, curlWriteHeader)
        _ = ccurl_setopt_pointer(handle, CURLOPT_HEADERDATA, transferPointer)
        _ = ccurl_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList)
        // TLS: always verify the server's chain and that its certificate names the host.
        _ = ccurl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1)
        _ = ccurl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2)
        if let caFile = options.caFile { _ = ccurl_setopt_string(handle, CURLOPT_CAINFO, caFile) }
        if let certificate = options.clientCertificateFile {
            _ = ccurl_setopt_string(handle, CURLOPT_SSLCERT, certificate)
            _ = ccurl_setopt_string(handle, CURLOPT_SSLCERTTYPE, "PEM")
        }
        if let key = options.clientKeyFile {
            _ = ccurl_setopt_string(handle, CURLOPT_SSLKEY, key)
            _ = ccurl_setopt_string(handle, CURLOPT_SSLKEYTYPE, "PEM")
        }

        // POSTFIELDS is not copied by curl: the bytes must outlive the perform call below.
        // A one-byte buffer stands in for an empty body so the pointer is never NULL
        // (NULL would make curl read the body from stdin).
        let bytes = body.isEmpty ? [0] : body
        let code = bytes.withUnsafeBytes { buffer -> CURLcode in
            switch method {
            case "GET" where body.isEmpty:
                _ = ccurl_setopt_long(handle, CURLOPT_HTTPGET, 1)
            case "HEAD":
                _ = ccurl_setopt_long(handle, CURLOPT_NOBODY, 1)
            case "DELETE" where body.isEmpty, "OPTIONS" where body.isEmpty:
                _ = ccurl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, method)
            default:
                _ = ccurl_setopt_long(handle, CURLOPT_POST, 1)
                _ = ccurl_setopt_offset(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
                _ = ccurl_setopt_pointer(handle, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: buffer.baseAddress))
                if method != "POST" { _ = ccurl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, method) }
            }
            return withExtendedLifetime(transfer) { curl_easy_perform(handle) }
        }

        var connects = 0
        _ = ccurl_getinfo_long(handle, CURLINFO_NUM_CONNECTS, &connects)
        openedConnections += connects
        // Counted for failed transfers too: what went over the wire went.
        var uploaded: curl_off_t = 0, downloaded: curl_off_t = 0
        if ccurl_getinfo_offset(handle, CURLINFO_SIZE_UPLOAD_T, &uploaded) == CURLE_OK { sentBytes += Int64(max(uploaded, 0)) }
        if ccurl_getinfo_offset(handle, CURLINFO_SIZE_DOWNLOAD_T, &downloaded) == CURLE_OK { receivedBytes += Int64(max(downloaded, 0)) }

        guard code == CURLE_OK else { throw error(for: code, url: url, transfer: transfer) }
        var status = 0
        _ = ccurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return HTTPResponse(status: status, headers: transfer.headers, body: transfer.body)
    }

    private func error(for code: CURLcode, url: String, transfer: CurlTransfer) -> TransportError {
        let detail = errorBuffer[0] != 0 ? String(cString: errorBuffer) : String(cString: curl_easy_strerror(code))
        switch code {
        case CURLE_COULDNT_CONNECT:
            return .connectionRefused(url: url, detail: detail)
        case CURLE_OPERATION_TIMEDOUT:
            return .timedOut(url: url, detail: detail)
        case CURLE_WRITE_ERROR where transfer.overflowed, CURLE_FILESIZE_EXCEEDED:
            return .responseTooLarge(url: url, limit: options.maxResponseBytes)
        default:
            return .curl(code: Int(code.rawValue), message: detail, url: url)
        }
    }

    /// "Name: value" lines for curl, refusing CR/LF (header injection) and adding the defaults.
    static func headerLines(_ headers: HTTPHeaders, hasBody: Bool) throws -> [String] {
        var lines: [String] = []
        for field in headers {
            guard !field.name.isEmpty, !field.name.contains(where: { $0 == ":" || $0.isWhitespace || $0.isNewline }),
                  !field.value.contains(where: \.isNewline) else {
                throw TransportError.invalidRequest("header \"\(field.name)\" has an invalid name or value")
            }
            // "Name;" is curl's spelling of an empty value; "Name:" would delete the header.
            lines.append(field.value.isEmpty ? "\(field.name);" : "\(field.name): \(field.value)")
        }
        if hasBody && !headers.contains("Content-Type") {
            // Otherwise curl claims application/x-www-form-urlencoded.
            lines.append("Content-Type: application/octet-stream")
        }
        return lines
    }

    static func pathWithQuery(_ path: String, _ query: [URLQueryItem]) -> String {
        var result = path.hasPrefix("/") ? path : "/" + path
        guard !query.isEmpty else { return result }
        let encoded = query.map { item in
            let name = percentEncode(item.name)
            return item.value.map { "\(name)=\(percentEncode($0))" } ?? name
        }
        result += (result.contains("?") ? "&" : "?") + encoded.joined(separator: "&")
        return result
    }

    /// Encodes everything outside RFC 3986 "unreserved", so `&`, `=`, `+` and spaces survive.
    private static func percentEncode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    private static let unreserved = CharacterSet(
        charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    private static func milliseconds(_ seconds: Double) -> Int {
        guard seconds.isFinite, seconds > 0 else { return 0 }
        return max(1, Int((seconds * 1000).rounded(.up)))
    }
}

/// `curl_global_init` exactly once per process: a static `let` is initialized thread-safely.
private enum CurlGlobal {
    static let status: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))
}
