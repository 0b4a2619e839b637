import Foundation
import Transport

extension NodeServer {
    /// What `principal` says when the local API rule (loopback or its credential) admitted a request.
    static let localPrincipal = "local-api"

    /// Body caps per endpoint: what its largest honest request needs, so that a body is never
    /// read (or inflated) further than that.
    enum BodyCaps {
        /// A push holds at most 5000 versions; a catalogue exchange a catalogue and its events.
        static let push = Admission.Caps(wireBytes: 16 << 20, inflatedBytes: 16 << 20)
        /// Pull, wait, have, rotate: a cursor and a few fields.
        static let syncControl = Admission.Caps(wireBytes: 1 << 20, inflatedBytes: 1 << 20)
        /// A local-API record PUT or catalogue draft from an office program.
        static let local = Admission.Caps(wireBytes: 4 << 20, inflatedBytes: 4 << 20)
        /// A consumer's dispute or rating: a few fields.
        static let consumer = Admission.Caps(wireBytes: 64 << 10, inflatedBytes: 64 << 10)
        /// `{"node": …, "token": …}`.
        static let enroll = Admission.Caps(wireBytes: 4 << 10, inflatedBytes: 4 << 10)
        /// A web import: a sheet of up to 16 MiB as base64 inside JSON; only for a signed-in session.
        static let webImport = Admission.Caps(wireBytes: 24 << 20, inflatedBytes: 24 << 20)
        /// Everything else (hello, unknown paths) has no use for a body.
        static let none = Admission.Caps(wireBytes: 64 << 10, inflatedBytes: 64 << 10)
    }

    /// The server's admission step (`HTTPServer(admit:)`): runs when a request's head is
    /// complete, before any body byte is read. Sync endpoints authenticate the child here and
    /// the local API applies its rule, so an unauthenticated peer costs no body memory at all.
    public func admit(_ head: HTTPRequestHead) -> Admission {
        let parts = Self.segments(head.rawPath)
        let probe = HTTPRequest(method: head.method, path: head.path, rawPath: head.rawPath, queryItems: head.queryItems,
                                headers: head.headers, remoteAddress: head.remoteAddress, clientCertificateCN: head.clientCertificateCN)
        do {
            if parts.count == 3 && parts[0] == "v1" && parts[1] == "sync" {
                let child = try authenticate(probe)
                return .admit(["push", "health"].contains(parts[2]) ? BodyCaps.push : BodyCaps.syncControl, principal: child)
            }
            if parts == ["v1", "catalogue", "exchange"] {
                return .admit(BodyCaps.push, principal: try authenticate(probe))
            }
            if parts == ["v1", "enroll"] {
                return .admit(BodyCaps.enroll, principal: nil)
            }
            if parts.count >= 2 && parts[0] == "v1" && parts[1] == "feed" {
                let consumer = try authenticateConsumer(probe)
                return .admit(BodyCaps.consumer, principal: Self.consumerPrincipalPrefix + consumer)
            }
            if (parts.first == "v1" && parts.count >= 2 && ["status", "records", "catalogue", "share", "disputes"].contains(parts[1])) || parts == ["metrics"] {
                try authorizeLocal(probe)
                return .admit(BodyCaps.local, principal: Self.localPrincipal)
            }
            // An upload's cap only for a request whose session cookie is open: a stranger's body
            // still stops at 64 KiB before anything is read.
            if head.method == "POST", parts.count == 4, parts[0] == "app", parts[1] == "api", parts[2] == "import",
               let token = probe.cookie(sessionCookie), webSessions.session(token) != nil {
                return .admit(BodyCaps.webImport, principal: nil)
            }
            return .admit(BodyCaps.none, principal: nil)
        } catch let failure as HTTPFailure {
            var response = Self.error(failure.status, failure.zh, failure.en)
            if let seconds = failure.retryAfter { response.headers["Retry-After"] = String(seconds) }
            return .refuse(response)
        } catch {
            log.event("error", ["path": head.path, "error": "\(error)"])
            return .refuse(Self.error(500, "服务器内部错误", "internal error: \(error)"))
        }
    }

    /// The path's segments, each percent-decoded on its own (so "%2F" stays inside a segment).
    static func segments(_ rawPath: String) -> [String] {
        rawPath.split(separator: "/", omittingEmptySubsequences: true).map { String($0).removingPercentEncoding ?? String($0) }
    }
}
