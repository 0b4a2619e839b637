import CSV
import Testing
import TestSupport

@Suite struct CSVRoundTripTests {
    private static let pieces = ["张三", "李", "身份证号", "𠀀", "\"", "\"\"", ",", "\n", "\r\n", "\r", " ", "\t",
                                 "a", "Z", "0", "-", "=", "户主", "，", "“", "'", "\u{FEFF}", "é", "😀", "x y"]

    private static func randomField(_ rng: inout SplitMix64) -> String {
        if Int.random(in: 0..<6, using: &rng) == 0 { return "" }
        let n = Int.random(in: 1...8, using: &rng)
        return (0..<n).map { _ in pieces.randomElement(using: &rng)! }.joined()
    }

    private static func randomTable(_ rng: inout SplitMix64) -> [[String]] {
        let columns = Int.random(in: 1...6, using: &rng)
        let rows = Int.random(in: 0...12, using: &rng)
        return (0..<rows).map { _ in
            // Now and then a ragged row: CSV does not require equal lengths.
            let c = Int.random(in: 0..<8, using: &rng) == 0 ? Int.random(in: 1...7, using: &rng) : columns
            return (0..<c).map { _ in randomField(&rng) }
        }
    }

    @Test func writerThenReaderGivesTheInput() throws {
        let seed = TestSeed.value(default: 20_240_601)
        var rng = SplitMix64(seed: seed)
        for round in 0..<300 {
            let table = Self.randomTable(&rng)
            let bom = Bool.random(using: &rng)
            let chunk = [1, 2, 3, 5, 16, 64, CSVReader.defaultChunkSize].randomElement(using: &rng)!
            let w = CSVWriter(bom: bom)
            for row in table { try w.write(row) }
            let back = try CSVReader(bytes: w.bytes, chunkSize: chunk).readAll()
            #expect(back == table, "ROOTSYNC_SEED=\(seed) round \(round) chunk \(chunk) bom \(bom)")
            if back != table { return }

            // The same text saved by Chinese Excel as GB18030 reads back the same.
            if !bom, !table.joined().contains(where: { $0.unicodeScalars.contains("\u{FEFF}") }) {
                let gb = GB18030.encode(String(decoding: w.bytes, as: UTF8.self))
                let viaGB = try CSVReader(bytes: gb, encoding: .gb18030, chunkSize: chunk).readAll()
                #expect(viaGB == table, "ROOTSYNC_SEED=\(seed) round \(round) chunk \(chunk) GB18030")
                if viaGB != table { return }
            }
        }
    }
}
