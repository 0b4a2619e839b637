/// Parses one command's arguments against its declared options; unknown options are errors.
struct ArgumentParser {
    /// Options every command accepts.
    static let common: [OptionSpec] = [
        .flag("json", help: "输出 JSON，供程序读取 · machine-readable JSON output"),
        .flag("help", help: "显示本帮助 · show this help"),
    ]

    static func parse(_ words: ArraySlice<String>, for command: any Command.Type) throws -> ParsedArguments {
        var parsed = ParsedArguments()
        parsed.commandName = command.fullName
        let specs = command.options + common
        var rest = words
        var onlyPositionals = false
        while let word = rest.popFirst() {
            if onlyPositionals || !word.hasPrefix("--") || word == "-" {
                if word.hasPrefix("-") && word.count > 1 && !onlyPositionals && word != "-" && Double(word) == nil {
                    throw UsageError("未知选项 \(word)", "unknown option \(word)", command: command.fullName)
                }
                parsed.positionals.append(word)
                continue
            }
            if word == "--" { onlyPositionals = true; continue }
            var name = String(word.dropFirst(2))
            var inlineValue: String?
            if let eq = name.firstIndex(of: "=") {
                inlineValue = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            guard let spec = specs.first(where: { $0.name == name }) else {
                throw UsageError("未知选项 --\(name)", "unknown option --\(name)", command: command.fullName)
            }
            if spec.valueName == nil {
                guard inlineValue == nil else {
                    throw UsageError("选项 --\(name) 不带值", "option --\(name) takes no value", command: command.fullName)
                }
                parsed.flags.insert(name)
            } else {
                guard let value = inlineValue ?? rest.popFirst() else {
                    throw UsageError("选项 --\(name) 需要一个值 \(spec.valueName!)", "option --\(name) needs a value \(spec.valueName!)", command: command.fullName)
                }
                if !spec.repeatable, parsed.values[name] != nil {
                    throw UsageError("选项 --\(name) 只能给一次", "option --\(name) given more than once", command: command.fullName)
                }
                parsed.values[name, default: []].append(value)
            }
        }
        if parsed.flag("help") { return parsed }
        let maxPositionals = command.arguments.count
        if parsed.positionals.count > maxPositionals {
            let extra = parsed.positionals[maxPositionals]
            throw UsageError("多余的参数 \(extra)", "unexpected argument \(extra)", command: command.fullName)
        }
        let required = command.arguments.filter { !$0.optional }.count
        if parsed.positionals.count < required {
            let missing = command.arguments[parsed.positionals.count].name
            throw UsageError("缺少参数 \(missing)", "missing argument \(missing)", command: command.fullName)
        }
        return parsed
    }
}
