import Testing
@testable import Crypto

@Suite("Crypto")
struct CryptoTests {
    @Test func sha256KnownVectors() {
        #expect(Crypto.sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Crypto.sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func tokensAreRandomAndLongEnough() {
        let a = Crypto.newToken(), b = Crypto.newToken()
        #expect(a.count == 64 && b.count == 64)
        #expect(a != b)
    }

    @Test func constantTimeEquals() {
        #expect(Crypto.constantTimeEquals("abc", "abc"))
        #expect(!Crypto.constantTimeEquals("abc", "abd"))
        #expect(!Crypto.constantTimeEquals("abc", "abcd"))
    }
}

@Suite("Crypto: PBKDF2")
struct PBKDF2Tests {
    /// RFC 7914 §11 (PBKDF2-HMAC-SHA256 test vectors), and one with an empty password.
    @Test func knownVectors() {
        #expect(Crypto.hexString(Crypto.pbkdf2SHA256(password: Array("passwd".utf8), salt: Array("salt".utf8), iterations: 1, length: 64))
                == "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783")
        #expect(Crypto.hexString(Crypto.pbkdf2SHA256(password: Array("Password".utf8), salt: Array("NaCl".utf8), iterations: 80000, length: 64))
                == "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d")
        // The same as Python's hashlib.pbkdf2_hmac('sha256', b'', b'salt', 2).
        #expect(Crypto.hexString(Crypto.pbkdf2SHA256(password: [], salt: Array("salt".utf8), iterations: 2, length: 32))
                == "62384466264daadc4144018c6bd864648272b34da8980d31521ffcce92ae003b")
    }

    @Test func hexRoundTrip() {
        let bytes: [UInt8] = [0, 1, 0x7f, 0x80, 0xff]
        #expect(Crypto.bytes(hex: Crypto.hexString(bytes)) == bytes)
        #expect(Crypto.bytes(hex: "ABcd") == [0xab, 0xcd])
        #expect(Crypto.bytes(hex: "abc") == nil)
        #expect(Crypto.bytes(hex: "zz") == nil)
    }
}
