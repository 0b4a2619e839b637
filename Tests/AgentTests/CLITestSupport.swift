import Foundation
import JSON
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

/// The built `rootsync` executable, next to the test bundle.
func rootsyncBinary() throws -> URL {
    var dir = Bundle.main.bundleURL
    for _ in 0..<4 {
        let candidate = dir.appendingPathComponent("rootsync")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        dir = dir.deletingLastPathComponent()
    }
    for path in [".build/debug/rootsync", ".build/release/rootsync"] where FileManager.default.isExecutableFile(atPath: path) {
        return URL(fileURLWithPath: path)
    }
    struct NotBuilt: Error {}
    throw NotBuilt()
}

/// Runs the real executable as a child process, feeding `stdin` from a file (no pipe deadlocks).
func runProcess(_ arguments: [String], stdinFile: URL? = nil, timeout: TimeInterval = 60) throws -> (code: Int32, out: String, err: String) {
    let process = Process()
    process.executableURL = try rootsyncBinary()
    process.arguments = arguments
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rs-proc-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let outURL = dir.appendingPathComponent("out"), errURL = dir.appendingPathComponent("err")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    process.standardOutput = try FileHandle(forWritingTo: outURL)
    process.standardError = try FileHandle(forWritingTo: errURL)
    process.standardInput = try stdinFile.map { try FileHandle(forReadingFrom: $0) } ?? FileHandle.nullDevice
    try process.run()
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning && Date() < deadline { usleep(10_000) }
    if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
    process.waitUntilExit()
    return (process.terminationStatus,
            (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
            (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
}
