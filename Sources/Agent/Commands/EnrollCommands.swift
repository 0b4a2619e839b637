import Foundation
import JSON
import Node
import Replica

/// Shared by the `enroll` commands.
enum EnrollCommands {
    static func mapped<T>(_ body: () throws -> T) throws -> T {
        do { return try ReplicaAccess.mapped(body) } catch let e as EnrollmentError {
            throw CommandError(e.messageZh, e.description)
        }
    }

    static let childOption = OptionSpec.option("child", value: "CODE", help: "下级节点的区划代码 · the child node's code")
    static let parentURLOption = OptionSpec.option("parent-url", value: "URL",
        help: "上级地址，默认取 node.json 中的 parent_url · the parent's URL (default: parent_url in node.json)")
    static let tokenOption = OptionSpec.option("token", value: "TOKEN", help: "上级生成的一次性注册令牌 · the one-time enrollment token from the parent")

    /// Redeems `token` at the parent and stores the credential and the parent URL in `config`'s directory.
    static func redeem(config: NodeConfig, parentURL: String, token: String) throws {
        let credential = try NodeCommands.mapped { try Enrollment.redeem(config: config, parentURL: parentURL, token: token) }
        var config = config
        config.parentURL = parentURL
        try NodeCommands.mapped {
            try config.saveParentToken(credential)
            try config.save()
        }
    }
}

/// `rootsync enroll create`: a one-time enrollment token for one child, on the parent.
struct EnrollCreateCommand: Command {
    static let path = ["enroll", "create"]
    static func lock(_ parsed: ParsedArguments) -> NodeLock.Slot? { .writer }
    static let summary = "为下级生成一次性注册令牌 · issue a one-time enrollment token for a child"
    static let discussion = """
    在上级节点运行：为下级 CODE 生成一次性注册令牌，只显示这一次；副本中只保存它的 SHA-256。
    下级用 rootsync init … --parent-url URL --token TOKEN（或 rootsync enroll redeem）兑换长期凭据。
    令牌用过一次或过期后失效。有效期写作 30m、24h、7d，默认 24h。
    Run on the parent: issues a one-time token for child CODE, shown only this once; the replica
    keeps only its SHA-256. The child redeems it for its long-lived link credential with
    `rootsync init … --parent-url URL --token TOKEN` (or `rootsync enroll redeem`). A token works
    once and expires (30m, 24h, 7d; default 24h).

    例 Example:  rootsync enroll create --child 150603002001 --expires 24h --dir /var/lib/rootsync
    """
    static let options: [OptionSpec] = [
        ReplicaAccess.dirOption, EnrollCommands.childOption,
        .option("expires", value: "DURATION", help: "有效期 30m/24h/7d，默认 24h · lifetime, default 24h"),
    ]

    let parsed: ParsedArguments
    let child: String
    let lifetime: Int64

    init(_ parsed: ParsedArguments) throws {
        self.parsed = parsed
        child = try parsed.required("child")
        let text = parsed.value("expires") ?? "24h"
        guard let ms = EnrollmentExpiry.milliseconds(text) else {
            throw UsageError("--expires 应写作 30m、24h 或 7d（最长 365 天）", "--expires must look like 30m, 24h or 7d (at most 365 days)", command: Self.fullName)
        }
        lifetime = ms
    }

    func run(_ context: CommandContext) throws -> ExitCode {
        let replica = try ReplicaAccess.open(parsed, capture: false)
        guard replica.children.contains(child) else {
            let known = replica.children.isEmpty ? "（无 none）" : replica.children.joined(separator: ", ")
            throw CommandError("\(child) 不是本节点 \(replica.node.code) 的下级。下级有：\(known)",
                               "\(child) is not a child of \(replica.node.code); its children are: \(known)")
        }
        let issued = try EnrollCommands.mapped { try Enrollment.issue(replica, child: child, validFor: lifetime) }
        let time = try ReplicaAccess.time(parsed)
        let expires = time.rfc3339(milliseconds: issued.expiresMilliseconds)
        if context.json {
            context.out.json(["child": .string(child), "token": .string(issued.token), "expires": .string(expires)])
        } else {
            context.out.line("下级 \(child) 的一次性注册令牌（只显示这一次）/ one-time enrollment token for \(child) (shown only once):")
            context.out.line(issued.token)
            context.out.line("有效至 expires: \(time.display(milliseconds: issued.expiresMilliseconds))")
        }
        return .success
    }
}

/// `rootsync enroll redeem`: an initialised node exchanges a new token for a new credential.
struct EnrollRedeemCommand: Command {
    static let path = ["enroll", "redeem"]
    static func lock(_ parsed: ParsedArguments) -> NodeLock.Slot? { .writer }
    static let summary = "用注册令牌向上级换取新凭据 · redeem an enrollment token at the parent"
    static let discussion = """
    在下级节点运行：把上级用 rootsync enroll create 生成的令牌交给上级，换取新的长期凭据，
    保存到 DIR/link.token（旧凭据立即失效），并把上级地址写入 node.json。用于重新注册和更换凭据。
    Run on the child: redeems a token made by `rootsync enroll create` at the parent for a new
    long-lived credential, saved in DIR/link.token (the old one stops working at once), and records
    the parent URL in node.json. For re-enrolment (after a revoke, or a lost link.token); to change
    a working credential without downtime use `rootsync enroll rotate`. With a "tls" block in
    node.json the parent is reached over HTTPS with the node's CA and certificate.

    例 Example:  rootsync enroll redeem --dir /var/lib/rootsync --parent-url http://10.1.2.3:7622 --token 3f9c…
    """
    static let options: [OptionSpec] = [ReplicaAccess.dirOption, EnrollCommands.parentURLOption, EnrollCommands.tokenOption]

    let parsed: ParsedArguments
    let token: String
    init(_ parsed: ParsedArguments) throws {
        self.parsed = parsed
        token = try parsed.required("token")
    }

    func run(_ context: CommandContext) throws -> ExitCode {
        let config = try NodeCommands.config(parsed)
        guard config.parent != nil else {
            throw CommandError("\(config.node) 是最上级节点，没有上级", "\(config.node) is the top node; it has no parent")
        }
        guard let url = parsed.value("parent-url") ?? config.parentURL else {
            throw CommandError("不知道上级地址；请给出 --parent-url", "the parent's address is unknown; give --parent-url")
        }
        try EnrollCommands.redeem(config: config, parentURL: url, token: token)
        if context.json {
            context.out.json(["node": .string(config.node), "parent_url": .string(url), "enrolled": true])
        } else {
            context.out.line("已向上级 \(url) 注册，新凭据已保存 / enrolled at \(url); the new credential is saved in link.token")
        }
        return .success
    }
}

/// `rootsync enroll revoke`: cuts a child off at once.
struct EnrollRevokeCommand: Command {
    static let path = ["enroll", "revoke"]
    static func lock(_ parsed: ParsedArguments) -> NodeLock.Slot? { .writer }
    static let summary = "吊销下级的凭据 · revoke a child's credential"
    static let discussion = """
    在上级节点运行：删除下级 CODE 的凭据和它未用的注册令牌。它的下一个请求即被拒绝（401），
    无需重启服务。要恢复，请生成新令牌，由下级用 rootsync enroll redeem 兑换。
    Run on the parent: forgets child CODE's credential and its unused enrollment tokens. Its next
    request is refused (401), no restart needed. To let it back in, issue a new token and have the
    child run `rootsync enroll redeem`.

    例 Example:  rootsync enroll revoke --child 150603002001 --dir /var/lib/rootsync
    """
    static let options: [OptionSpec] = [ReplicaAccess.dirOption, EnrollCommands.childOption]

    let parsed: ParsedArguments
    let child: String
    init(_ parsed: ParsedArguments) throws {
        self.parsed = parsed
        child = try parsed.required("child")
    }

    func run(_ context: CommandContext) throws -> ExitCode {
        let replica = try ReplicaAccess.open(parsed, capture: false)
        try EnrollCommands.mapped { try replica.revokeChild(child) }
        if context.json {
            context.out.json(["child": .string(child), "revoked": true])
        } else {
            context.out.line("已吊销下级 \(child) 的凭据 / revoked the credential of \(child)")
        }
        return .success
    }
}

/// `rootsync enroll rotate`: the child changes its link credential without downtime.
struct EnrollRotateCommand: Command {
    static let path = ["enroll", "rotate"]
    static func lock(_ parsed: ParsedArguments) -> NodeLock.Slot? { .writer }
    static let summary = "不停机更换本节点的链路凭据 · rotate this node's link credential without downtime"
    static let discussion = """
    在下级节点运行（服务可以一直运行）：用现有凭据向上级申请新凭据，原子地写入 DIR/link.token，
    再用新凭据访问上级一次。上级在新凭据第一次被使用之前两个凭据都有效；之后旧凭据再有效 10 分钟
    （正在进行的请求不受影响），然后失效。运行中的 rootsync serve 在下一个请求时改用新凭据。
    上下级两端都写入审计日志。若确认请求失败，新凭据已保存，下一次同步即完成确认。
    Run on the child (its agent may keep running): asks the parent for a new credential over the
    authenticated link, writes it to DIR/link.token atomically, then makes one request with it.
    The parent accepts both credentials until the new one is first used, then the old one for 10
    more minutes (requests under way finish), then refuses it. A running `rootsync serve` uses the
    new credential from its next request. Both sides write it to their audit logs. If the
    confirming request fails, the new credential is saved and the next sync confirms it.

    例 Example:  rootsync enroll rotate --dir /var/lib/rootsync
    """
    static let options: [OptionSpec] = [ReplicaAccess.dirOption]

    let parsed: ParsedArguments
    init(_ parsed: ParsedArguments) throws { self.parsed = parsed }

    func run(_ context: CommandContext) throws -> ExitCode {
        let config = try NodeCommands.config(parsed)
        guard let parent = config.parent else {
            throw CommandError("\(config.node) 是最上级节点，没有上级", "\(config.node) is the top node; it has no parent")
        }
        let rotation = try NodeCommands.mapped { try LinkCredentials.rotate(config: config) }
        if let replica = try? ReplicaAccess.open(parsed, capture: false) {
            try? replica.audit("credential_rotate", detail: "parent=\(parent) confirmed=\(rotation.confirmed)")
        }
        if context.json {
            context.out.json(["node": .string(config.node), "rotated": true, "confirmed": .bool(rotation.confirmed),
                              "error": rotation.confirmError.map { .string($0) } ?? .null])
        } else if rotation.confirmed {
            context.out.line("新凭据已保存并由上级确认，旧凭据 10 分钟后失效 / new credential saved in link.token and confirmed; the old one stops working in 10 minutes")
        } else {
            context.out.line("新凭据已保存，但确认请求失败（下一次同步时确认）/ new credential saved; confirming failed (the next sync confirms it): \(rotation.confirmError ?? "")")
        }
        return .success
    }
}
