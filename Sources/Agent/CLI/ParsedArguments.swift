import JSON

/// What the parser found on the command line for one command.
public struct ParsedArguments: Sendable {
    public var positionals: [String] = []
    public var values: [String: [String]] = [:]
    public var flags: Set<String> = []
    /// The command's full name, for error messages.
    public var commandName = "rootsync"

    public init() {}

    public func flag(_ name: String) -> Bool { flags.contains(name) }
    public func value(_ name: String) -> String? { values[name]?.last }
    public func all(_ name: String) -> [String] { values[name] ?? [] }
    public func positional(_ index: Int) -> String? { index < positionals.count ? positionals[index] : nil }

    /// A required option's value, or a usage error naming it.
    public func required(_ name: String) throws -> String {
        guard let v = value(name) else {
            throw UsageError("缺少选项 --\(name)", "missing option --\(name)", command: commandName)
        }
        return v
    }

    /// A required positional argument, or a usage error naming it.
    public func required(argument index: Int, _ name: String) throws -> String {
        guard let v = positional(index) else {
            throw UsageError("缺少参数 \(name)", "missing argument \(name)", command: commandName)
        }
        return v
    }
}

/// A wrong command line: printed with a pointer to the help, exit code 2.
public struct UsageError: Error, CustomStringConvertible {
    public let messageZh: String
    public let messageEn: String
    public let command: String
    public init(_ zh: String, _ en: String, command: String = "rootsync") {
        messageZh = zh
        messageEn = en
        self.command = command
    }
    public var description: String { "\(messageZh) / \(messageEn)" }
}

/// A failure a person can act on: printed in Chinese and English with the given exit code.
public struct CommandError: Error, CustomStringConvertible {
    public let messageZh: String
    public let messageEn: String
    public let exitCode: ExitCode
    /// Extra members for the JSON form of the error (e.g. "problems": [...]).
    public var details: JSONObject
    /// A next step for people, printed after the message (e.g. "rootsync init --dir …").
    public var hint: String?
    public init(_ zh: String, _ en: String, exitCode: ExitCode = .failure, details: JSONObject = JSONObject(), hint: String? = nil) {
        messageZh = zh
        messageEn = en
        self.exitCode = exitCode
        self.details = details
        self.hint = hint
    }
    public var description: String { "\(messageZh) / \(messageEn)" }
}
