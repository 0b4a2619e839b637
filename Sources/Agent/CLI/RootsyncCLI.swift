import JSON
import Node

/// The `rootsync` command line: finds the command named by the leading words, parses its options,
/// runs it, and turns every error into a clear message and a stable exit code.
public enum RootsyncCLI {
    /// Every command, in the order `rootsync help` lists them.
    public static let commands: [any Command.Type] = [
        CheckIDCommand.self,
        CheckUSCCCommand.self,
        CheckDivisionCommand.self,
        InitCommand.self,
        PutCommand.self,
        GetCommand.self,
        HistoryCommand.self,
        VersionsCommand.self,
        ListCommand.self,
        ImportCommand.self,
        ExportCommand.self,
        DeleteCommand.self,
        ConflictsCommand.self,
        ResolveCommand.self,
        InvalidCommand.self,
        DoctorCommand.self,
        StatusCommand.self,
        AuditCommand.self,
        BackupCommand.self,
        RestoreCommand.self,
        ServeCommand.self,
        SyncCommand.self,
        UpCommand.self,
        EnrollCreateCommand.self,
        EnrollRedeemCommand.self,
        EnrollRevokeCommand.self,
        EnrollRotateCommand.self,
        LocalAPICredentialCommand.self,
        ConsumerAddCommand.self,
        ConsumerListCommand.self,
        ConsumerRotateCommand.self,
        ConsumerRevokeCommand.self,
        OperatorAddCommand.self,
        OperatorListCommand.self,
        OperatorPasswdCommand.self,
        OperatorRemoveCommand.self,
        ShareRequestCommand.self,
        ShareDecideCommand.self,
        ShareRejectCommand.self,
        ShareRevokeCommand.self,
        ShareRateCommand.self,
        ShareListCommand.self,
        ShareFiguresCommand.self,
        DisputeRaiseCommand.self,
        DisputeAnswerCommand.self,
        DisputeListCommand.self,
        CalendarYearsCommand.self,
        CalendarDeadlineCommand.self,
        CatalogueListCommand.self,
        CatalogueShowCommand.self,
        CatalogueDraftCommand.self,
        CatalogueDraftsCommand.self,
        CatalogueReviewCommand.self,
        CatalogueHistoryCommand.self,
        CatalogueGrantCommand.self,
        CatalogueRevokeCommand.self,
        CatalogueRolesCommand.self,
        CatalogueFlaggedCommand.self,
        VersionCommand.self,
    ]

    public static let version = AgentVersion.current

    /// Runs the command line `arguments` (without the program name) and returns the exit code.
    public static func main(_ arguments: [String], context makeContext: (Bool) -> CommandContext) -> ExitCode {
        let wantsJSON = arguments.contains("--json")
        let context = makeContext(wantsJSON)
        defer { context.out.flush(); context.err.flush() }
        do {
            return try dispatch(arguments, context)
        } catch let error as UsageError {
            report(context, zh: error.messageZh, en: error.messageEn, kind: "usage",
                   hint: "rootsync help \(error.command.split(separator: " ").dropFirst().joined(separator: " "))")
            return .usage
        } catch let error as CommandError {
            report(context, zh: error.messageZh, en: error.messageEn, kind: "error", hint: error.hint, details: error.details)
            return error.exitCode
        } catch {
            report(context, zh: "意外错误", en: String(describing: error), kind: "error", hint: nil)
            return .failure
        }
    }

    static func dispatch(_ arguments: [String], _ context: CommandContext) throws -> ExitCode {
        let words = arguments.filter { $0 != "--json" }
        if words.isEmpty || words == ["--help"] || words == ["-h"] {
            context.out.write(HelpText.overview(commands))
            return words.isEmpty ? .usage : .success
        }
        if words[0] == "help" {
            return try help(Array(words.dropFirst()), context)
        }
        if words == ["--version"] { return try VersionCommand(ParsedArguments()).run(context) }
        guard let (command, used) = find(words) else {
            let group = commands.filter { $0.path.first == words[0] }
            if !group.isEmpty {
                let sub = words.count > 1 ? words[1] : nil
                context.err.write(HelpText.group(words[0], group))
                throw UsageError(sub.map { "未知的子命令 \(words[0]) \($0)" } ?? "\(words[0]) 需要一个子命令",
                                 sub.map { "unknown subcommand '\(words[0]) \($0)'" } ?? "'\(words[0])' needs a subcommand")
            }
            throw UsageError("未知命令 \(words[0])", "unknown command '\(words[0])'")
        }
        var parsed = try ArgumentParser.parse(words[used...], for: command)
        if arguments.contains("--json") { parsed.flags.insert("json") }
        if parsed.flag("help") {
            context.out.write(HelpText.command(command))
            return .success
        }
        let instance = try command.init(parsed)
        // Once per process, here: the command's own code may open the replica many times.
        let lock = try command.lock(parsed).flatMap { try ReplicaAccess.lock(parsed, $0) }
        defer { lock?.release() }
        return try instance.run(context)
    }

    /// The command whose path is the longest prefix of `words`, and how many words it used.
    static func find(_ words: [String]) -> (any Command.Type, Int)? {
        var best: (any Command.Type, Int)?
        for command in commands where words.starts(with: command.path) {
            if command.path.count > (best?.1 ?? 0) { best = (command, command.path.count) }
        }
        return best
    }

    static func help(_ words: [String], _ context: CommandContext) throws -> ExitCode {
        if words.isEmpty {
            context.out.write(HelpText.overview(commands))
            return .success
        }
        if let (command, used) = find(words), used == words.count {
            context.out.write(HelpText.command(command))
            return .success
        }
        let group = commands.filter { $0.path.starts(with: words) }
        guard !group.isEmpty else {
            throw UsageError("没有命令 \(words.joined(separator: " "))", "no command '\(words.joined(separator: " "))'")
        }
        context.out.write(HelpText.group(words.joined(separator: " "), group))
        return .success
    }

    static func report(_ context: CommandContext, zh: String, en: String, kind: String, hint: String?,
                       details: JSONObject = JSONObject()) {
        if context.json {
            var o = JSONObject()
            o.append("error", .string(kind))
            o.append("message_zh", .string(zh))
            o.append("message_en", .string(en))
            for (k, v) in details { o.append(k, v) }
            context.err.json(.object(o))
        } else {
            context.err.line("rootsync: \(zh)")
            context.err.line("rootsync: \(en)")
            if let hint { context.err.line("参见 / see: \(hint.trimmingTrailingSpace)") }
        }
    }
}

extension String {
    var trimmingTrailingSpace: String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
