import Crypto
import Replica

/// Consumers' credentials: made here, shown once, kept at the node only as
/// `Crypto.credentialHash` (the same hash as child links' credentials), checked by that hash.
public enum ConsumerCredentials {
    /// Registers consumer `name` at `replica` and returns its new credential.
    public static func add(_ replica: Replica, name: String, by user: String? = nil) throws -> String {
        let (credential, hash) = Crypto.newCredential()
        try replica.addConsumer(name: name, credentialHash: hash, by: user)
        return credential
    }

    /// Gives consumer `name` a new credential; the old one is refused from now on.
    public static func rotate(_ replica: Replica, name: String, by user: String? = nil) throws -> String {
        let (credential, hash) = Crypto.newCredential()
        try replica.rotateConsumer(name: name, credentialHash: hash, by: user)
        return credential
    }

    /// The active consumer `credential` belongs to, or nil (unknown, replaced or revoked).
    public static func check(_ replica: Replica, credential: String) throws -> String? {
        guard Enrollment.isCredential(credential) else { return nil }
        return try replica.consumer(credentialHash: Crypto.credentialHash(credential))
    }
}
