import Crypto
import Foundation
import JSON
import Replica
import Transport

/// Checking a child's link credential at the parent, and rotating it without downtime.
///
/// Rotation: the child asks over its authenticated link (`POST /v1/sync/rotate`) and gets a new
/// credential; the parent stores its hash beside the current one, so both work. The first request
/// with the new one makes it current; the old one then keeps working for
/// `Replica.credentialOverlapMilliseconds` (requests already under way with it, an agent's open
/// long poll) and is then refused. A new credential never used is dropped after
/// `Replica.pendingCredentialMilliseconds`, and the old one stays current.
public enum LinkCredentials {
    /// Which of the child's credentials a request used.
    public enum Match: String, Sendable, Equatable {
        case current
        /// The new credential of a rotation, used for the first time: it is now the current one.
        case new
        /// The old credential, within the overlap after a rotation.
        case previous
    }

    /// Checks `token` against the credentials of `child` (constant-time comparisons of SHA-256
    /// hashes), completing a rotation when it is the new credential. Nil: refused.
    public static func check(_ replica: Replica, child: String, token: String) throws -> Match? {
        guard replica.children.contains(child) else { return nil }
        let hash = Crypto.credentialHash(token)
        let known = try replica.childCredentials(child)
        func same(_ expected: String?) -> Bool { expected.map { Crypto.constantTimeEquals(hash, $0) } ?? false }
        if same(known.current) { return .current }
        if same(known.next) {
            try replica.completeCredentialRotation(child: child, newHash: hash)
            return .new
        }
        if same(known.previous) { return .previous }
        return nil
    }

    /// Parent side of `POST /v1/sync/rotate`: a new credential for `child`, valid beside the current one.
    public static func issueRotation(_ replica: Replica, child: String) throws -> String {
        let (credential, hash) = Crypto.newCredential()
        try replica.beginCredentialRotation(child: child, newHash: hash)
        return credential
    }

    /// Child side: asks the parent at `parentURL` for a new credential, authenticated with the
    /// current `token`. A refusal throws `RemoteError` with the parent's bilingual reason.
    public static func requestRotation(parentURL: String, node: String, token: String,
                                       options: HTTPClient.Options = HTTPClient.Options()) throws -> String {
        let link = try HTTPParentLink(url: parentURL, node: node, token: token, options: options)
        let answer = try link.call("POST", "/v1/sync/rotate", body: JSONValue.object(JSONObject()))
        guard let credential = answer["credential"]?.stringValue, Enrollment.isCredential(credential) else {
            throw RemoteError(status: 200, messageZh: "上级的应答中没有有效的凭据", messageEn: "the parent's answer holds no valid credential")
        }
        return credential
    }

    /// Child side: one authenticated request with the new credential, which makes it the
    /// current one at the parent.
    public static func confirm(parentURL: String, node: String, token: String,
                               options: HTTPClient.Options = HTTPClient.Options()) throws {
        let link = try HTTPParentLink(url: parentURL, node: node, token: token, options: options)
        _ = try link.have()
    }
}
