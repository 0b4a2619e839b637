#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// One agent per replica: POSIX record locks (`fcntl(F_SETLK)`) on `DIR/rootsync.lock`, which
/// the kernel releases when the holding process exits, however it exits.
///
/// The file has two one-byte slots:
/// - `agent` (byte 0): held by `rootsync serve` for its whole life, and by `rootsync up` while it
///   sets a node up. A second agent fails at once, naming the PID that holds it.
/// - `writer` (byte 1): held by every writing command (put, import, delete, resolve, sync,
///   doctor --repair, enroll, catalogue changes, …) while it runs, so two of them never
///   interleave on one replica. A writer waits a little for another one to finish. A running
///   agent does not hold it: office programs and these commands write while the agent runs,
///   as they always could (SQLite serialises the transactions; the agent notices the change).
/// - `supervisor` (byte 2): held by `rootsync up` in its base directory (`BASE/rootsync.lock`) for
///   as long as it supervises the hierarchy there; `up --stop` and `up --restart` find it by it.
///
/// POSIX record locks belong to the process, and closing *any* descriptor of the file drops all
/// of them. So each process opens the file once (`LockTable`) and keeps the descriptor open while
/// any slot is held; taking a slot the process already holds only counts it (no self-deadlock
/// when the agent or `up` reaches the same directory twice).
public final class NodeLock: @unchecked Sendable {
    public enum Slot: Int, Sendable {
        case agent = 0
        case writer = 1
        case supervisor = 2
    }

    public static let fileName = "rootsync.lock"

    public let directory: String
    public let slot: Slot
    private let stateLock = NSLock()
    private var held = true

    private init(directory: String, slot: Slot) {
        self.directory = directory
        self.slot = slot
    }

    deinit { release() }

    public static func path(directory: String) -> String {
        (directory as NSString).appendingPathComponent(fileName)
    }

    /// Takes `slot` in `directory`'s lock file, waiting up to `wait` seconds while another
    /// process holds it; throws `NodeLockError.held` naming that process.
    public static func acquire(directory: String, slot: Slot, wait: Double = 0) throws -> NodeLock {
        let path = path(directory: directory)
        let deadline = Date().addingTimeInterval(wait)
        while true {
            switch try LockTable.take(path: path, slot: slot) {
            case .taken:
                return NodeLock(directory: directory, slot: slot)
            case .heldBy(let pid):
                if Date() >= deadline {
                    throw NodeLockError.held(slot: slot, pid: pid, directory: directory, waited: wait)
                }
                usleep(50_000)
            }
        }
    }

    /// The process holding `slot` of `directory`'s lock, if any other process does.
    public static func holder(directory: String, slot: Slot) throws -> Int32? {
        try LockTable.holder(path: path(directory: directory), slot: slot)
    }

    /// Gives the slot back (also done when the object goes away or the process exits).
    public func release() {
        stateLock.lock()
        let wasHeld = held
        held = false
        stateLock.unlock()
        if wasHeld { LockTable.give(path: Self.path(directory: directory), slot: slot) }
    }
}

/// A lock slot another process holds.
public enum NodeLockError: Error, CustomStringConvertible, Equatable {
    case held(slot: NodeLock.Slot, pid: Int32?, directory: String, waited: Double)
    /// A system call on the lock file failed (the directory is missing or not writable, …).
    case system(call: String, path: String, errno: Int32, message: String)

    public var pid: Int32? {
        if case .held(_, let pid, _, _) = self { return pid }
        return nil
    }

    private var pidText: String { pid.map { "PID \($0)" } ?? "PID ?" }

    public var description: String {
        switch self {
        case .held(.agent, _, let dir, _):
            return "another rootsync agent (\(pidText)) is already running the node in \(dir); only one agent may run per replica (lock \(NodeLock.path(directory: dir)))"
        case .held(.writer, _, let dir, let waited):
            return "another rootsync command (\(pidText)) is writing to the replica in \(dir) and did not finish within \(Int(waited)) s (lock \(NodeLock.path(directory: dir)))"
        case .held(.supervisor, _, let dir, _):
            return "another rootsync up (\(pidText)) is already supervising the hierarchy in \(dir) (lock \(NodeLock.path(directory: dir))); stop it with rootsync up --stop --dir \(dir)"
        case .system(let call, let path, let code, let message):
            return "cannot lock \(path): \(call) failed: \(message) (errno \(code))"
        }
    }

    public var messageZh: String {
        switch self {
        case .held(.agent, _, let dir, _):
            return "另一个 rootsync 代理（进程号 \(pidText)）已在运行 \(dir) 中的节点；每个副本只能运行一个代理（锁文件 \(NodeLock.path(directory: dir))）"
        case .held(.writer, _, let dir, let waited):
            return "另一个 rootsync 命令（进程号 \(pidText)）正在写入 \(dir) 中的副本，等待 \(Int(waited)) 秒仍未结束（锁文件 \(NodeLock.path(directory: dir))）"
        case .held(.supervisor, _, let dir, _):
            return "另一个 rootsync up（进程号 \(pidText)）已在管理 \(dir) 中的层级（锁文件 \(NodeLock.path(directory: dir))）；用 rootsync up --stop --dir \(dir) 停止它"
        case .system(let call, let path, let code, let message):
            return "无法锁定 \(path)：\(call) 失败：\(message)（errno \(code)）"
        }
    }
}

/// The process's one descriptor per lock file and the slots it holds on it. Every C call on
/// lock files is made here, through `check`.
enum LockTable {
    enum Outcome { case taken, heldBy(Int32?) }

    private struct File {
        var fd: Int32
        var counts: [NodeLock.Slot: Int] = [:]
    }

    private static let mutex = NSLock()
    nonisolated(unsafe) private static var files: [String: File] = [:]

    static func take(path: String, slot: NodeLock.Slot) throws -> Outcome {
        mutex.lock()
        defer { mutex.unlock() }
        var file = try files[path] ?? File(fd: openFile(path))
        if let n = file.counts[slot], n > 0 {
            file.counts[slot] = n + 1
            files[path] = file
            return .taken
        }
        var request = region(slot, type: F_WRLCK)
        if fcntl(file.fd, F_SETLK, &request) == -1 {
            let code = errno
            guard code == EAGAIN || code == EACCES else {
                closeIfUnused(path, file)
                throw failure("fcntl(F_SETLK)", path, code)
            }
            let pid = try holder(fd: file.fd, path: path, slot: slot)
            closeIfUnused(path, file)
            return .heldBy(pid)
        }
        file.counts[slot] = 1
        files[path] = file
        if slot != .writer { note(file.fd, path) }
        return .taken
    }

    static func give(path: String, slot: NodeLock.Slot) {
        mutex.lock()
        defer { mutex.unlock() }
        guard var file = files[path], let n = file.counts[slot], n > 0 else { return }
        if n > 1 {
            file.counts[slot] = n - 1
            files[path] = file
            return
        }
        file.counts[slot] = nil
        var request = region(slot, type: F_UNLCK)
        // Cannot fail on a descriptor we hold; and the lock goes with the process anyway.
        _ = try? check("fcntl(F_UNLCK)", path, fcntl(file.fd, F_SETLK, &request))
        if file.counts.isEmpty {
            // Closing drops every lock this process has on the file: only once none is held.
            close(file.fd)
            files[path] = nil
        } else {
            files[path] = file
        }
    }

    static func holder(path: String, slot: NodeLock.Slot) throws -> Int32? {
        mutex.lock()
        defer { mutex.unlock() }
        if let file = files[path] {
            if (file.counts[slot] ?? 0) > 0 { return nil }
            return try holder(fd: file.fd, path: path, slot: slot)
        }
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let fd = try openFile(path)
        defer { close(fd) }
        return try holder(fd: fd, path: path, slot: slot)
    }

    /// The PID of a process holding `slot` (F_GETLK), or nil when none does any more.
    private static func holder(fd: Int32, path: String, slot: NodeLock.Slot) throws -> Int32? {
        var probe = region(slot, type: F_WRLCK)
        try check("fcntl(F_GETLK)", path, fcntl(fd, F_GETLK, &probe))
        return probe.l_type == Int16(F_UNLCK) ? nil : probe.l_pid
    }

    private static func openFile(_ path: String) throws -> Int32 {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        try check("open", path, fd)
        return fd
    }

    /// The agent's PID in the file, for people (`cat rootsync.lock`); the lock itself is what counts.
    private static func note(_ fd: Int32, _ path: String) {
        let text = Array("\(getpid())\n".utf8)
        guard (try? check("ftruncate", path, ftruncate(fd, 0))) != nil else { return }
        _ = try? check("pwrite", path, Int32(text.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }))
    }

    private static func closeIfUnused(_ path: String, _ file: File) {
        if files[path] == nil { close(file.fd) }
    }

    private static func region(_ slot: NodeLock.Slot, type: Int32) -> flock {
        var region = flock()
        region.l_type = Int16(type)
        region.l_whence = Int16(SEEK_SET)
        region.l_start = off_t(slot.rawValue)
        region.l_len = 1
        return region
    }

    @discardableResult
    private static func check(_ call: String, _ path: String, _ rc: Int32) throws -> Int32 {
        guard rc == -1 else { return rc }
        throw failure(call, path, errno)
    }

    private static func failure(_ call: String, _ path: String, _ code: Int32) -> NodeLockError {
        .system(call: call, path: path, errno: code, message: String(cString: strerror(code)))
    }
}
