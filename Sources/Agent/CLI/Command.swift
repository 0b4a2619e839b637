import Node

/// A CLI command as a type: it declares its words, options and help, is built from parsed
/// arguments, and runs. `rootsync help` is generated from these declarations.
public protocol Command: Sendable {
    /// The words that name it, e.g. ["check", "id"].
    static var path: [String] { get }
    /// One line for the command list: Chinese first, then English.
    static var summary: String { get }
    /// Longer help for `rootsync help COMMAND`, written for people.
    static var discussion: String { get }
    static var arguments: [ArgumentSpec] { get }
    static var options: [OptionSpec] { get }
    /// The slot of the node directory's lock (`NodeLock`) the command holds while it runs:
    /// `.agent` for the agent, `.writer` for every command that writes to the replica, nil for
    /// commands that only read (SQLite serves them beside any writer) or manage their own.
    static func lock(_ parsed: ParsedArguments) -> NodeLock.Slot?

    init(_ parsed: ParsedArguments) throws
    func run(_ context: CommandContext) throws -> ExitCode
}

extension Command {
    public static var discussion: String { "" }
    public static var arguments: [ArgumentSpec] { [] }
    public static var options: [OptionSpec] { [] }
    public static func lock(_ parsed: ParsedArguments) -> NodeLock.Slot? { nil }
    static var fullName: String { (["rootsync"] + path).joined(separator: " ") }
}

/// Process exit codes, the same for every command so scripts can rely on them.
public struct ExitCode: RawRepresentable, Equatable, Sendable {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public static let success = ExitCode(rawValue: 0)
    /// The input was checked and is invalid, or the operation failed.
    public static let failure = ExitCode(rawValue: 1)
    /// The command line itself is wrong.
    public static let usage = ExitCode(rawValue: 2)
    /// The record asked for does not exist.
    public static let notFound = ExitCode(rawValue: 3)
}

/// A positional argument.
public struct ArgumentSpec: Sendable {
    public let name: String
    public let help: String
    public let optional: Bool
    public init(_ name: String, help: String, optional: Bool = false) {
        self.name = name
        self.help = help
        self.optional = optional
    }
}

/// A `--name VALUE` option or a `--name` flag.
public struct OptionSpec: Sendable {
    public let name: String
    /// nil for a flag; else the placeholder shown in help (e.g. "DIR").
    public let valueName: String?
    public let help: String
    public let repeatable: Bool

    public static func flag(_ name: String, help: String) -> OptionSpec {
        OptionSpec(name: name, valueName: nil, help: help, repeatable: false)
    }
    public static func option(_ name: String, value: String, help: String, repeatable: Bool = false) -> OptionSpec {
        OptionSpec(name: name, valueName: value, help: help, repeatable: repeatable)
    }
}
