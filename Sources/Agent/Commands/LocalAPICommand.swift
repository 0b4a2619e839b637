import Foundation
import JSON
import Node

/// `rootsync local-api credential`: lets other machines use the local API, with a credential.
struct LocalAPICredentialCommand: Command {
    static let path = ["local-api", "credential"]
    static func lock(_ parsed: ParsedArguments) -> NodeLock.Slot? { .writer }
    static let summary = "为本地接口设置远程访问凭据 · set the credential for the local API from other machines"
    static let discussion = """
    本地接口（/v1/status、/v1/records/…）默认只接受本机（回环地址）访问。运行本命令生成一个凭据，
    只显示这一次；节点目录中只保存它的 SHA-256（local-api.sha256，权限 0600）。此后其他机器
    可以带 Authorization: Bearer 凭据访问本地接口（请同时配置 TLS）；没有或错误的凭据得到 401。
    再次运行即更换凭据（旧的立即失效），--remove 删除凭据，恢复为只接受本机访问。运行中的服务
    对每个请求重新读取，无需重启。
    The local API (/v1/status, /v1/records/…) answers loopback only by default. This prints a new
    credential once and keeps only its SHA-256 in DIR/local-api.sha256 (mode 0600). From then on
    other machines may use the local API with `Authorization: Bearer CREDENTIAL` (configure TLS
    too); a missing or wrong credential gets 401. Running it again replaces the credential (the
    old one stops at once); --remove deletes it, back to loopback only. A running agent reads it
    on every request, no restart needed.

    例 Example:  rootsync local-api credential --dir /var/lib/rootsync
    """
    static let options: [OptionSpec] = [
        ReplicaAccess.dirOption,
        .flag("remove", help: "删除凭据，只接受本机访问 · remove it: loopback only again"),
    ]

    let parsed: ParsedArguments
    init(_ parsed: ParsedArguments) throws { self.parsed = parsed }

    func run(_ context: CommandContext) throws -> ExitCode {
        let config = try NodeCommands.config(parsed)
        let replica = try ReplicaAccess.open(parsed, capture: false)
        if parsed.flag("remove") {
            try NodeCommands.mapped { try LocalAPICredential.remove(directory: config.directory) }
            try ReplicaAccess.mapped { try replica.audit("local_api_credential_remove", detail: "node=\(config.node)") }
            if context.json {
                context.out.json(["node": .string(config.node), "remote_access": false])
            } else {
                context.out.line("已删除本地接口凭据，只接受本机访问 / local API credential removed: loopback only")
            }
            return .success
        }
        let token = try NodeCommands.mapped { try LocalAPICredential.create(directory: config.directory) }
        try ReplicaAccess.mapped { try replica.audit("local_api_credential_create", detail: "node=\(config.node)") }
        if context.json {
            context.out.json(["node": .string(config.node), "remote_access": true, "credential": .string(token)])
        } else {
            context.out.line("本地接口的远程访问凭据（只显示这一次）/ local API credential for other machines (shown only once):")
            context.out.line(token)
        }
        return .success
    }
}
