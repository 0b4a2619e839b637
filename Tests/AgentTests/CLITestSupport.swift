import Foundation
import JSON
import TestSupport
@testable import Agent

/// Runs the CLI in-process with captured output.
struct CLIResult {
    let code: ExitCode
    let out: String
    let err: String
    var lines: [String] { out.split(separator: "\n").map(String.init) }
    func jsonLines() throws -> [JSONValue] { try lines.map { try JSONParser.parse($0) } }
}

func runCLI(_ arguments: [String], stdin: String = "") -> CLIResult {
    let out = OutputSink(), err = OutputSink()
    let code = RootsyncCLI.main(arguments) { json in
        CommandContext(out: out, err: err, input: LineReader(text: stdin), json: json)
    }
    return CLIResult(code: code, out: out.capturedText, err: err.capturedText)
}

/// One runner for every program these tests run (each call's files in a directory of its own, removed after).
let programs: ProgramRunner = {
    do { return try ProgramRunner() } catch { fatalError("no program runner: \(error)") }
}()

/// Runs the real executable as a child process, feeding `stdin` from a file (no pipe deadlocks).
func runProcess(_ arguments: [String], stdinFile: URL? = nil, timeout: TimeInterval = 60) throws -> ProgramResult {
    try programs.run(try RootsyncExecutable.path(), arguments, timeout: timeout, stdin: stdinFile?.path)
}
