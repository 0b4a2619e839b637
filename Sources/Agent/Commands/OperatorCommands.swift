import Foundation
import JSON
import Node
import Replica

/// Shared by the `operator` commands: the web app's accounts at this node.
enum OperatorCommands {
    static let nameArgument = ArgumentSpec("NAME", help: "操作员名称（登录用户名），例如 王芳（最长 64 个字符）· the operator's name, used to sign in (at most 64 characters)")

    static func mapped<T>(_ body: () throws -> T) throws -> T {
        do { return try ReplicaAccess.mapped(body) } catch let e as OperatorError { throw error(e) }
    }

    /// An operator refusal as the CLI reports it: its field named, exit 3 for an unknown operator.
    static func error(_ e: OperatorError) -> CommandError {
        var exit = ExitCode.failure
        if case .unknown = e { exit = .notFound }
        return CommandError(e.messageZh, e.description, exitCode: exit, details: JSONObject([("field", .string(e.field))]))
    }

    /// The new password from standard input: its first line, as it is (no trimming). A person at
    /// a terminal types it twice without echo; a script pipes it in once.
    static func readPassword(_ context: CommandContext, name: String) throws -> String {
        let typing = context.input.terminal != nil
        if typing { context.err.write("操作员 \(name) 的新密码 / new password for \(name): "); context.err.flush() }
        guard let password = try context.input.nextSecretLine(), !password.isEmpty else {
            if typing { context.err.write("\n") }
            throw CommandError("没有从标准输入读到密码（第一行即密码）", "no password on standard input (its first line is the password)",
                               details: JSONObject([("field", .string("password"))]))
        }
        if typing {
            context.err.write("\n再输入一次 / again: ")
            context.err.flush()
            let again = try context.input.nextSecretLine()
            context.err.write("\n")
            guard again == password else {
                throw CommandError("两次输入的密码不一致", "the two passwords differ", details: JSONObject([("field", .string("password"))]))
            }
        }
        try mapped { try OperatorPasswords.checkAcceptable(password, name: name) }
        return password
    }
}

/// `rootsync operator add NAME --role ROLE`: an account for the web app; the password comes from standard input.
struct OperatorAddCommand: Command {
    static let path = ["operator", "add"]
    static func lock(_ parsed: ParsedArguments) -> NodeLock.Slot? { .writer }
    static let summary = "添加一表通操作员（密码从标准输入读取）· add a web app operator (password read from standard input)"
    static let discussion = """
    为本节点的一表通（网页应用）添加操作员 NAME，角色为 clerk（办事员：录入、查询，身份证号和电话
    打码显示）、reviewer（审核员：另可看到完整号码）或 administrator（管理员）。密码从标准输入的第一行
    读取（至少 8 个字符，不能与名称相同），在终端上输入两次且不回显；节点只保存它的 PBKDF2-HMAC-SHA256
    加盐哈希（60 万次迭代）。操作写入审计日志。账户只在本节点有效，不同步。
    Adds operator NAME to this node's web app, with role clerk (enters and searches records; sees
    ID and phone numbers masked), reviewer (also sees them whole) or administrator. The password is
    the first line of standard input (at least 8 characters, not the name); at a terminal it is
    typed twice without echo. The node keeps only a salted PBKDF2-HMAC-SHA256 hash (600,000
    iterations). The action is audited. Accounts are valid at this node only and never synced.

    例 Example:  printf '%s\\n' "$PASSWORD" | rootsync operator add 王芳 --role clerk --dir /var/lib/rootsync
    """
    static let arguments = [OperatorCommands.nameArgument]
    static let options: [OptionSpec] = [
        ReplicaAccess.dirOption,
        .option("role", value: "ROLE", help: "clerk（办事员）、reviewer（审核员）或 administrator（管理员）· the operator's role"),
    ]

    let parsed: ParsedArguments
    let name: String
    let role: OperatorRole
    init(_ parsed: ParsedArguments) throws {
        self.parsed = parsed
        name = try parsed.required(argument: 0, "NAME")
        let roleName = try parsed.required("role")
        guard let role = OperatorRole(rawValue: roleName) else {
            throw UsageError(OperatorError.unknownRole(roleName).messageZh, OperatorError.unknownRole(roleName).description, command: Self.fullName)
        }
        self.role = role
    }

    func run(_ context: CommandContext) throws -> ExitCode {
        let replica = try ReplicaAccess.open(parsed, capture: false)
        try OperatorCommands.mapped { try Replica.checkOperatorName(name) }
        if try OperatorCommands.mapped({ try replica.operatorAccount(name) }) != nil {
            throw OperatorCommands.error(.duplicate(name))
        }
        let password = try OperatorCommands.readPassword(context, name: name)
        try OperatorCommands.mapped { try replica.addOperator(name: name, role: role, password: OperatorPasswords.make(password)) }
        if context.json {
            context.out.json(["name": .string(name), "role": .string(role.rawValue), "node": .string(replica.node.code)])
        } else {
            context.out.line("已在节点 \(replica.node.code) 添加操作员 \(name)（\(role.nameZh)）/ added operator \(name) (\(role.rawValue)) at node \(replica.node.code)")
        }
        return .success
    }
}

/// `rootsync operator passwd NAME`: a new password from standard input; the operator's sessions end.
struct OperatorPasswdCommand: Command {
    static let path = ["operator", "passwd"]
    static func lock(_ parsed: ParsedArguments) -> NodeLock.Slot? { .writer }
    static let summary = "重设操作员密码（从标准输入读取）· set an operator's password (read from standard input)"
    static let discussion = """
    为操作员 NAME 设置新密码（标准输入的第一行，规则同 operator add）。该操作员已登录的会话随即失效。操作写入审计日志。
    Sets a new password for operator NAME (the first line of standard input, the rules of
    operator add). The operator's signed-in sessions end at once. The action is audited.

    例 Example:  printf '%s\\n' "$PASSWORD" | rootsync operator passwd 王芳 --dir /var/lib/rootsync
    """
    static let arguments = [OperatorCommands.nameArgument]
    static let options: [OptionSpec] = [ReplicaAccess.dirOption]

    let parsed: ParsedArguments
    let name: String
    init(_ parsed: ParsedArguments) throws {
        self.parsed = parsed
        name = try parsed.required(argument: 0, "NAME")
    }

    func run(_ context: CommandContext) throws -> ExitCode {
        let replica = try ReplicaAccess.open(parsed, capture: false)
        guard try OperatorCommands.mapped({ try replica.operatorAccount(name) }) != nil else {
            throw OperatorCommands.error(.unknown(name))
        }
        let password = try OperatorCommands.readPassword(context, name: name)
        try OperatorCommands.mapped { try replica.setOperatorPassword(name: name, password: OperatorPasswords.make(password)) }
        if context.json {
            context.out.json(["name": .string(name), "password_changed": true])
        } else {
            context.out.line("已重设操作员 \(name) 的密码 / set a new password for operator \(name)")
        }
        return .success
    }
}

/// `rootsync operator remove NAME`: deletes an account; its sessions end.
struct OperatorRemoveCommand: Command {
    static let path = ["operator", "remove"]
    static func lock(_ parsed: ParsedArguments) -> NodeLock.Slot? { .writer }
    static let summary = "删除操作员 · remove an operator"
    static let discussion = """
    删除操作员 NAME：此后不能再登录，已登录的会话在下一次请求时失效。审计日志中该操作员的记录保留。
    Removes operator NAME: it can no longer sign in, and its sessions end at their next request.
    The audit log keeps everything the operator did.
    """
    static let arguments = [OperatorCommands.nameArgument]
    static let options: [OptionSpec] = [ReplicaAccess.dirOption]

    let parsed: ParsedArguments
    let name: String
    init(_ parsed: ParsedArguments) throws {
        self.parsed = parsed
        name = try parsed.required(argument: 0, "NAME")
    }

    func run(_ context: CommandContext) throws -> ExitCode {
        let replica = try ReplicaAccess.open(parsed, capture: false)
        try OperatorCommands.mapped { try replica.removeOperator(name: name) }
        if context.json {
            context.out.json(["name": .string(name), "removed": true])
        } else {
            context.out.line("已删除操作员 \(name) / removed operator \(name)")
        }
        return .success
    }
}

/// `rootsync operator list`: this node's operators, never their passwords.
struct OperatorListCommand: Command {
    static let path = ["operator", "list"]
    static let summary = "列出本节点的一表通操作员 · list this node's web app operators"
    static let discussion = """
    列出本节点的操作员：名称、角色、创建时间和创建人、最近一次设置密码的时间。不显示密码或其哈希。
    --json 每个操作员输出一行 JSON。
    Lists this node's operators: name, role, when and by whom the account was created, when its
    password was last set. Passwords and their hashes are never shown. With --json, one object a line.
    """
    static let options: [OptionSpec] = [ReplicaAccess.dirOption]

    let parsed: ParsedArguments
    init(_ parsed: ParsedArguments) throws { self.parsed = parsed }

    func run(_ context: CommandContext) throws -> ExitCode {
        let replica = try ReplicaAccess.open(parsed, capture: false)
        let accounts = try OperatorCommands.mapped { try replica.operators() }
        CatalogueAccess.emit(accounts, context, empty: "本节点没有操作员 · this node has no operators",
            json: { a in
                ["name": .string(a.name), "role": .string(a.role.rawValue), "created_at": .string(a.createdAt),
                 "created_by": .string(a.createdBy), "password_changed_at": .string(a.passwordChangedAt)]
            },
            text: { a in
                context.out.line("\(a.name)  \(a.role.nameZh) \(a.role.rawValue)  创建 created \(a.createdAt) by \(a.createdBy)  密码设置于 password set \(a.passwordChangedAt)")
            })
        return .success
    }
}
