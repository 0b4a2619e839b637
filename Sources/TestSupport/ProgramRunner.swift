#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Runs programs to completion with their output captured through files in one scratch
/// directory (no pipes, so no pipe deadlock), each killed after its timeout. Safe to share
/// between threads.
public final class ProgramRunner: @unchecked Sendable {
    /// Where the output files go; nil: a directory of their own per call, removed after it.
    public let scratch: URL?
    private let lock = NSLock()
    private var counter = 0

    public init(scratch: URL? = nil) throws {
        self.scratch = scratch
        if let scratch { try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true) }
    }

    /// A file name prefix for one call, and what to remove after it.
    private func nextName(_ kind: String) throws -> (prefix: String, directory: URL?) {
        guard let scratch else {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rs-program-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            return (dir.appendingPathComponent(kind).path, dir)
        }
        lock.lock(); defer { lock.unlock() }
        counter += 1
        return (scratch.appendingPathComponent("\(kind)\(counter)").path, nil)
    }

    /// Runs to completion, standard input from `stdin` (a path) or /dev/null; SIGKILLed after
    /// `timeout` seconds, which throws (with its output so far).
    public func run(_ executable: String, _ arguments: [String], timeout: TimeInterval = 60, stdin: String? = nil,
                    environment: [String: String] = [:]) throws -> ProgramResult {
        let (name, directory) = try nextName("p")
        let outPath = name + ".out", errPath = name + ".err"
        defer { unlink(outPath); unlink(errPath); if let directory { try? FileManager.default.removeItem(at: directory) } }
        let process = try ChildProcess(executable, arguments, stdin: stdin, stdout: outPath, stderr: errPath, environment: environment)
        let exit = process.wait(timeout: timeout)
        let out = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        guard let exit else {
            process.stop(SIGKILL)
            throw SupportError("\((executable as NSString).lastPathComponent) \(arguments.joined(separator: " ")) timed out after \(Int(timeout)) s\nstdout: \(out.suffix(2000))\nstderr: \(err.suffix(2000))")
        }
        return ProgramResult(code: exit.status, out: out, err: err)
    }

    /// An HTTP request through the system curl (loopback only); status 0 when no connection
    /// could be made. `bodyFile` sends a file as it is; `extra` are more curl arguments.
    public func curl(_ method: String, _ url: String, headers: [String: String] = [:], body: String? = nil,
                     bodyFile: String? = nil, extra: [String] = [], timeout: TimeInterval = 20) throws -> CurlResult {
        let (name, directory) = try nextName("c")
        let responsePath = name + ".response", requestPath = name + ".request"
        defer { unlink(responsePath); unlink(requestPath); if let directory { try? FileManager.default.removeItem(at: directory) } }
        var args = ["-s", "-S", "-X", method, "-o", responsePath, "-w", "%{http_code}", "--max-time", String(Int(timeout))]
        for (field, value) in headers.sorted(by: { $0.key < $1.key }) { args += ["-H", "\(field): \(value)"] }
        if let body {
            try Data(body.utf8).write(to: URL(fileURLWithPath: requestPath))
            args += ["--data-binary", "@\(requestPath)"]
        } else if let bodyFile {
            args += ["--data-binary", "@\(bodyFile)"]
        }
        args += extra
        args.append(url)
        let r = try run("/usr/bin/curl", args, timeout: timeout + 5)
        let status = Int(r.out.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        let text = (try? String(contentsOfFile: responsePath, encoding: .utf8)) ?? ""
        return CurlResult(status: status, body: status == 0 ? r.err : text)
    }
}
