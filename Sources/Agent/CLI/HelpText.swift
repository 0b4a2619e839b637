/// Help pages generated from the commands' declarations, written for office staff first.
enum HelpText {
    static func overview(_ commands: [any Command.Type]) -> String {
        var s = """
        rootsync — 根数据库同步 · sync for the grassroots root database

        用法 Usage: rootsync COMMAND [ARGUMENTS] [OPTIONS]

        命令 Commands:

        """
        let width = commands.map { $0.path.joined(separator: " ").count }.max() ?? 0
        for c in commands {
            let name = c.path.joined(separator: " ")
            s += "  \(name)\(String(repeating: " ", count: width - name.count))  \(c.summary)\n"
        }
        s += """

        每个命令都接受 --json（机器可读输出）和 --help。
        Every command accepts --json (machine-readable output) and --help.
        详细说明 Details: rootsync help COMMAND

        退出码 Exit codes: 0 成功 success · 1 无效或失败 invalid/failed · 2 用法错误 usage · 3 未找到 not found

        """
        return s
    }

    static func group(_ name: String, _ commands: [any Command.Type]) -> String {
        var s = "rootsync \(name) — 子命令 subcommands:\n\n"
        let width = commands.map { $0.path.joined(separator: " ").count }.max() ?? 0
        for c in commands {
            let n = c.path.joined(separator: " ")
            s += "  rootsync \(n)\(String(repeating: " ", count: width - n.count))  \(c.summary)\n"
        }
        s += "\n详细说明 Details: rootsync help \(name) SUBCOMMAND\n"
        return s
    }

    static func command(_ c: any Command.Type) -> String {
        var usage = c.fullName
        for a in c.arguments { usage += a.optional ? " [\(a.name)]" : " \(a.name)" }
        for o in c.options { usage += o.valueName.map { " [--\(o.name) \($0)]" } ?? " [--\(o.name)]" }
        usage += " [--json]"
        var s = "\(c.fullName) — \(c.summary)\n\n用法 Usage: \(usage)\n"
        if !c.discussion.isEmpty { s += "\n\(c.discussion)\n" }
        if !c.arguments.isEmpty {
            s += "\n参数 Arguments:\n"
            for a in c.arguments { s += "  \(a.name)  \(a.help)\n" }
        }
        s += "\n选项 Options:\n"
        for o in c.options + ArgumentParser.common {
            let left = o.valueName.map { "--\(o.name) \($0)" } ?? "--\(o.name)"
            s += "  \(left)\n      \(o.help)\n"
        }
        return s
    }
}
