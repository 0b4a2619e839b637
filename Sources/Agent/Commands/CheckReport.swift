import JSON
import Standards

/// The outcome of checking one value against a standard, printable for a person or as JSON.
struct CheckReport {
    /// A parsed fact: JSON key, label for people, value.
    struct Fact {
        let key: String
        let label: String
        let value: JSONValue
    }

    let value: String
    let issues: [ValidationIssue]
    var facts: [Fact] = []
    var notes: [ValidationIssue] = []

    var isValid: Bool { issues.isEmpty }

    var json: JSONValue {
        var o = JSONObject()
        o.append("value", .string(value))
        o.append("valid", .bool(isValid))
        o.append("errors", .array(issues.map(Self.issueJSON)))
        for f in facts { o.append(f.key, f.value) }
        if !notes.isEmpty { o.append("notes", .array(notes.map(Self.issueJSON))) }
        return .object(o)
    }

    static func issueJSON(_ issue: ValidationIssue) -> JSONValue {
        ["field": .string(issue.field), "rule": .string(issue.rule),
         "message_zh": .string(issue.messageZh), "message_en": .string(issue.messageEn)]
    }

    func printReadable(to out: OutputSink) {
        out.line(isValid ? "✓ \(value)  有效 valid" : "✗ \(value)  无效 invalid")
        for issue in issues {
            out.line("  - \(issue.messageZh)")
            out.line("    \(issue.messageEn)  [\(issue.rule)]")
        }
        for f in facts {
            let text: String
            switch f.value {
            case .null: continue
            case .string(let s): text = s
            case .bool(let b): text = b ? "是 yes" : "否 no"
            default: text = f.value.text
            }
            out.line("  \(f.label): \(text)")
        }
        for n in notes { out.line("  注 note: \(n.messageZh) / \(n.messageEn)") }
    }
}

/// Runs a check on one VALUE, or on every line of standard input (one JSON object per line,
/// constant memory). Exit code 0 when every value is valid, 1 otherwise.
enum CheckRunner {
    static func run(_ parsed: ParsedArguments, _ context: CommandContext, check: (String) -> CheckReport) throws -> ExitCode {
        if let value = parsed.positional(0) {
            let report = check(value)
            if context.json { context.out.json(report.json) } else { report.printReadable(to: context.out) }
            return report.isValid ? .success : .failure
        }
        var allValid = true
        do {
            while let line = try context.input.nextLineText() {
                let value = line.trimmingCharacters(in: .whitespaces)
                if value.isEmpty { continue }
                let report = check(value)
                allValid = allValid && report.isValid
                context.out.json(report.json)
            }
        } catch is LineReader.LineTooLong {
            throw CommandError("输入行过长（超过 1 MiB）", "an input line is longer than 1 MiB")
        }
        return allValid ? .success : .failure
    }
}

extension JSONValue {
    init(_ s: String?) { self = s.map { .string($0) } ?? .null }
}
