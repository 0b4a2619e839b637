import Foundation
import JSON
import Node
import Replica

/// Shared by the `consumer` commands: departments' systems registered at this node.
enum ConsumerCommands {
    static let nameArgument = ArgumentSpec("NAME", help: "使用方名称，例如 民政局婚姻登记系统（最长 64 个字符）· the consumer's name, e.g. civil-affairs-marriage (at most 64 characters)")

    static func mapped<T>(_ body: () throws -> T) throws -> T {
        do { return try ReplicaAccess.mapped(body) } catch let e as ConsumerError {
            var exit = ExitCode.failure
            if case .unknown = e { exit = .notFound }
            throw CommandError(e.messageZh, e.description, exitCode: exit, details: JSONObject([("field", .string(e.field))]))
        }
    }

    /// Prints a new credential so that it is the last line of the output (scripts take it
    /// with `tail -n 1`); with --json one object holding it.
    static func printCredential(_ credential: String, name: String, node: String, action zh: String, _ en: String,
                                _ context: CommandContext) {
        if context.json {
            context.out.json(["name": .string(name), "node": .string(node), "credential": .string(credential)])
        } else {
            context.out.line("\(zh) / \(en)")
            context.out.line("凭据只显示这一次，节点只保存它的 SHA-256；请交给该系统的管理员 / the credential is shown only this once (the node keeps only its SHA-256); hand it to the system's administrator:")
            context.out.line(credential)
        }
    }
}

/// `rootsync consumer add NAME`: registers a department's system with its own credential.
struct ConsumerAddCommand: Command {
    static let path = ["consumer", "add"]
    static func lock(_ parsed: ParsedArguments) -> NodeLock.Slot? { .writer }
    static let summary = "登记数据使用方（部门系统）并生成凭据 · register a consumer (a department's system) with a new credential"
    static let discussion = """
    在本节点登记一个使用数据的部门系统（民政、卫健、公安等），为它生成专用凭据。凭据只显示这一次，
    在输出的最后一行；副本中只保存它的 SHA-256。名称不能为空，最长 64 个字符，不能含控制字符，
    不能与已登记（包括已吊销）的名称相同。操作写入审计日志（rootsync audit）。
    Registers a department's system (civil affairs, health, public security, …) that uses this
    node's data, and makes its own credential. The credential is shown only this once, on the
    last line of the output; the replica keeps only its SHA-256. The name must not be empty, is at
    most 64 characters, holds no control characters and differs from every registered name
    (revoked ones included). The action is written to the audit log (rootsync audit).

    例 Example:  rootsync consumer add 民政局婚姻登记系统 --dir /var/lib/rootsync | tail -n 1
    """
    static let arguments = [ConsumerCommands.nameArgument]
    static let options: [OptionSpec] = [ReplicaAccess.dirOption]

    let parsed: ParsedArguments
    let name: String
    init(_ parsed: ParsedArguments) throws {
        self.parsed = parsed
        name = try parsed.required(argument: 0, "NAME")
    }

    func run(_ context: CommandContext) throws -> ExitCode {
        let replica = try ReplicaAccess.open(parsed, capture: false)
        let credential = try ConsumerCommands.mapped { try ConsumerCredentials.add(replica, name: name) }
        ConsumerCommands.printCredential(credential, name: name, node: replica.node.code,
                                         action: "已在节点 \(replica.node.code) 登记使用方 \(name)",
                                         "registered consumer \(name) at node \(replica.node.code)", context)
        return .success
    }
}

/// `rootsync consumer list`: the consumers registered here.
struct ConsumerListCommand: Command {
    static let path = ["consumer", "list"]
    static let summary = "列出本节点登记的使用方 · list the consumers registered at this node"
    static let discussion = """
    列出本节点登记的使用方：名称、状态（有效/已吊销）、登记时间和登记人、最近一次更换凭据和吊销的时间。
    不显示凭据（节点没有保存凭据本身）。--json 每个使用方输出一行 JSON。
    Lists the consumers registered here: name, state (active/revoked), when and by whom it was
    registered, when its credential was last rotated and when it was revoked. Credentials are
    never shown (the node does not keep them). With --json, one JSON object per line.
    """
    static let options: [OptionSpec] = [ReplicaAccess.dirOption]

    let parsed: ParsedArguments
    init(_ parsed: ParsedArguments) throws { self.parsed = parsed }

    func run(_ context: CommandContext) throws -> ExitCode {
        let replica = try ReplicaAccess.open(parsed, capture: false)
        let consumers = try ConsumerCommands.mapped { try replica.consumers() }
        let time = try ReplicaAccess.time(parsed)
        CatalogueAccess.emit(consumers, context, empty: "本节点没有登记使用方 · no consumers are registered at this node",
            json: { c in
                ["name": .string(c.name), "state": .string(c.isActive ? "active" : "revoked"),
                 "created_at": .string(time.rfc3339(stored: c.createdAt)), "created_by": .string(c.createdBy),
                 "rotated_at": c.rotatedAt.map { .string(time.rfc3339(stored: $0)) } ?? .null,
                 "revoked_at": c.revokedAt.map { .string(time.rfc3339(stored: $0)) } ?? .null]
            },
            text: { c in
                let state = c.isActive ? "有效 active" : "已吊销 revoked \(c.revokedAt.map { time.display(stored: $0) } ?? "")"
                let rotated = c.rotatedAt.map { "  更换凭据 rotated \(time.display(stored: $0))" } ?? ""
                context.out.line("\(c.name)  \(state)  登记 created \(time.display(stored: c.createdAt)) by \(c.createdBy)\(rotated)")
            })
        return .success
    }
}

/// `rootsync consumer rotate NAME`: a new credential; the old one stops working at once.
struct ConsumerRotateCommand: Command {
    static let path = ["consumer", "rotate"]
    static func lock(_ parsed: ParsedArguments) -> NodeLock.Slot? { .writer }
    static let summary = "更换使用方的凭据 · give a consumer a new credential"
    static let discussion = """
    为使用方 NAME 生成新凭据，输出在最后一行；旧凭据立即失效（凭据泄露或人员变动时更换，
    不能让旧凭据再用一段时间）。请尽快把新凭据配置到该系统中。操作写入审计日志。
    Makes a new credential for consumer NAME, printed on the last line; the old one is refused
    from now on (a consumer's credential is rotated because it leaked or its keepers changed, so
    the old one gets no grace period). Configure the new one in the department's system at once.
    The action is written to the audit log.

    例 Example:  rootsync consumer rotate 民政局婚姻登记系统 --dir /var/lib/rootsync | tail -n 1
    """
    static let arguments = [ConsumerCommands.nameArgument]
    static let options: [OptionSpec] = [ReplicaAccess.dirOption]

    let parsed: ParsedArguments
    let name: String
    init(_ parsed: ParsedArguments) throws {
        self.parsed = parsed
        name = try parsed.required(argument: 0, "NAME")
    }

    func run(_ context: CommandContext) throws -> ExitCode {
        let replica = try ReplicaAccess.open(parsed, capture: false)
        let credential = try ConsumerCommands.mapped { try ConsumerCredentials.rotate(replica, name: name) }
        ConsumerCommands.printCredential(credential, name: name, node: replica.node.code,
                                         action: "已更换使用方 \(name) 的凭据，旧凭据已失效",
                                         "rotated the credential of consumer \(name); the old one no longer works", context)
        return .success
    }
}

/// `rootsync consumer revoke NAME`: cuts a consumer off for good.
struct ConsumerRevokeCommand: Command {
    static let path = ["consumer", "revoke"]
    static func lock(_ parsed: ParsedArguments) -> NodeLock.Slot? { .writer }
    static let summary = "吊销使用方 · revoke a consumer"
    static let discussion = """
    吊销使用方 NAME：删除它的凭据，此后用该凭据的请求一律被拒绝。吊销不能撤回；名称保留
    （审计记录不会混淆），要恢复请用新名称重新登记。操作写入审计日志。
    Revokes consumer NAME: its credential is forgotten and refused from now on. A revocation is
    final; the name stays taken (so audit entries stay unambiguous): register the system again
    under a new name. The action is written to the audit log.

    例 Example:  rootsync consumer revoke 民政局婚姻登记系统 --dir /var/lib/rootsync
    """
    static let arguments = [ConsumerCommands.nameArgument]
    static let options: [OptionSpec] = [ReplicaAccess.dirOption]

    let parsed: ParsedArguments
    let name: String
    init(_ parsed: ParsedArguments) throws {
        self.parsed = parsed
        name = try parsed.required(argument: 0, "NAME")
    }

    func run(_ context: CommandContext) throws -> ExitCode {
        let replica = try ReplicaAccess.open(parsed, capture: false)
        try ConsumerCommands.mapped { try replica.revokeConsumer(name: name) }
        if context.json {
            context.out.json(["name": .string(name), "revoked": true])
        } else {
            context.out.line("已吊销使用方 \(name) / revoked consumer \(name)")
        }
        return .success
    }
}
