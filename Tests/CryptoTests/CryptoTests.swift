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
