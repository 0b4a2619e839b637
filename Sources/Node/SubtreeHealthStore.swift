import Foundation
import JSON
import Sync

/// What a node knows of the health of every node below it: `DIR/subtree-health.json`, written
/// (atomically) when a child reports after its round, read by `status --tree`, `GET
/// /v1/status/tree` and by this node's own report to its parent. Monitoring state, not data: it
/// is not synced as versions, and a lost file only means "not heard yet" until the next round.
public final class SubtreeHealthStore: @unchecked Sendable {
    public static let fileName = "subtree-health.json"

    public let path: String
    private let lock = NSLock()

    public init(directory: String) {
        path = (directory as NSString).appendingPathComponent(Self.fileName)
    }

    /// The entries kept (none when the file is missing or unreadable).
    public func load() -> [NodeHealth] {
        lock.withLock { Self.read(path) }
    }

    static func read(_ path: String) -> [NodeHealth] {
        guard let data = FileManager.default.contents(atPath: path),
              let json = try? JSONParser.parse(bytes: Array(data)),
              let report = try? HealthReport(json: json) else { return [] }
        return report.nodes
    }

    /// Merges `report` from `child` (see `HealthReport.merged`) and saves the result; returns how
    /// many entries are kept.
    @discardableResult
    public func receive(_ report: HealthReport, from child: String, at now: Int64) throws -> Int {
        try lock.withLock {
            let merged = try report.merged(into: Self.read(path), from: child, at: now)
            let temp = path + ".tmp-\(getpid())"
            let text = HealthReport(nodes: merged).json.text + "\n"
            guard FileManager.default.createFile(atPath: temp, contents: Data(text.utf8)), rename(temp, path) == 0 else {
                unlink(temp)
                throw ConfigError("无法写入 \(path)", "cannot write \(path)")
            }
            return merged.count
        }
    }
}
