import Crypto
import Foundation
import JSON
import Replica
import Transport

/// Enrolling a child: a one-time token issued by the parent, redeemed for the long-lived link
/// credential. The parent keeps only SHA-256 hashes of both.
public enum Enrollment {
    /// A token just issued for `child` (shown once; only its hash is stored).
    public struct Issued: Sendable, Equatable {
        public let child: String
        public let token: String
        public let expiresMilliseconds: Int64
    }

    /// Issues a one-time enrollment token for `child` at the parent `replica`.
    public static func issue(_ replica: Replica, child: String, validFor milliseconds: Int64) throws -> Issued {
        let (token, hash) = Crypto.newCredential()
        let expires = try replica.createEnrollment(child: child, tokenHash: hash, validFor: milliseconds)
        return Issued(child: child, token: token, expiresMilliseconds: expires)
    }

    /// Redeems `token` for `child` at the parent `replica` (in-process): returns the new link
    /// credential. Used by `POST /v1/enroll` and by `rootsync up`.
    public static func redeem(_ replica: Replica, child: String, token: String) throws -> String {
        let (credential, hash) = Crypto.newCredential()
        try replica.redeemEnrollment(child: child, tokenHash: Crypto.credentialHash(token), credentialHash: hash)
        return credential
    }

    /// Redeems `token` at the parent serving at `parentURL` (`POST /v1/enroll`) and returns the
    /// credential. A refusal throws `RemoteError` with the parent's bilingual reason.
    public static func redeem(parentURL: String, node: String, token: String,
                              options: HTTPClient.Options = HTTPClient.Options()) throws -> String {
        let client = try HTTPClient(baseURL: parentURL, options: options)
        let body: JSONValue = ["node": .string(node), "token": .string(token)]
        let response = try client.send(method: "POST", path: "/v1/enroll", headers: ["Content-Type": "application/json"],
                                       body: Array(body.text.utf8))
        let json = try? JSONParser.parse(bytes: response.body)
        guard (200..<300).contains(response.status) else {
            throw RemoteError(status: response.status,
                              messageZh: json?["message_zh"]?.stringValue ?? "上级返回错误 \(response.status)",
                              messageEn: json?["message_en"]?.stringValue ?? "HTTP \(response.status)")
        }
        guard let credential = json?["credential"]?.stringValue, isCredential(credential) else {
            throw RemoteError(status: response.status, messageZh: "上级的应答中没有有效的凭据",
                              messageEn: "the parent's answer holds no valid credential")
        }
        return credential
    }

    /// 64 lowercase hex digits, as `Crypto.newToken()` makes them.
    public static func isCredential(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}
