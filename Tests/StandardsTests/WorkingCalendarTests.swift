import Foundation
import Testing
import TestSupport
@testable import Standards

/// Working days from the State Council's 2026 notice (checked against its text as Xinhua
/// published it, 2025-11-04) and from operator-added files.
@Suite("working-day calendar")
struct WorkingCalendarTests {
    static func day(_ text: String) -> CalendarDate { CalendarDate(iso: text)! }

    /// A 2027 schedule as an operator would add it. Invented for the test (the real notice for
    /// 2027 is not in this repository): 1–3 January off, Saturday 6 February on.
    static let made2027 = """
    # test fixture, not the real 2027 notice
    date\tkind\tname
    2027-01-01\tholiday\t元旦
    2027-01-02\tholiday\t元旦
    2027-01-03\tholiday\t元旦
    2027-02-06\tworkday\t春节调休上班
    """

    /// A new node directory of its own (remove exactly it, never its parent: that is the
    /// system's temporary folder) holding `files` in its calendar folder.
    static func nodeDirectory(files: [String: String]) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rs-cal-\(UUID().uuidString)")
        let folder = dir.appendingPathComponent(WorkingCalendar.directoryName)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (name, text) in files {
            try Data(text.utf8).write(to: folder.appendingPathComponent(name))
        }
        return dir.path
    }

    @Test func weekdaysAndDayArithmetic() {
        #expect(Self.day("1970-01-01").daysSinceEpoch == 0)
        #expect(Self.day("1970-01-01").weekday == 4)
        #expect(Self.day("2026-01-01").weekday == 4)
        #expect(Self.day("2026-02-14").weekday == 6)
        #expect(Self.day("2026-09-20").weekday == 7)
        #expect(Self.day("2000-03-01").daysSinceEpoch == 11_017)
        #expect(Self.day("2026-12-31").adding(days: 1) == Self.day("2027-01-01"))
        #expect(Self.day("2028-03-01").adding(days: -1) == Self.day("2028-02-29"))
        #expect(Self.day("9999-12-31").adding(days: 1) == nil)
        var rng = SplitMix64(seed: TestSeed.standards)
        for _ in 0..<TestSeed.iterations {
            let days = Int.random(in: CalendarDate.firstDay...CalendarDate.lastDay, using: &rng)
            #expect(CalendarDate.fromDaysSinceEpoch(days).daysSinceEpoch == days, "\(TestSeed.reproduce)")
        }
    }

    @Test func shipped2026() throws {
        let calendar = try WorkingCalendar.shipped()
        #expect(calendar.years == [2026])
        // 248 working days: 261 weekdays, 19 holidays on weekdays, 6 adjusted Saturdays/Sundays.
        #expect(try calendar.workingDays(between: Self.day("2025-12-31"), and: Self.day("2026-12-31")) == 248)
        // The six 调休上班 days are weekends that are working days.
        for text in ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"] {
            #expect(Self.day(text).isWeekend)
            #expect(try calendar.isWorkingDay(Self.day(text)), "\(text)")
            #expect(calendar.specialDay(Self.day(text))?.kind == .workday)
        }
        #expect(calendar.specialDay(Self.day("2026-02-14"))?.name == "春节调休上班")
        // Holidays on weekdays are off; an ordinary weekend is off; an ordinary weekday is on.
        for text in ["2026-01-01", "2026-02-16", "2026-02-23", "2026-05-05", "2026-09-25", "2026-10-01", "2026-10-07"] {
            #expect(try !calendar.isWorkingDay(Self.day(text)), "\(text)")
        }
        #expect(try !calendar.isWorkingDay(Self.day("2026-03-07")))
        #expect(try calendar.isWorkingDay(Self.day("2026-03-09")))
    }

    @Test func springFestival() throws {
        let calendar = try WorkingCalendar.shipped()
        // Friday 13 Feb + 5: Sat 14 (调休上班), 15–23 off, 24, 25, 26, 27.
        #expect(try calendar.deadline(from: Self.day("2026-02-13"), workingDays: 5) == Self.day("2026-02-27"))
        #expect(try calendar.deadline(from: Self.day("2026-02-13"), workingDays: 1) == Self.day("2026-02-14"))
        #expect(try calendar.deadline(from: Self.day("2026-02-14"), workingDays: 1) == Self.day("2026-02-24"))
        // Friday 27 Feb + 1: Saturday 28 Feb is a working day.
        #expect(try calendar.deadline(from: Self.day("2026-02-27"), workingDays: 1) == Self.day("2026-02-28"))
        #expect(try calendar.deadline(from: Self.day("2026-02-27"), workingDays: 2) == Self.day("2026-03-02"))
        #expect(try calendar.workingDays(between: Self.day("2026-02-13"), and: Self.day("2026-02-27")) == 5)
        #expect(try calendar.workingDays(between: Self.day("2026-02-14"), and: Self.day("2026-02-23")) == 0)
    }

    @Test func nationalDay() throws {
        let calendar = try WorkingCalendar.shipped()
        // Friday 18 Sep + 2: Sat 19 off, Sun 20 (调休上班), Mon 21.
        #expect(try calendar.deadline(from: Self.day("2026-09-18"), workingDays: 2) == Self.day("2026-09-21"))
        // Thursday 24 Sep + 1: 25–27 中秋节, Mon 28.
        #expect(try calendar.deadline(from: Self.day("2026-09-24"), workingDays: 1) == Self.day("2026-09-28"))
        // Wednesday 30 Sep + 3: 1–7 Oct off, Thu 8, Fri 9, Sat 10 (调休上班).
        #expect(try calendar.deadline(from: Self.day("2026-09-30"), workingDays: 3) == Self.day("2026-10-10"))
        #expect(try calendar.deadline(from: Self.day("2026-09-30"), workingDays: 5) == Self.day("2026-10-13"))
        #expect(try calendar.workingDays(between: Self.day("2026-09-30"), and: Self.day("2026-10-10")) == 3)
        #expect(try calendar.workingDays(between: Self.day("2026-10-10"), and: Self.day("2026-09-30")) == -3)
        #expect(try calendar.workingDays(between: Self.day("2026-10-03"), and: Self.day("2026-10-03")) == 0)
        #expect(try calendar.deadline(from: Self.day("2026-10-03"), workingDays: 0) == Self.day("2026-10-03"))
    }

    @Test func beyondTheLastYearIsAnErrorNotAGuess() throws {
        let calendar = try WorkingCalendar.shipped()
        #expect(try calendar.deadline(from: Self.day("2026-12-30"), workingDays: 1) == Self.day("2026-12-31"))
        do {
            _ = try calendar.deadline(from: Self.day("2026-12-30"), workingDays: 2)
            Issue.record("a deadline in 2027 was computed without a 2027 calendar")
        } catch let error as WorkingCalendarError {
            #expect(error == .notCovered(date: Self.day("2027-01-01"), covered: [2026]))
            #expect(error.messageZh.contains("2026 年") && error.messageZh.contains("calendar/cn-workdays-2027.tsv")
                    && error.messageZh.contains("不做推测"))
            #expect(error.messageEn.contains("covers only 2026") && error.messageEn.contains("calendar/cn-workdays-2027.tsv"))
        }
        #expect(throws: WorkingCalendarError.notCovered(date: Self.day("2025-12-31"), covered: [2026])) {
            try calendar.isWorkingDay(Self.day("2025-12-31"))
        }
        #expect(throws: WorkingCalendarError.notCovered(date: Self.day("2027-01-01"), covered: [2026])) {
            try calendar.workingDays(between: Self.day("2026-12-01"), and: Self.day("2027-01-05"))
        }
        #expect(throws: WorkingCalendarError.negativeCount(-1)) {
            try calendar.deadline(from: Self.day("2026-03-02"), workingDays: -1)
        }
    }

    @Test func operatorAdded2027() throws {
        let dir = try Self.nodeDirectory(files: ["cn-workdays-2027.tsv": Self.made2027, "README.txt": "not a calendar"])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let calendar = try WorkingCalendar.load(nodeDirectory: dir)
        #expect(calendar.years == [2026, 2027])
        #expect(calendar.sources[2027]?.hasSuffix("calendar/cn-workdays-2027.tsv") == true)
        // Wednesday 30 Dec 2026 + 2: Thu 31, 1–3 Jan 2027 off, Mon 4 Jan.
        #expect(try calendar.deadline(from: Self.day("2026-12-30"), workingDays: 2) == Self.day("2027-01-04"))
        #expect(try calendar.isWorkingDay(Self.day("2027-02-06")))
        #expect(try calendar.workingDays(between: Self.day("2026-12-30"), and: Self.day("2027-01-04")) == 2)
        // Still no guess beyond 2027.
        #expect(throws: WorkingCalendarError.notCovered(date: Self.day("2028-01-01"), covered: [2026, 2027])) {
            try calendar.deadline(from: Self.day("2027-12-31"), workingDays: 1)
        }
        // A node directory without calendar files gives the shipped year.
        #expect(try WorkingCalendar.load(nodeDirectory: "/nonexistent-\(UUID().uuidString)").years == [2026])
    }

    @Test func aNodeFileReplacesTheShippedYear() throws {
        let corrected = "date\tkind\tname\n2026-03-02\tholiday\t测试假日\n"
        let dir = try Self.nodeDirectory(files: ["cn-workdays-2026.tsv": corrected])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let calendar = try WorkingCalendar.load(nodeDirectory: dir)
        #expect(calendar.years == [2026])
        #expect(try !calendar.isWorkingDay(Self.day("2026-03-02")))
        // The shipped file's days are gone with it: 14 Feb is an ordinary Saturday now.
        #expect(try !calendar.isWorkingDay(Self.day("2026-02-14")))
    }

    /// Each malformed file names the file, the line and the field, in both languages (lines
    /// counted from the file's first: a comment, then the header on line 2).
    @Test(arguments: [
        ("2027-01-01\tholiday\t元旦\n2027-13-01\tholiday\tx\n", 4, "date", "2027-13-01"),
        ("2027-01-01\tholiday\t元旦\n\t\tx\n", 4, "date", "缺少日期"),
        ("2026-12-31\tholiday\t元旦\n", 3, "date", "2027"),
        ("2027-01-01\tholiday\t元旦\n2027-01-01\tholiday\t元旦\n", 4, "date", "第 3 行"),
        ("2027-01-01\t放假\t元旦\n", 3, "kind", "放假"),
        ("2027-01-05\tworkday\t调休\n", 3, "kind", "星期二"),
    ])
    func malformedRows(rows: String, line: Int, field: String, mentioned: String) throws {
        let text = "# test\ndate\tkind\tname\n" + rows
        let dir = try Self.nodeDirectory(files: ["cn-workdays-2027.tsv": text])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do {
            _ = try WorkingCalendar.load(nodeDirectory: dir)
            Issue.record("malformed file accepted: \(rows)")
        } catch let error as WorkingCalendarError {
            guard case .malformed(let file, let l, let f, _, _) = error else { Issue.record("\(error)"); return }
            #expect(file.hasSuffix("calendar/cn-workdays-2027.tsv"))
            #expect(l == line, "\(error)")
            #expect(f == field)
            #expect(error.messageZh.contains("cn-workdays-2027.tsv") && error.messageZh.contains("第 \(line) 行")
                    && error.messageZh.contains("字段 \(field)") && error.messageZh.contains(mentioned), "\(error.messageZh)")
            #expect(error.messageEn.contains("cn-workdays-2027.tsv") && error.messageEn.contains("line \(line)")
                    && error.messageEn.contains("field \(field)"), "\(error.messageEn)")
        }
    }

    @Test func malformedFiles() throws {
        func refusal(_ name: String, _ text: String) throws -> WorkingCalendarError? {
            let dir = try Self.nodeDirectory(files: [name: text])
            defer { try? FileManager.default.removeItem(atPath: dir) }
            do { _ = try WorkingCalendar.load(nodeDirectory: dir); return nil } catch let e as WorkingCalendarError { return e }
        }
        let noKind = try refusal("cn-workdays-2027.tsv", "# c\ndate\tname\n2027-01-01\t元旦\n")
        #expect(noKind.map { if case .malformed(_, 2, "kind", _, _) = $0 { true } else { false } } == true, "\(String(describing: noKind))")
        let empty = try refusal("cn-workdays-2027.tsv", "# only a comment\n")
        #expect(empty.map { if case .malformed(_, 0, "header", _, _) = $0 { true } else { false } } == true)
        let badName = try refusal("cn-workdays-27.tsv", "date\tkind\n")
        #expect(badName.map { if case .malformed(let f, 0, "file name", _, _) = $0 { f.hasSuffix("cn-workdays-27.tsv") } else { false } } == true)
        #expect(badName?.messageZh.contains("cn-workdays-YYYY.tsv") == true)
        let notUTF8 = try Self.nodeDirectory(files: [:])
        defer { try? FileManager.default.removeItem(atPath: notUTF8) }
        try Data([0x64, 0xFF, 0xFE]).write(to: URL(fileURLWithPath: notUTF8).appendingPathComponent("calendar/cn-workdays-2027.tsv"))
        #expect(throws: WorkingCalendarError.self) { try WorkingCalendar.load(nodeDirectory: notUTF8) }
    }
}
