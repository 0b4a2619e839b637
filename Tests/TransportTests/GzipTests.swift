import Testing
import TestSupport
import Transport

@Suite("Gzip")
struct GzipTests {
    @Test func roundTripsEmptySmallAndLarge() throws {
        var generator = SplitMix64(seed: 7)
        let random = (0..<300_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        for input in [[], Array("a".utf8), sampleJSON(size: 2_000_000), random] {
            let compressed = Gzip.compress(input)
            #expect(compressed.prefix(2) == [0x1F, 0x8B])
            #expect(try Gzip.decompress(compressed, maxOutput: input.count) == input)
        }
    }

    @Test func compressesRepetitiveJSON() {
        let json = sampleJSON(size: 1 << 20)
        #expect(Gzip.compress(json, level: 9).count < json.count / 10)
        #expect(Gzip.compress(json, level: 1).count < json.count / 5)
    }

    @Test func concatenatedMembersDecodeAsOne() throws {
        let joined = Gzip.compress(Array("hello, ".utf8)) + Gzip.compress(Array("world".utf8))
        #expect(try Gzip.decompress(joined, maxOutput: 100) == Array("hello, world".utf8))
    }

    @Test func capStopsBombs() throws {
        let bomb = Gzip.compress([UInt8](repeating: 0, count: 20 << 20), level: 9)
        #expect(bomb.count < 64 * 1024)
        #expect(throws: GzipError.tooLarge(limit: 1 << 20)) { try Gzip.decompress(bomb, maxOutput: 1 << 20) }
        #expect(throws: GzipError.tooLarge(limit: 9)) { try Gzip.decompress(Gzip.compress(Array("ten bytes!".utf8)), maxOutput: 9) }
        #expect(try Gzip.decompress(Gzip.compress(Array("ten bytes!".utf8)), maxOutput: 10).count == 10)
    }

    @Test func truncatedInputIsReported() {
        let compressed = Gzip.compress(sampleJSON(size: 100_000))
        for cut in [0, 1, 5, 10, compressed.count / 2, compressed.count - 4, compressed.count - 1] {
            #expect(throws: GzipError.truncated) { try Gzip.decompress(Array(compressed.prefix(cut)), maxOutput: 1 << 20) }
        }
    }

    @Test func corruptInputIsReported() {
        let notGzip = Array("this is not gzip at all".utf8)
        #expect(throws: GzipError.self) { try Gzip.decompress(notGzip, maxOutput: 1 << 20) }
        var flipped = Gzip.compress(sampleJSON(size: 10_000))
        flipped[flipped.count - 6] ^= 0xFF // CRC32 in the trailer
        #expect {
            try Gzip.decompress(flipped, maxOutput: 1 << 20)
        } throws: { error in
            if case GzipError.corrupt = error { return true }
            return false
        }
        let trailingGarbage = Gzip.compress(Array("x".utf8)) + Array("garbage!garbage!".utf8)
        #expect(throws: GzipError.self) { try Gzip.decompress(trailingGarbage, maxOutput: 1 << 20) }
    }
}
