import JSON
import SQLite

/// `rootsync version`.
struct VersionCommand: Command {
    static let path = ["version"]
    static let summary = "显示版本 · show the version"
    let parsed: ParsedArguments
    init(_ parsed: ParsedArguments) throws { self.parsed = parsed }

    func run(_ context: CommandContext) throws -> ExitCode {
        if context.json {
            context.out.json(["rootsync": .string(RootsyncCLI.version), "sqlite": .string(Database.libraryVersion)])
        } else {
            context.out.line("rootsync \(RootsyncCLI.version) (SQLite \(Database.libraryVersion))")
        }
        return .success
    }
}
