import Crypto
import Foundation
import Transport

extension NodeServer {
    /// The local API (`/v1/status`, `/v1/records/…`, `/v1/catalogue/…`) and `/metrics` answer loopback without a credential.
    /// From anywhere else it needs `Authorization: Bearer` with the local API credential, and
    /// only once one was created (`rootsync local-api credential`): otherwise 403. Failures
    /// are throttled like sync authentication, under the key (address, "local-api").
    func authorizeLocal(_ r: HTTPRequest) throws {
        if Self.isLoopback(r.remoteAddress) { return }
        let key = AuthThrottle.Key(address: r.remoteAddress, node: "local-api")
        guard let expected = LocalAPICredential.hash(file: localAPICredentialFile) else {
            throw HTTPFailure(403, "本地接口只接受本机访问（未设置本地接口凭据）",
                              "the local API accepts loopback connections only (no local API credential is set)")
        }
        guard let auth = r.headers["Authorization"], auth.hasPrefix("Bearer "),
              Crypto.credential(String(auth.dropFirst("Bearer ".count)), matches: expected) else {
            log.event("auth_failed", ["endpoint": "local", "from": r.remoteAddress])
            throw refusal(key, HTTPFailure(401, "本地接口凭据无效或缺失", "missing or invalid local API credential (Authorization: Bearer)"),
                          reason: "local_api_credential")
        }
        throttle.succeeded(key)
    }
}

/// The credential for the local API from other machines: the node directory keeps only its
/// SHA-256, in `local-api.sha256` (mode 0600).
public enum LocalAPICredential {
    public static let fileName = "local-api.sha256"

    public static func path(directory: String) -> String {
        (directory as NSString).appendingPathComponent(fileName)
    }

    /// The stored hash, or nil when there is no (well-formed) file.
    public static func hash(file: String?) -> String? {
        guard let file, let data = FileManager.default.contents(atPath: file) else { return nil }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return Enrollment.isCredential(text) ? text : nil
    }

    /// Makes a new credential, stores its hash (replacing any earlier one) and returns it.
    public static func create(directory: String) throws -> String {
        let (token, hash) = Crypto.newCredential()
        let target = path(directory: directory)
        let temp = target + ".tmp"
        guard FileManager.default.createFile(atPath: temp, contents: Data((hash + "\n").utf8),
                                             attributes: [.posixPermissions: 0o600]),
              rename(temp, target) == 0 else {
            throw ConfigError("无法写入 \(target)", "cannot write \(target)")
        }
        return token
    }

    /// Removes the credential: the local API answers loopback only again.
    public static func remove(directory: String) throws {
        let target = path(directory: directory)
        if FileManager.default.fileExists(atPath: target) { try FileManager.default.removeItem(atPath: target) }
    }
}
