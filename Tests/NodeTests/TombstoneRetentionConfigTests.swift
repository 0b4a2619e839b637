import Foundation
import Testing
@testable import Node

/// node.json's `tombstone_retention_days` (issue 12): read at the root, checked like every other
/// setting, and refused with a message naming the field in both languages.
@Suite("node.json: tombstone_retention_days")
struct TombstoneRetentionConfigTests {
    @Test("the default is 30 days; 0 to 36,500 are taken; anything else is refused naming the field")
    func retention() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rs-retention-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = (dir as NSString).appendingPathComponent(NodeConfig.fileName)
        func write(_ extra: String) throws {
            try Data(#"{"node":"150600"\#(extra)}"#.utf8).write(to: URL(fileURLWithPath: file))
        }
        try write("")
        #expect(try NodeConfig.load(directory: dir).tombstoneRetentionDays == 30)
        #expect(try NodeConfig.load(directory: dir).tombstoneRetentionMilliseconds == 30 * 86_400_000)
        try write(#","tombstone_retention_days":null"#)
        #expect(try NodeConfig.load(directory: dir).tombstoneRetentionDays == 30)
        for (text, days) in [("0", 0.0), ("0.5", 0.5), ("36500", 36_500.0)] {
            try write(#","tombstone_retention_days":\#(text)"#)
            #expect(try NodeConfig.load(directory: dir).tombstoneRetentionDays == days)
        }
        for bad in ["-1", "36501", #""30""#, "true", "[30]", #"{"days":30}"#] {
            try write(#","tombstone_retention_days":\#(bad)"#)
            do {
                _ = try NodeConfig.load(directory: dir)
                Issue.record("\(bad) accepted")
            } catch let e as ConfigError {
                #expect(e.messageEn.contains("tombstone_retention_days must be a number of days from 0 to 36500"), "\(e)")
                #expect(e.messageZh.contains("tombstone_retention_days 应为 0 到 36500 之间的天数"), "\(e)")
            }
        }
    }
}
