import Foundation
import JSON

/// How far a long pull has come (a new child's first load, or a rescan): versions received,
/// the parent's count of all it had for us when the round began, compressed bytes, time. Shown
/// by `rootsync sync` as it goes and kept in the replica for `status` while the load runs.
public struct PullProgress: Equatable, Sendable {
    public var versions: Int
    /// Versions the round will bring in all, from the parent's estimate (nil from an earlier release).
    public var total: Int?
    public var bytes: Int64
    public var startedMilliseconds: Int64
    public var atMilliseconds: Int64
    public var done: Bool

    public init(versions: Int, total: Int?, bytes: Int64, startedMilliseconds: Int64, atMilliseconds: Int64, done: Bool) {
        self.versions = versions
        self.total = total
        self.bytes = bytes
        self.startedMilliseconds = startedMilliseconds
        self.atMilliseconds = atMilliseconds
        self.done = done
    }

    public var seconds: Double { Double(max(0, atMilliseconds - startedMilliseconds)) / 1000 }
    /// Versions per second so far (nil in the first moments, when it means nothing yet).
    public var rate: Double? { seconds >= 0.5 && versions > 0 ? Double(versions) / seconds : nil }
    /// Seconds left at the rate so far (nil without a total or a rate).
    public var secondsLeft: Double? {
        guard let total, let rate, !done else { return nil }
        return Double(max(0, total - versions)) / rate
    }

    public var json: JSONValue {
        ["versions": .int(Int64(versions)), "total": total.map { .int(Int64($0)) } ?? .null, "bytes": .int(bytes),
         "started_ms": .int(startedMilliseconds), "at_ms": .int(atMilliseconds), "done": .bool(done)]
    }

    /// The stored form (written by this release only; anything else reads as nothing).
    public init?(json: JSONValue) {
        guard let v = json["versions"]?.int64Value, let b = json["bytes"]?.int64Value, let s = json["started_ms"]?.int64Value,
              let a = json["at_ms"]?.int64Value, let d = json["done"]?.boolValue else { return nil }
        self.init(versions: Int(v), total: json["total"]?.int64Value.map { Int($0) }, bytes: b, startedMilliseconds: s, atMilliseconds: a, done: d)
    }

    /// One line for people: "拉取 pulled 120,000 / ≈2,000,000 versions (6 %) · 35.2 MB · 8,500/s · about 3 min 40 s left".
    public var line: String {
        var parts: [String] = []
        if let total, total > 0 {
            let percent = min(100, versions * 100 / total)
            parts.append("拉取 pulled \(Self.count(versions)) / ≈\(Self.count(total)) 个版本 versions (\(percent) %)")
        } else {
            parts.append("拉取 pulled \(Self.count(versions)) 个版本 versions")
        }
        parts.append(Self.megabytes(bytes))
        if let rate { parts.append("\(Self.count(Int(rate.rounded())))/s") }
        if done {
            parts.append("完成 done in \(Self.duration(seconds))")
        } else if let left = secondsLeft {
            parts.append("约剩 about \(Self.duration(left)) left")
        }
        return parts.joined(separator: " · ")
    }

    static func count(_ n: Int) -> String {
        let digits = String(n)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return out
    }

    static func megabytes(_ bytes: Int64) -> String {
        String(format: "%.1f MB", Double(bytes) / 1_000_000)
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s) s" }
        if s < 3600 { return "\(s / 60) min \(s % 60) s" }
        return "\(s / 3600) h \((s % 3600) / 60) min"
    }
}
