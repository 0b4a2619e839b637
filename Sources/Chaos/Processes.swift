// Running programs for the chaos harness: the `rootsync` CLI to completion, agents in the
// background, curl for raw HTTP. Every wait is bounded; every process started is tracked and killed.
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Standards

public struct ChaosError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

struct ProgramResult {
    let code: Int32
    let out: String
    let err: String
}

/// Runs programs with output captured through files in one scratch directory (no pipe deadlocks).
final class ProgramRunner {
    let scratch: URL
    private var counter = 0

    init(scratch: URL) throws {
        self.scratch = scratch
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    /// Runs to completion; SIGKILLed after `timeout` seconds (then throws).
    func run(_ executable: String, _ arguments: [String], timeout: TimeInterval = 60) throws -> ProgramResult {
        counter += 1
        let outURL = scratch.appendingPathComponent("p\(counter).out"), errURL = scratch.appendingPathComponent("p\(counter).err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer { unlink(outURL.path); unlink(errURL.path) }
        let outHandle = try FileHandle(forWritingTo: outURL), errHandle = try FileHandle(forWritingTo: errURL)
        defer { try? outHandle.close(); try? errHandle.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = outHandle
        process.standardError = errHandle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(2_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            while process.isRunning { usleep(2_000) }
            throw ChaosError("\((executable as NSString).lastPathComponent) \(arguments.joined(separator: " ")) timed out after \(Int(timeout)) s")
        }
        let out = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
        return ProgramResult(code: process.terminationStatus, out: out, err: err)
    }

    /// An HTTP POST/GET through the system curl (loopback only). Returns (status, body); status 0
    /// when no connection could be made.
    func curl(_ method: String, _ url: String, headers: [String: String], body: String?, timeout: Int = 20) throws -> (status: Int, body: String) {
        counter += 1
        let responsePath = scratch.appendingPathComponent("c\(counter).response").path
        let requestPath = scratch.appendingPathComponent("c\(counter).request").path
        defer { unlink(responsePath); unlink(requestPath) }
        var args = ["-s", "-X", method, "-o", responsePath, "-w", "%{http_code}", "--max-time", String(timeout)]
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { args += ["-H", "\(name): \(value)"] }
        if let body {
            try Data(body.utf8).write(to: URL(fileURLWithPath: requestPath))
            args += ["--data-binary", "@\(requestPath)"]
        }
        args.append(url)
        let r = try run("/usr/bin/curl", args, timeout: TimeInterval(timeout + 5))
        let status = Int(r.out.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        let text = (try? String(contentsOfFile: responsePath, encoding: .utf8)) ?? ""
        return (status, text)
    }
}

/// SplitMix64: small, fast, and the same sequence for the same seed on every platform.
public struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64
    public init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func int(_ range: Range<Int>) -> Int { Int.random(in: range, using: &self) }
    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }
    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &self) < p }
    mutating func pick<T>(_ items: [T]) -> T { items[int(0..<items.count)] }
}

/// A valid GB 11643 citizen ID number from its 17-digit body.
func citizenID(_ body: String) -> String {
    body + String(CitizenID.checkCharacter(for: body)!)
}

/// A TCP port on 127.0.0.1 that is free now, below the ephemeral range so nothing else takes it
/// while its node is stopped.
func freeLoopbackPort(using rng: inout SystemRandomNumberGenerator) throws -> UInt16 {
    for _ in 0..<200 {
        let candidate = UInt16.random(in: 20_000..<32_000, using: &rng)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { continue }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = candidate.bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if rc == 0 { return candidate }
    }
    throw ChaosError("no free loopback port found")
}
