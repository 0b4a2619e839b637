#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A program started with posix_spawn, its output going to files: the one way the tests, the
/// bench and the chaos harness start agents and commands. Every wait is bounded, the peak RSS
/// (`VmHWM`) and CPU time can be read while it runs, and one still running when the value goes
/// away is killed.
public final class ChildProcess: @unchecked Sendable {
    /// How a process ended: its exit status (128 + the signal when killed), the peak resident set
    /// seen while waiting for it, in MB, and its CPU seconds (user + system, from wait4).
    public struct Exit: Sendable {
        public let status: Int32
        public let peakRSSMB: Double
        public let cpuSeconds: Double
        public init(status: Int32, peakRSSMB: Double, cpuSeconds: Double) {
            self.status = status
            self.peakRSSMB = peakRSSMB
            self.cpuSeconds = cpuSeconds
        }
    }

    public let pid: pid_t
    public let executable: String
    public let arguments: [String]
    private let lock = NSLock()
    private var ended: Exit?
    private var peak = 0.0

    /// Starts `executable`. Standard output goes to `stdout` and standard error to `stderr` (a
    /// path each, appended to; nil: /dev/null; the same path twice: one file); standard input is
    /// read from `stdin` (a path; nil: /dev/null). `environment` is added to (and overrides) this
    /// process's environment.
    public init(_ executable: String, _ arguments: [String], stdin: String? = nil, stdout: String? = nil, stderr: String? = nil,
                environment: [String: String] = [:]) throws {
        self.executable = executable
        self.arguments = arguments
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdin ?? "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0o644)
        if let stderr, stderr != stdout {
            posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        } else if stderr == nil && stdout != nil {
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        } else {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        // A library preloaded into a Swift program straight from a process without it (libfaketime
        // for the chaos harness's clock skew) leaves the program without its arguments; started by a
        // preloaded /usr/bin/env, which execs it in place, it gets them.
        let command = environment["LD_PRELOAD"] == nil ? [executable] : ["/usr/bin/env", executable]
        let argv: [UnsafeMutablePointer<CChar>?] = (command + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = env.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in argv { free(p) }; for p in envp { free(p) } }
        // Every signal at its default and none blocked, whatever this process ignores or blocks
        // (the chaos CLI ignores SIGINT, SIGTERM and SIGPIPE): an agent must stop on SIGTERM.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, command[0], &actions, &attributes, argv, envp)
        guard rc == 0 else { throw SupportError("cannot start \(executable): \(String(cString: strerror(rc)))") }
        self.pid = pid
    }

    /// How it ended, once it has (reaped here; nil while it runs).
    public var exit: Exit? {
        lock.lock()
        defer { lock.unlock() }
        if let ended { return ended }
        var status: Int32 = 0
        var usage = rusage()
        let r = wait4(pid, &status, WNOHANG, &usage)
        if r == 0 { return nil }
        if r < 0 && errno == EINTR { return nil }
        // r < 0 otherwise (ECHILD: reaped elsewhere): gone, status unknown.
        let code: Int32 = r == pid ? ((status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)) : -1
        let cpu = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        ended = Exit(status: code, peakRSSMB: peak, cpuSeconds: cpu)
        return ended
    }

    public var isRunning: Bool { exit == nil }

    /// Waits at most `timeout` seconds for the exit, sampling the peak RSS every 10 ms (wait4's
    /// ru_maxrss is no use: posix_spawn shares this process's memory until the exec, and Linux
    /// counts that in the child's). Nil when it is still running.
    @discardableResult
    public func wait(timeout: TimeInterval) -> Exit? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let rss = peakRSSMB()
            lock.lock(); peak = max(peak, rss); lock.unlock()
            if let e = exit { return e }
            if Date() >= deadline { return nil }
            usleep(10_000)
        }
    }

    public func signal(_ sig: Int32) {
        if isRunning { kill(pid, sig) }
    }

    /// Sends `sig`, waits up to `grace` seconds, then SIGKILL and up to 10 s more. Nil only when
    /// the process was not seen to exit even then (reported by callers, never waited on forever).
    @discardableResult
    public func stop(_ sig: Int32 = SIGTERM, grace: TimeInterval = 10) -> Exit? {
        guard isRunning else { return exit }
        kill(pid, sig)
        if let e = wait(timeout: sig == SIGKILL ? 10 : grace) { return e }
        kill(pid, SIGKILL)
        return wait(timeout: 10)
    }

    /// Peak resident set so far (VmHWM), in MB; -1 once it has exited.
    public func peakRSSMB() -> Double {
        guard let s = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = s.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kb = Double(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") else { return -1 }
        return kb / 1024
    }

    /// CPU seconds (user + system) used so far, from /proc while it runs, from wait4 after.
    public func cpuSeconds() -> Double {
        if let e = lock.withLock({ ended }) { return e.cpuSeconds }
        guard let s = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = s.lastIndex(of: ")") else { return -1 }
        let fields = s[s.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let u = Double(fields[11]), let k = Double(fields[12]) else { return -1 }
        return (u + k) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    deinit {
        if isRunning { kill(pid, SIGKILL); _ = wait(timeout: 10) }
    }
}
