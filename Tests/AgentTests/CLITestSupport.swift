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

/// One runner for the real executable (its scratch files are per call).
let programs: ProgramRunner = {
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("rs-cli-programs-\(getpid())")
    do { return try ProgramRunner(scratch: scratch) } catch { fatalError("no scratch directory for test programs: \(error)") }
}()

/// Runs the real executable as a child process, feeding `stdin` from a file (no pipe deadlocks).
func runProcess(_ arguments: [String], stdinFile: URL? = nil, timeout: TimeInterval = 60) throws -> ProgramResult {
    try programs.run(try RootsyncExecutable.path(), arguments, timeout: timeout, stdin: stdinFile?.path)
}
