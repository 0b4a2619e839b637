import Foundation
import JSON
import Standards

/// Shared by the `calendar` commands: the working-day calendar of a node directory.
enum CalendarCommands {
    /// The shipped calendar and the node directory's own files, errors as messages.
    static func load(_ parsed: ParsedArguments) throws -> WorkingCalendar {
        try mapped { try WorkingCalendar.load(nodeDirectory: ReplicaAccess.directory(parsed)) }
    }

    static func mapped<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as WorkingCalendarError {
            var details = JSONObject()
            if case .malformed(let file, let line, let field, _, _) = e {
                details = JSONObject([("file", .string(file)), ("line", .number(String(line))), ("field", .string(field))])
            }
            throw CommandError(e.messageZh, e.messageEn, details: details)
        }
    }

    static func date(_ text: String, _ name: String, command: String) throws -> CalendarDate {
        guard let d = CalendarDate(iso: text) else {
            throw UsageError("\(name) 应为 YYYY-MM-DD 格式的日期，而不是 \(text)", "\(name) must be a date YYYY-MM-DD, not \(text)", command: command)
        }
        return d
    }
}

/// `rootsync calendar years`: which years the working-day calendar covers, and from which file.
struct CalendarYearsCommand: Command {
    static let path = ["calendar", "years"]
    static let summary = "工作日历覆盖的年份 · the years the working-day calendar covers"
    static let discussion = """
    读取安装包中的工作日历（2026 年）和节点目录 DIR/calendar/ 下的 cn-workdays-YYYY.tsv，逐一检查，
    列出覆盖的年份和各自的来源文件。新增下一年的安排后运行它：文件有误时指出文件、行和字段。
    Reads the shipped working-day calendar (2026) and every cn-workdays-YYYY.tsv in DIR/calendar/,
    checks each, and lists the years covered with the file each came from. Run it after adding a
    year: a malformed file is reported with its file, line and field.

    例 Example:  rootsync calendar years --dir /var/lib/rootsync
    """
    static let options: [OptionSpec] = [ReplicaAccess.dirOption]
    let parsed: ParsedArguments
    init(_ parsed: ParsedArguments) throws { self.parsed = parsed }

    func run(_ context: CommandContext) throws -> ExitCode {
        let calendar = try CalendarCommands.load(parsed)
        for year in calendar.years {
            let source = calendar.sources[year] ?? ""
            if context.json {
                context.out.json(["year": .number(String(year)), "source": .string(source)])
            } else {
                context.out.line("\(year)  \(source)")
            }
        }
        return .success
    }
}

/// `rootsync calendar deadline DATE N`: the N-th working day after DATE.
struct CalendarDeadlineCommand: Command {
    static let path = ["calendar", "deadline"]
    static let summary = "从某日起算 N 个工作日的期限 · the date N working days after a date"
    static let discussion = """
    给出 DATE 之后第 N 个工作日（DATE 当天不算）：周六、周日休息，法定节假日放假，调休上班日上班。
    期限落在日历未覆盖的年份时报错，不做推测。
    Prints the N-th working day after DATE (DATE itself not counted): Saturdays and Sundays are
    rest days, official holidays are off, adjusted working days (调休上班) are on. A deadline in a
    year the calendar does not cover is an error, never a guess.

    例 Example:  rootsync calendar deadline 2026-09-30 5 --dir /var/lib/rootsync    # 2026-10-13
    """
    static let arguments = [ArgumentSpec("DATE", help: "起算日 YYYY-MM-DD · the start date"),
                            ArgumentSpec("N", help: "工作日数 · the number of working days")]
    static let options: [OptionSpec] = [ReplicaAccess.dirOption]
    let parsed: ParsedArguments
    let start: CalendarDate
    let count: Int
    init(_ parsed: ParsedArguments) throws {
        self.parsed = parsed
        start = try CalendarCommands.date(try parsed.required(argument: 0, "DATE"), "DATE", command: Self.fullName)
        let text = try parsed.required(argument: 1, "N")
        guard let n = Int(text), (0...10_000).contains(n) else {
            throw UsageError("N 应为 0 到 10000 之间的整数，而不是 \(text)", "N must be a whole number from 0 to 10000, not \(text)", command: Self.fullName)
        }
        count = n
    }

    func run(_ context: CommandContext) throws -> ExitCode {
        let calendar = try CalendarCommands.load(parsed)
        let due = try CalendarCommands.mapped { try calendar.deadline(from: start, workingDays: count) }
        if context.json {
            context.out.json(["from": .string(start.iso), "working_days": .number(String(count)), "deadline": .string(due.iso)])
        } else {
            context.out.line(due.iso)
        }
        return .success
    }
}
