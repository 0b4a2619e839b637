import Foundation
import Node
import Replica
import Transport

/// Shared by the commands that run a node: its configuration and readable errors.
enum NodeCommands {
    static func config(_ parsed: ParsedArguments) throws -> NodeConfig {
        try config(dir: ReplicaAccess.directory(parsed))
    }

    static func config(dir: String) throws -> NodeConfig {
        do { return try NodeConfig.load(directory: dir) } catch let e as ConfigError {
            throw CommandError(e.messageZh, e.messageEn)
        }
    }

    static let logFormatOption = OptionSpec.option("log-format", value: "text|json",
        help: "日志格式：text（key=value，默认）或 json（每行一个 JSON 对象）· log lines as key=value text (default) or one JSON object per line")

    /// `--log-format`, checked: text (the default) or json.
    static func logFormat(_ parsed: ParsedArguments, command: String) throws -> Log.Format {
        guard let given = parsed.value("log-format") else { return .text }
        guard let format = Log.Format(rawValue: given) else {
            throw UsageError("--log-format 应为 text 或 json，而不是 \(given)", "--log-format must be text or json, not \(given)", command: command)
        }
        return format
    }

    static func mapped<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as ConfigError {
            throw CommandError(e.messageZh, e.messageEn)
        } catch let e as RemoteError {
            throw CommandError("上级拒绝：\(e.messageZh)", "the parent refused: \(e.messageEn) (HTTP \(e.status))")
        } catch TransportError.serverStartFailed(let why) {
            // The node's own server (its listen address), not the link to the parent.
            throw CommandError("本节点的 HTTP 服务无法启动：\(why)", "this node's HTTP server could not start: \(why)")
        } catch let e as TransportError {
            throw CommandError("无法连接上级：\(e)", "cannot reach the parent: \(e)")
        } catch let e as NodeError {
            throw CommandError(e.messageZh, e.description)
        } catch let e as ReplicaError {
            throw CommandError(e.messageZh, e.description)
        }
    }
}
