import Foundation
import JSON
import Testing
@testable import Agent

/// `rootsync calendar years|deadline` through the real binary, with an operator-added year.
@Suite("rootsync calendar")
struct CalendarCommandTests {
    @Test func yearsAndDeadlines() throws {
        let dir = ReplicaCommandTests.tempDir()
        let years = try runProcess(["calendar", "years", "--dir", dir])
        #expect(years.code == 0 && years.out == "2026  cn-workdays-2026.tsv\n", "\(years.out)\(years.err)")
        let national = try runProcess(["calendar", "deadline", "2026-09-30", "5", "--dir", dir])
        #expect(national.out == "2026-10-13\n", "\(national.err)")
        let spring = try runProcess(["calendar", "deadline", "2026-02-13", "5", "--dir", dir, "--json"])
        #expect(try JSONParser.parse(spring.out.trimmingCharacters(in: .newlines))["deadline"]?.stringValue == "2026-02-27")

        let beyond = try runProcess(["calendar", "deadline", "2026-12-30", "2", "--dir", dir])
        #expect(beyond.code == 1 && beyond.out.isEmpty)
        #expect(beyond.err.contains("cn-workdays-2027.tsv") && beyond.err.contains("不做推测") && beyond.err.contains("no guess"), "\(beyond.err)")

        try FileManager.default.createDirectory(atPath: dir + "/calendar", withIntermediateDirectories: true)
        try "date\tkind\tname\n2027-01-01\tholiday\t元旦\n".write(toFile: dir + "/calendar/cn-workdays-2027.tsv", atomically: true, encoding: .utf8)
        #expect(try runProcess(["calendar", "deadline", "2026-12-30", "2", "--dir", dir]).out == "2027-01-04\n")
        #expect(try runProcess(["calendar", "years", "--dir", dir]).out.contains("2027  \(dir)/calendar/cn-workdays-2027.tsv"))

        try "date\tkind\tname\n2027-01-01\tholiday\t元旦\n2027-02-30\tholiday\tx\n".write(toFile: dir + "/calendar/cn-workdays-2027.tsv", atomically: true, encoding: .utf8)
        let bad = try runProcess(["calendar", "years", "--dir", dir, "--json"])
        #expect(bad.code == 1)
        let error = try JSONParser.parse(bad.err.trimmingCharacters(in: .newlines))
        #expect(error["line"] == .number("3") && error["field"]?.stringValue == "date", "\(bad.err)")
        #expect(error["file"]?.stringValue == dir + "/calendar/cn-workdays-2027.tsv")
        #expect(error["message_zh"]?.stringValue?.contains("第 3 行") == true && error["message_en"]?.stringValue?.contains("line 3") == true)
        #expect(try runProcess(["calendar", "deadline", "2026-13-01", "1", "--dir", dir]).code == 2)
        for n in ["abc", "-3", "99999999999999999999"] {
            let badCount = try runProcess(["calendar", "deadline", "2026-03-02", n, "--dir", dir])
            #expect(badCount.code == 2 && badCount.out.isEmpty, "\(n)")
            #expect(badCount.err.contains("N must be a whole number from 0 to 10000, not \(n)") && badCount.err.contains("N 应为"), "\(badCount.err)")
        }
    }
}
