import Foundation
import JSON
import Testing
@testable import Node

/// `NodeTime`, the one formatter of every time rootsync shows.
@Suite("Node time zone")
struct NodeTimeTests {
    /// 2026-05-01 01:30:05.007 UTC.
    static let ms: Int64 = 1_777_599_005_007

    @Test("the node's zone with its offset, for people and as RFC 3339; Asia/Shanghai by default")
    func formats() throws {
        #expect(NodeTime.standard.zoneName == "Asia/Shanghai")
        #expect(NodeTime.standard.display(milliseconds: Self.ms) == "2026-05-01 09:30:05 +08:00")
        #expect(NodeTime.standard.rfc3339(milliseconds: Self.ms) == "2026-05-01T09:30:05.007+08:00")
        let utc = try #require(NodeTime(zoneNamed: "UTC"))
        #expect(utc.display(milliseconds: Self.ms) == "2026-05-01 01:30:05 +00:00")
        // A zone with daylight saving: its offset on that day.
        let newYork = try #require(NodeTime(zoneNamed: "America/New_York"))
        #expect(newYork.rfc3339(milliseconds: Self.ms) == "2026-04-30T21:30:05.007-04:00")
        #expect(newYork.display(milliseconds: 1_767_225_600_000) == "2025-12-31 19:00:00 -05:00")
        // Before 1970 and at midnight boundaries.
        #expect(utc.rfc3339(milliseconds: -1) == "1969-12-31T23:59:59.999+00:00")
        #expect(NodeTime.standard.display(milliseconds: 1_767_196_800_000) == "2026-01-01 00:00:00 +08:00")
        // A hybrid clock value shows its wall time.
        #expect(NodeTime.standard.display(hlc: Self.ms << 16 | 3) == "2026-05-01 09:30:05 +08:00")
        #expect(NodeTime(zoneNamed: "Mars/Olympus") == nil && NodeTime(zoneNamed: "") == nil)
    }

    @Test("stored texts (SQLite's UTC datetime, RFC 3339 with Z or an offset) are read back to the same instant; anything else is shown as it is")
    func storedTexts() {
        #expect(NodeTime.milliseconds(stored: "2026-05-01 01:30:05") == Self.ms - 7)
        #expect(NodeTime.milliseconds(stored: "2026-05-01T01:30:05.007Z") == Self.ms)
        #expect(NodeTime.milliseconds(stored: "2026-05-01T09:30:05.007+08:00") == Self.ms)
        #expect(NodeTime.milliseconds(stored: "2026-04-30T21:30:05.0071-04:00") == Self.ms)
        #expect(NodeTime.milliseconds(stored: "2026-05-01T01:30:05Z") == Self.ms - 7)
        for bad in ["", "yesterday", "2026-05-01", "2026-13-01 00:00:00", "2026-05-01T01:30:05", "2026-05-01 01:30:05Z junk", "2026-05-01T01:30:05.Z"] {
            #expect(NodeTime.milliseconds(stored: bad) == nil, "\(bad)")
        }
        #expect(NodeTime.standard.display(stored: "2026-05-01 01:30:05") == "2026-05-01 09:30:05 +08:00")
        #expect(NodeTime.standard.rfc3339(stored: "2026-05-01T01:30:05.007Z") == "2026-05-01T09:30:05.007+08:00")
        #expect(NodeTime.standard.display(stored: "not a time") == "not a time")
    }

    @Test("node.json's time_zone: read, and a name the system does not know is refused naming the field, in both languages")
    func configured() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rs-tz-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = (dir as NSString).appendingPathComponent(NodeConfig.fileName)
        #expect(try NodeConfig.time(directory: dir) == .standard, "no node.json: the default")
        try Data(#"{"node":"150603","time_zone":"UTC"}"#.utf8).write(to: URL(fileURLWithPath: file))
        #expect(try NodeConfig.load(directory: dir).time.zoneName == "UTC")
        #expect(try NodeConfig.time(directory: dir).zoneName == "UTC")
        try Data(#"{"node":"150603"}"#.utf8).write(to: URL(fileURLWithPath: file))
        #expect(try NodeConfig.load(directory: dir).time == .standard)
        for bad in [#""Mars/Olympus""#, "8", #""+08:00""#] {
            try Data(#"{"node":"150603","time_zone":\#(bad)}"#.utf8).write(to: URL(fileURLWithPath: file))
            #expect(throws: ConfigError.self) { try NodeConfig.load(directory: dir) }
            do { _ = try NodeConfig.time(directory: dir); Issue.record("\(bad) accepted") } catch let e as ConfigError {
                #expect(e.messageEn.contains("time_zone is not a known time zone name") && e.messageZh.contains("time_zone 不是已知的时区名称"), "\(e)")
            }
        }
    }
}
