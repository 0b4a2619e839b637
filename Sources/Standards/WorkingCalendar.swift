import Foundation

/// Working days (工作日) in China, from the State Council's yearly holiday notice
/// (国务院办公厅关于部分节假日安排的通知), as data files: Saturdays and Sundays are rest days,
/// the notice's official holidays (放假) are off, and its adjusted working days (调休上班, always a
/// Saturday or Sunday) are on. Every other weekday is a working day.
///
/// One file per year, `cn-workdays-YYYY.tsv`, with the columns `date` (YYYY-MM-DD, in that year),
/// `kind` (`holiday` or `workday`) and optionally `name`. 2026 ships in the bundle; operators add
/// a later year as `DIR/calendar/cn-workdays-YYYY.tsv` in the node directory, no release needed
/// (a node file also takes the place of a shipped file of the same year).
///
/// A year without a file is not guessed: any answer that needs one of its days throws
/// `WorkingCalendarError.notCovered`.
public struct WorkingCalendar: Sendable {
    public enum DayKind: String, Sendable, Equatable {
        /// 放假: an official holiday, off even on a weekday.
        case holiday
        /// 调休上班: an adjusted working day, on even on a Saturday or Sunday.
        case workday
    }

    /// A day the notice lists.
    public struct SpecialDay: Sendable, Equatable {
        public let date: CalendarDate
        public let kind: DayKind
        public let name: String
    }

    /// The folder of a node directory that holds operators' calendar files.
    public static let directoryName = "calendar"

    /// The file name of one year's schedule.
    public static func fileName(year: Int) -> String { "cn-workdays-\(year).tsv" }

    /// Per covered year, where its schedule came from (a bundled file's name, or a path).
    public let sources: [Int: String]
    let special: [CalendarDate: SpecialDay]

    /// The years covered, in order.
    public var years: [Int] { sources.keys.sorted() }

    public func covers(year: Int) -> Bool { sources[year] != nil }

    /// A calendar from the text of yearly files. `source` names each in errors; its last path
    /// component must be `cn-workdays-YYYY.tsv`. A later file of a year already given replaces it.
    public init(files: [(source: String, text: String)]) throws {
        var sources: [Int: String] = [:]
        var special: [CalendarDate: SpecialDay] = [:]
        for file in files {
            let (year, days) = try Self.parse(source: file.source, text: file.text)
            if sources[year] != nil { special = special.filter { $0.key.year != year } }
            sources[year] = file.source
            for day in days { special[day.date] = day }
        }
        self.sources = sources
        self.special = special
    }

    /// The shipped schedules only (2026).
    public static func shipped() throws -> WorkingCalendar {
        try WorkingCalendar(files: try shippedFiles())
    }

    /// The shipped schedules and those in `nodeDirectory/calendar/` (which take the place of a
    /// shipped file of the same year). Files there not named `cn-workdays-….tsv` are ignored.
    public static func load(nodeDirectory: String) throws -> WorkingCalendar {
        var files = try shippedFiles()
        let folder = (nodeDirectory as NSString).appendingPathComponent(directoryName)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        for name in names.sorted() where name.hasPrefix("cn-workdays-") && name.hasSuffix(".tsv") {
            let path = (folder as NSString).appendingPathComponent(name)
            files.append((path, try readText(path)))
        }
        return try WorkingCalendar(files: files)
    }

    static func shippedFiles() throws -> [(source: String, text: String)] {
        let name = fileName(year: 2026)
        let url: URL
        do { url = try StandardsResources.url(name) } catch {
            throw WorkingCalendarError.malformed(file: name, line: 0, field: "file",
                                                 zh: "安装包中缺少这个文件", en: "the file is missing from the installed bundle")
        }
        return [(name, try readText(url.path))]
    }

    static func readText(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw WorkingCalendarError.malformed(file: path, line: 0, field: "file", zh: "无法读取文件", en: "the file cannot be read")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw WorkingCalendarError.malformed(file: path, line: 0, field: "file",
                                                 zh: "不是 UTF-8 文本", en: "not UTF-8 text")
        }
        return text
    }

    /// Reads one year's file: its year (from the name) and the days it lists.
    static func parse(source: String, text: String) throws -> (Int, [SpecialDay]) {
        func fail(_ line: Int, _ field: String, _ zh: String, _ en: String) -> WorkingCalendarError {
            .malformed(file: source, line: line, field: field, zh: zh, en: en)
        }
        let name = (source as NSString).lastPathComponent
        let middle = name.hasPrefix("cn-workdays-") && name.hasSuffix(".tsv")
            ? String(name.dropFirst("cn-workdays-".count).dropLast(".tsv".count)) : ""
        guard middle.utf8.count == 4, middle.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
              let year = Int(middle), year >= 1 else {
            throw fail(0, "file name", "文件名应为 cn-workdays-YYYY.tsv（YYYY 为四位年份）",
                       "the file name must be cn-workdays-YYYY.tsv (YYYY a four-digit year)")
        }
        let table: TSVTable
        do { table = try TSVTable(text: text, source: source) } catch {
            throw fail(0, "header", "没有表头行（应为 date、kind、name 三列，以制表符分隔）",
                       "no header line (expected the tab-separated columns date, kind, name)")
        }
        let headerLine = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
            .firstIndex { !$0.hasPrefix("#") && !$0.trimmingCharacters(in: .whitespaces).isEmpty }.map { $0 + 1 } ?? 0
        func column(_ name: String) throws -> Int {
            guard let index = table.header.firstIndex(of: name) else {
                throw fail(headerLine, name, "表头缺少 \(name) 列（表头为：\(table.header.joined(separator: "、"))）",
                           "the header has no column \(name) (header: \(table.header.joined(separator: ", ")))")
            }
            return index
        }
        let dateColumn = try column("date"), kindColumn = try column("kind")
        let nameColumn = table.header.firstIndex(of: "name")
        var days: [SpecialDay] = []
        var seen: [CalendarDate: Int] = [:]
        for row in table.rows {
            let dateText = row[dateColumn]
            guard !dateText.isEmpty else { throw fail(row.line, "date", "缺少日期", "the date is missing") }
            guard let date = CalendarDate(iso: dateText) else {
                throw fail(row.line, "date", "“\(dateText)”不是 YYYY-MM-DD 格式的有效日期",
                           "'\(dateText)' is not a valid date in the form YYYY-MM-DD")
            }
            guard date.year == year else {
                throw fail(row.line, "date", "日期 \(date) 不在本文件的年份 \(year) 内",
                           "the date \(date) is not in this file's year \(year)")
            }
            if let earlier = seen[date] {
                throw fail(row.line, "date", "日期 \(date) 重复（第 \(earlier) 行已列出）",
                           "the date \(date) is listed twice (already on line \(earlier))")
            }
            seen[date] = row.line
            let kindText = row[kindColumn]
            guard let kind = DayKind(rawValue: kindText) else {
                throw fail(row.line, "kind", "类型应为 holiday（放假）或 workday（调休上班），而不是“\(kindText)”",
                           "the kind must be holiday or workday, not '\(kindText)'")
            }
            if kind == .workday && !date.isWeekend {
                throw fail(row.line, "kind", "\(date) 是星期\(["一", "二", "三", "四", "五"][date.weekday - 1])，本来就是工作日；调休上班日只能是周六或周日",
                           "\(date) is a weekday, a working day anyway; an adjusted working day is always a Saturday or Sunday")
            }
            days.append(SpecialDay(date: date, kind: kind, name: nameColumn.map { row[$0] } ?? ""))
        }
        return (year, days)
    }

    /// What the notice says about `date`, when it lists it.
    public func specialDay(_ date: CalendarDate) -> SpecialDay? { special[date] }

    /// Whether `date` is a working day. Throws `notCovered` for a year without a file.
    public func isWorkingDay(_ date: CalendarDate) throws -> Bool {
        guard covers(year: date.year) else { throw WorkingCalendarError.notCovered(date: date, covered: years) }
        if let listed = special[date] { return listed.kind == .workday }
        return !date.isWeekend
    }

    /// The day on which `workingDays` working days after `start` have passed: the n-th working
    /// day after `start` (`start` itself not counted; 0 gives `start`). A request received on
    /// Friday 2026-02-13 with 5 working days to answer is due on 2026-02-27 (14 Feb is a 调休
    /// Saturday, 15–23 Feb the Spring Festival).
    public func deadline(from start: CalendarDate, workingDays: Int) throws -> CalendarDate {
        guard workingDays >= 0 else { throw WorkingCalendarError.negativeCount(workingDays) }
        var day = start
        var left = workingDays
        while left > 0 {
            guard let next = day.adding(days: 1) else { throw WorkingCalendarError.notCovered(date: day, covered: years) }
            day = next
            if try isWorkingDay(day) { left -= 1 }
        }
        return day
    }

    /// The working days after `start` up to and including `end` (so
    /// `workingDays(between: d, and: deadline(from: d, workingDays: n)) == n`); negative when
    /// `end` is before `start`, 0 when they are the same day.
    public func workingDays(between start: CalendarDate, and end: CalendarDate) throws -> Int {
        if end < start { return -(try workingDays(between: end, and: start)) }
        var count = 0
        var day = start
        while day < end {
            guard let next = day.adding(days: 1) else { break }
            day = next
            if try isWorkingDay(day) { count += 1 }
        }
        return count
    }
}

/// Why a working-day calendar could not be read, or could not answer. Every message is given in
/// Chinese (`messageZh`) and English (`messageEn`, also `description`).
public enum WorkingCalendarError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A calendar file is malformed: the file, its 1-based line (0: the file as a whole), the field.
    case malformed(file: String, line: Int, field: String, zh: String, en: String)
    /// The answer needs `date`, in a year no calendar file covers.
    case notCovered(date: CalendarDate, covered: [Int])
    /// A negative number of working days was asked for.
    case negativeCount(Int)

    public var messageZh: String {
        switch self {
        case .malformed(let file, let line, let field, let zh, _):
            return "工作日历文件 \(file)\(line > 0 ? " 第 \(line) 行" : "")，字段 \(field)：\(zh)"
        case .notCovered(let date, let covered):
            let have = covered.isEmpty ? "任何年份" : covered.map { "\($0) 年" }.joined(separator: "、")
            return "工作日历只覆盖\(have)，无法确定 \(date) 是否为工作日（不做推测）：请把国务院办公厅公布的 \(date.year) 年节假日安排写成节点目录下的 \(WorkingCalendar.directoryName)/\(WorkingCalendar.fileName(year: date.year))"
        case .negativeCount(let n):
            return "工作日数不能为负数：\(n)"
        }
    }

    public var messageEn: String {
        switch self {
        case .malformed(let file, let line, let field, _, let en):
            return "working-day calendar \(file)\(line > 0 ? ", line \(line)" : ""), field \(field): \(en)"
        case .notCovered(let date, let covered):
            let have = covered.isEmpty ? "no year" : covered.map(String.init).joined(separator: ", ")
            return "the working-day calendar covers only \(have), so whether \(date) is a working day is not known (no guess is made): add the State Council's \(date.year) holiday schedule as \(WorkingCalendar.directoryName)/\(WorkingCalendar.fileName(year: date.year)) in the node directory"
        case .negativeCount(let n):
            return "a number of working days cannot be negative: \(n)"
        }
    }

    public var description: String { messageEn }
}
