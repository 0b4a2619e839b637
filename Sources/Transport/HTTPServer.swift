import CMicroHTTPD
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An HTTP/1.1 server on libmicrohttpd: the parent side of every sync exchange.
///
/// One thread per connection; each request's head goes to the admission step (`admit`) before
/// any body byte is read, its body is then read (and gunzipped as it arrives) within the caps
/// admission gave and the server-wide body budget, and the complete request is handed to the
/// synchronous `HTTPHandler`. Malformed HTTP never reaches the handler.
public final class HTTPServer: @unchecked Sendable {
    public let host: String
    public let limits: Limits
    public let threadCount: Int
    /// HTTPS settings; nil serves plain HTTP.
    public let tls: TLS?
    private let handler: HTTPHandler
    /// Decides on each request head before its body is read (nil admits everything within `limits`).
    private let admitter: HTTPAdmitter?
    /// Told of every answered request once it is complete (nil: nobody).
    private let observer: HTTPObserver?
    /// NUL-terminated copies of the TLS PEM texts (certificate, key, trust), alive as long as the
    /// server: libmicrohttpd keeps the pointers rather than the text.
    private let tlsStrings: [UnsafeMutablePointer<CChar>?]

    /// Guards everything below and serializes start/stop.
    private let lock = NSLock()
    private var daemon: OpaquePointer?
    private var context: Unmanaged<ServerContext>?
    /// Requested port; becomes the bound port after the first start, so a restart keeps it.
    private var configuredPort: UInt16
    private var boundPort: UInt16 = 0

    /// - Parameters:
    ///   - host: numeric IPv4 or IPv6 address to bind ("0.0.0.0" for all interfaces).
    ///   - port: 0 picks a free port; read it back from `port` after `start()`.
    ///   - threads: the least number of connections served at once. Every connection has its own
    ///     thread, so a handler that blocks holds only its own connection.
    ///   - tls: serve HTTPS with this certificate (and request client certificates when it has a trust list).
    ///   - admit: runs when a request's head is complete, before any body byte is read: refuses
    ///     it, or admits it with body caps and the authenticated principal.
    ///   - observe: told of every answered request once it is complete (method, path, status,
    ///     body bytes both ways, duration), refusals included: the server's metrics.
    public init(host: String = "127.0.0.1", port: UInt16 = 0, limits: Limits = Limits(), threads: Int = 8,
                tls: TLS? = nil, admit: HTTPAdmitter? = nil, observe: HTTPObserver? = nil, handler: @escaping HTTPHandler) {
        self.admitter = admit
        self.observer = observe
        self.host = host
        self.configuredPort = port
        self.limits = limits
        self.threadCount = max(1, threads)
        self.tls = tls
        self.handler = handler
        if let tls {
            tlsStrings = [strdup(tls.certificatePEM), strdup(tls.keyPEM), tls.trustPEM.map { strdup($0) } ?? nil]
        } else {
            tlsStrings = []
        }
    }

    deinit {
        stop()
        for string in tlsStrings { free(string) }
    }

    /// The bound port while running (or last bound), else the requested one.
    public var port: UInt16 {
        lock.withLock { boundPort != 0 ? boundPort : configuredPort }
    }

    public var isRunning: Bool {
        lock.withLock { daemon != nil }
    }

    /// Binds and starts serving; does nothing if already running.
    public func start() throws {
        try lock.withLock {
            guard daemon == nil else { return }
            guard let address = SocketAddress.make(host: host, port: configuredPort) else {
                throw TransportError.serverStartFailed("host \"\(host)\" is not a numeric IPv4 or IPv6 address")
            }
            guard cmhd_set_mmap_threshold(Int32(Self.mmapThreshold)) == 1 else {
                throw TransportError.serverStartFailed("glibc refused an mmap threshold of \(Self.mmapThreshold) bytes")
            }
            if tls != nil && MHD_is_feature_supported(.FEATURE_TLS) != .YES {
                throw TransportError.serverStartFailed("this libmicrohttpd was built without TLS support")
            }
            let newContext = Unmanaged.passRetained(ServerContext(handler: handler, admitter: admitter, observer: observer, limits: limits,
                                                                  verifiesClientCertificates: tls?.trustPEM != nil))
            var started: OpaquePointer?
            var startErrno: Int32 = 0
            for polling in Self.pollingFlags() {
                started = startDaemon(address: address, polling: polling, context: newContext)
                if started != nil { break }
                startErrno = errno
            }
            guard let started else {
                newContext.release()
                let reason = startErrno != 0 ? String(cString: strerror(startErrno)) : "libmicrohttpd refused the options"
                throw TransportError.serverStartFailed("cannot listen on \(host):\(configuredPort): \(reason)")
            }
            daemon = started
            context = newContext
            boundPort = cmhd_get_daemon_info(started, .DAEMON_INFO_BIND_PORT)?.pointee.port ?? configuredPort
            configuredPort = boundPort
        }
    }

    /// Stops accepting, lets answered requests finish (handler and response, up to `grace`
    /// seconds), then closes every connection, uploads still arriving included, and frees
    /// everything. Idempotent. Must not be called from a handler.
    public func stop(grace: Double = 10) {
        lock.withLock {
            guard let running = daemon, let runningContext = context else { return }
            daemon = nil
            context = nil
            // Close the door first so the drain below can finish.
            let listenSocket = MHD_quiesce_daemon(running)
            let deadline = Date().addingTimeInterval(grace)
            while runningContext.takeUnretainedValue().inFlight > 0 && Date() < deadline {
                usleep(2_000)
            }
            MHD_stop_daemon(running)
            // After quiesce libmicrohttpd leaves the listening socket to us.
            if listenSocket >= 0 { close(listenSocket) }
            runningContext.release()
        }
    }

    /// Allocations from this size on are mapped on their own (see `cmhd_set_mmap_threshold`).
    static let mmapThreshold = 256 * 1024

    /// Connections libmicrohttpd may hold beyond `connectionLimit`: evicted ones still closing.
    static let evictionSlack = 32

    /// Event-loop flags to try in order: poll where the library has it, then select (epoll cannot
    /// be combined with a thread per connection).
    private static func pollingFlags() -> [UInt32] {
        var flags: [UInt32] = []
        if MHD_is_feature_supported(.FEATURE_POLL) == .YES { flags.append(MHD_USE_POLL.rawValue) }
        flags.append(0) // select(), always available
        return flags
    }

    private func startDaemon(address: (bytes: [UInt8], isIPv6: Bool), polling: UInt32,
                             context: Unmanaged<ServerContext>) -> OpaquePointer? {
        // One thread per connection: a handler may block (a child's long poll waits up to 30 s)
        // without stalling any other connection. A pool thread serves many connections, so a
        // blocking handler there would hold all of them.
        var flags = MHD_USE_INTERNAL_POLLING_THREAD.rawValue | MHD_USE_THREAD_PER_CONNECTION.rawValue | MHD_USE_ITC.rawValue | polling
        if address.isIPv6 { flags |= MHD_USE_IPv6.rawValue }
        if tls != nil { flags |= MHD_USE_TLS.rawValue }
        let completed: MHD_RequestCompletedCallback = transportRequestCompleted
        let notify: MHD_NotifyConnectionCallback = transportConnectionNotified
        let unescape: cmhd_unescape_callback = transportKeepEscapes
        var sockaddrBytes = address.bytes
        return sockaddrBytes.withUnsafeMutableBytes { sockaddrBuffer in
            var options = [
                // The connection table enforces the limits (making room by evicting connections
                // that send nothing); libmicrohttpd's own are only a backstop above them, since it
                // would refuse before the table can make room.
                MHD_OptionItem(option: .CONNECTION_LIMIT, value: max(limits.connectionLimit, threadCount) + Self.evictionSlack, ptr_value: nil),
                MHD_OptionItem(option: .CONNECTION_MEMORY_LIMIT, value: max(limits.connectionMemoryLimit, 4096), ptr_value: nil),
                MHD_OptionItem(option: .CONNECTION_TIMEOUT, value: max(limits.connectionTimeoutSeconds, 0), ptr_value: nil),
                MHD_OptionItem(option: .NOTIFY_COMPLETED, value: unsafeBitCast(completed, to: Int.self),
                               ptr_value: context.toOpaque()),
                MHD_OptionItem(option: .NOTIFY_CONNECTION, value: unsafeBitCast(notify, to: Int.self),
                               ptr_value: context.toOpaque()),
                // The path reaches us as sent; ServerContext decodes it and refuses NUL (which
                // truncated it in C) and control characters.
                MHD_OptionItem(option: .UNESCAPE_CALLBACK, value: unsafeBitCast(unescape, to: Int.self), ptr_value: nil),
                MHD_OptionItem(option: .SOCK_ADDR, value: 0, ptr_value: sockaddrBuffer.baseAddress),
            ]
            if tls != nil {
                options.append(MHD_OptionItem(option: .HTTPS_MEM_CERT, value: 0, ptr_value: UnsafeMutableRawPointer(tlsStrings[0])))
                options.append(MHD_OptionItem(option: .HTTPS_MEM_KEY, value: 0, ptr_value: UnsafeMutableRawPointer(tlsStrings[1])))
                if let trust = tlsStrings[2] {
                    options.append(MHD_OptionItem(option: .HTTPS_MEM_TRUST, value: 0, ptr_value: UnsafeMutableRawPointer(trust)))
                }
            }
            options.append(MHD_OptionItem(option: .END, value: 0, ptr_value: nil))
            return options.withUnsafeMutableBufferPointer {
                cmhd_start_daemon(flags, configuredPort, transportAcceptPolicy, context.toOpaque(),
                                  transportAccessHandler, context.toOpaque(), $0.baseAddress)
            }
        }
    }
}

// libmicrohttpd's callbacks: plain functions in a library file (no captures, not
// main-actor isolated); the server's context arrives through `cls`.

private func transportAccessHandler(cls: UnsafeMutableRawPointer?, connection: OpaquePointer?,
                                    url: UnsafePointer<CChar>?, method: UnsafePointer<CChar>?,
                                    version: UnsafePointer<CChar>?, uploadData: UnsafePointer<CChar>?,
                                    uploadSize: UnsafeMutablePointer<Int>?,
                                    requestSlot: UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> MHD_Result {
    guard let cls, let connection, let url, let method, let uploadSize, let requestSlot else { return .NO }
    return Unmanaged<ServerContext>.fromOpaque(cls).takeUnretainedValue().access(
        connection: connection, url: url, method: method,
        uploadData: uploadData, uploadSize: uploadSize, requestSlot: requestSlot)
}

private func transportRequestCompleted(cls: UnsafeMutableRawPointer?, connection: OpaquePointer?,
                                       requestSlot: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
                                       code: MHD_RequestTerminationCode) {
    guard let cls, let requestSlot else { return }
    Unmanaged<ServerContext>.fromOpaque(cls).takeUnretainedValue().completed(connection: connection, requestSlot: requestSlot)
}

private func transportAcceptPolicy(cls: UnsafeMutableRawPointer?, address: UnsafePointer<sockaddr>?, length: socklen_t) -> MHD_Result {
    guard let cls, let address else { return .NO }
    let context = Unmanaged<ServerContext>.fromOpaque(cls).takeUnretainedValue()
    return context.connections.accept(from: SocketAddress.host(of: address)) ? .YES : .NO
}

private func transportConnectionNotified(cls: UnsafeMutableRawPointer?, connection: OpaquePointer?,
                                         socketContext: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
                                         code: MHD_ConnectionNotificationCode) {
    guard let cls, let connection else { return }
    Unmanaged<ServerContext>.fromOpaque(cls).takeUnretainedValue().connectionNotified(connection, code: code)
}

/// Leaves `%HH` escapes as they are (the length is unchanged); see the UNESCAPE_CALLBACK option.
private func transportKeepEscapes(cls: UnsafeMutableRawPointer?, connection: OpaquePointer?,
                                  text: UnsafeMutablePointer<CChar>?) -> Int {
    guard let text else { return 0 }
    return strlen(text)
}
