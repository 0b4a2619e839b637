#if canImport(Glibc)
import Glibc
#endif
import Foundation
import JSON
import Node

/// `rootsync up --stop` and `up --restart CODE`: act on the `up` running in a base directory.
/// That up holds the supervisor slot of `BASE/rootsync.lock` (the kernel names its PID, and
/// drops the lock when it exits, however it exits). Stop is its SIGTERM; a restart is a request
/// file in the node's directory, which up takes within a fraction of a second.
enum UpControl {
    static let stopTimeout: Double = 30, requestTimeout: Double = 15, restartTimeout: Double = 45

    /// The PID of the up supervising `base`, or the error that none does.
    static func running(_ base: String) throws -> Int32 {
        guard let pid = try ReplicaAccess.mapped({ try lockHolder(base, .supervisor) }) else {
            throw CommandError("\(base) 中没有正在运行的 rootsync up", "no rootsync up is running in \(base)")
        }
        return pid
    }

    static func lockHolder(_ dir: String, _ slot: NodeLock.Slot) throws -> Int32? {
        do { return try NodeLock.holder(directory: dir, slot: slot) } catch let e as NodeLockError {
            throw CommandError(e.messageZh, e.description)
        }
    }

    static func stop(base: String, _ context: CommandContext) throws -> ExitCode {
        let pid = try running(base)
        guard kill(pid, SIGTERM) == 0 else {
            let why = String(cString: strerror(errno))
            throw CommandError("无法向 rootsync up（进程号 \(pid)）发送 SIGTERM：\(why)", "cannot send SIGTERM to rootsync up (PID \(pid)): \(why)")
        }
        let deadline = Date().addingTimeInterval(stopTimeout)
        while try lockHolder(base, .supervisor) != nil && Date() < deadline { usleep(50_000) }
        guard try lockHolder(base, .supervisor) == nil else {
            throw CommandError("rootsync up（进程号 \(pid)）在 \(Int(stopTimeout)) 秒内没有停止", "rootsync up (PID \(pid)) did not stop within \(Int(stopTimeout)) s")
        }
        if context.json {
            context.out.json(["stopped": true, "pid": .int(Int(pid)), "base": .string(base)])
        } else {
            context.out.line("已停止 rootsync up（进程号 \(pid)）及其全部节点 / stopped rootsync up (PID \(pid)) and all its nodes")
        }
        return .success
    }

    static func restart(_ code: String, base: String, _ context: CommandContext) throws -> ExitCode {
        let pid = try running(base)
        let dir = (base as NSString).appendingPathComponent(code)
        guard code.allSatisfy({ $0.isASCII && $0.isNumber }), !code.isEmpty,
              FileManager.default.fileExists(atPath: (dir as NSString).appendingPathComponent(NodeConfig.fileName)) else {
            throw CommandError("\(code) 不是 \(base) 下的节点", "\(code) is not a node under \(base)")
        }
        let old = try lockHolder(dir, .agent)
        let request = (dir as NSString).appendingPathComponent(NodeAgent.restartRequestName)
        guard FileManager.default.createFile(atPath: request, contents: Data("\(getpid())\n".utf8)) else {
            throw CommandError("无法写入 \(request)", "cannot write \(request)")
        }
        let taken = Date().addingTimeInterval(requestTimeout)
        while FileManager.default.fileExists(atPath: request) && Date() < taken { usleep(50_000) }
        if FileManager.default.fileExists(atPath: request) {
            try? FileManager.default.removeItem(atPath: request)
            throw CommandError("rootsync up（进程号 \(pid)）没有接受重启请求：\(code) 不是它正在运行的节点",
                               "rootsync up (PID \(pid)) did not take the request: \(code) is not one of the nodes it runs")
        }
        let deadline = Date().addingTimeInterval(restartTimeout)
        var now = try lockHolder(dir, .agent)
        while (now == nil || now == old) && Date() < deadline {
            usleep(50_000)
            now = try lockHolder(dir, .agent)
        }
        guard let fresh = now, fresh != old else {
            throw CommandError("\(code) 没有在 \(Int(restartTimeout)) 秒内重新启动；见 \(dir)/serve.log 和 up 的输出",
                               "\(code) did not come back within \(Int(restartTimeout)) s; see \(dir)/serve.log and up's output")
        }
        if context.json {
            context.out.json(["node": .string(code), "restarted": true, "pid": .int(Int(fresh)), "previous_pid": old.map { .int(Int($0)) } ?? .null])
        } else {
            context.out.line("✓ \(code) 已重新启动 / restarted, pid \(fresh)" + (old.map { "（原进程 previously \($0)）" } ?? ""))
        }
        return .success
    }
}
