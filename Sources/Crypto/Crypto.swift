import COpenSSL

/// The few cryptographic operations rootsync needs, from OpenSSL's libcrypto.
public enum Crypto {
    /// SHA-256 of `bytes`, as lowercase hex.
    public static func sha256Hex(_ bytes: [UInt8]) -> String {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let ok = bytes.withUnsafeBytes { input in
            EVP_Digest(input.baseAddress, input.count, &digest, &length, EVP_sha256(), nil)
        }
        precondition(ok == 1 && length == 32, "EVP_Digest(SHA-256) failed")
        return hex(digest)
    }

    public static func sha256Hex(_ text: String) -> String { sha256Hex(Array(text.utf8)) }

    /// `count` bytes from the operating system's secure random source.
    public static func randomBytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        precondition(RAND_bytes(&out, Int32(count)) == 1, "RAND_bytes failed")
        return out
    }

    /// A random credential: 32 bytes as hex (256 bits).
    public static func newToken() -> String { hex(randomBytes(32)) }

    /// What is stored for a credential (child links, enrollment tokens, the local API
    /// credential, consumers): its SHA-256 as lowercase hex; the credential itself never is.
    /// The one place that says how credentials are hashed.
    public static func credentialHash(_ credential: String) -> String { sha256Hex(credential) }

    /// A new random credential and the hash to store for it.
    public static func newCredential() -> (credential: String, hash: String) {
        let credential = newToken()
        return (credential, credentialHash(credential))
    }

    /// Whether `credential` hashes to `storedHash` (compared in constant time).
    public static func credential(_ credential: String, matches storedHash: String) -> Bool {
        constantTimeEquals(credentialHash(credential), storedHash)
    }

    /// PBKDF2-HMAC-SHA256 (RFC 8018) of `password` with `salt`: the slow, salted hash operators'
    /// passwords are kept as. `iterations` must be at least 1 and `length` 1…64 bytes.
    public static func pbkdf2SHA256(password: [UInt8], salt: [UInt8], iterations: Int, length: Int = 32) -> [UInt8] {
        precondition(iterations >= 1 && iterations <= Int(Int32.max) && (1...64).contains(length), "pbkdf2SHA256: bad parameters")
        var out = [UInt8](repeating: 0, count: length)
        // A trailing 0 keeps both buffers non-empty (so their pointers are valid); the lengths
        // passed exclude it.
        let pw = password.map { CChar(bitPattern: $0) } + [0]
        let s = salt + [0]
        let ok = PKCS5_PBKDF2_HMAC(pw, Int32(password.count), s, Int32(salt.count), Int32(iterations), EVP_sha256(), Int32(length), &out)
        precondition(ok == 1, "PKCS5_PBKDF2_HMAC failed")
        return out
    }

    /// Lowercase hex of `bytes` (salts and derived keys are stored as hex text).
    public static func hexString(_ bytes: [UInt8]) -> String { hex(bytes) }

    /// The bytes of lowercase or uppercase hex text; nil when it is not hex of whole bytes.
    public static func bytes(hex text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        func value(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: return c - 0x30
            case 0x61...0x66: return c - 0x61 + 10
            case 0x41...0x46: return c - 0x41 + 10
            default: return nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count / 2)
        var i = 0
        while i < digits.count {
            guard let h = value(digits[i]), let l = value(digits[i + 1]) else { return nil }
            out.append(h << 4 | l)
            i += 2
        }
        return out
    }

    /// Compares two strings in time independent of where they differ (for credential checks).
    public static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return x.withUnsafeBytes { xp in y.withUnsafeBytes { yp in CRYPTO_memcmp(xp.baseAddress, yp.baseAddress, x.count) == 0 } }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }
}
