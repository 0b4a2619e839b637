import CSV
import Foundation
import Testing
import TestSupport

@Suite struct CSVRobustnessTests {
    /// Random bytes rich in CSV syntax and high bytes must give records or a CSVError, never a crash.
    @Test func garbageGivesErrorsNotCrashes() throws {
        let seed = TestSeed.value(default: 20_240_601)
        var rng = SplitMix64(seed: seed)
        let alphabet: [UInt8] = [0x22, 0x2C, 0x0D, 0x0A, 0x61, 0x00, 0x80, 0xFF, 0xE4, 0xB8, 0xAD, 0x95, 0x32,
                                 0x82, 0x36, 0xEF, 0xBB, 0xBF, 0x84, 0x31]
        var errors = 0
        for round in 0..<400 {
            let n = Int.random(in: 0...300, using: &rng)
            let bytes: [UInt8] = (0..<n).map { _ in
                Bool.random(using: &rng) ? alphabet.randomElement(using: &rng)! : UInt8.random(in: 0...255, using: &rng)
            }
            let encoding = CSVEncoding.allCases.randomElement(using: &rng)!
            let chunk = Int.random(in: 1...40, using: &rng)
            if let e = readError(bytes, encoding: encoding, chunk: chunk, maxFieldBytes: 64, maxFields: 50) {
                errors += 1
                #expect(e.line >= 1, "ROOTSYNC_SEED=\(seed) round \(round): \(e)")
                #expect(!e.chinese.isEmpty && !e.english.isEmpty)
            }
        }
        #expect(errors > 0, "ROOTSYNC_SEED=\(seed): garbage should produce some errors")
    }

    /// 200,000 rows from a file through the 64 KiB chunks.
    @Test func streamsALargeFile() throws {
        let path = temporaryPath("rows.csv")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let rows = 200_000
        var text = "序号,姓名,身份证号,备注\r\n"
        text.reserveCapacity(rows * 40)
        for i in 0..<rows {
            text += "\(i),张三\(i % 97),11010519491231002X,\(i % 1000 == 0 ? "\"多\n行\"" : "")\r\n"
        }
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))

        let start = ContinuousClock.now
        let r = try CSVReader(path: path)
        _ = try r.nextRecord()
        var count = 0
        var lastLine = 0
        while let rec = try r.nextRecord() {
            if rec.count != 4 { Issue.record("row \(count) has \(rec.count) fields") }
            count += 1
            lastLine = r.recordLine
        }
        let elapsed = ContinuousClock.now - start
        #expect(count == rows)
        #expect(lastLine == 1 + rows + rows / 1000)
        print("CSV: read \(rows) rows in \(elapsed)")
    }
}
