import Foundation
import JSON

/// Structured log lines on standard error, one event per line: `key=value` text, or one JSON
/// object per line (`--log-format json`, for journald and log shippers). Quiet by default;
/// `--verbose` or ROOTSYNC_LOG=info turns them on. Times in the node's zone with its offset
/// (RFC 3339). ID and phone numbers are never logged whole.
public final class Log: @unchecked Sendable {
    public enum Level: Int, Sendable { case quiet = 0, info = 1, debug = 2 }
    /// How each line is written.
    public enum Format: String, Sendable, CaseIterable { case text, json }
    public let level: Level
    public let format: Format
    private let lock = NSLock()
    private var zone: NodeTime

    /// The zone of the times in the lines (node.json `time_zone`; a reload may change it).
    public var time: NodeTime {
        get { lock.withLock { zone } }
        set { lock.withLock { zone = newValue } }
    }

    public init(level: Level, format: Format = .text, time: NodeTime = .standard) {
        self.level = level
        self.format = format
        self.zone = time
    }

    public static func fromEnvironment(verbose: Bool, format: Format = .text, time: NodeTime = .standard) -> Log {
        if verbose { return Log(level: .info, format: format, time: time) }
        switch ProcessInfo.processInfo.environment["ROOTSYNC_LOG"] {
        case "info": return Log(level: .info, format: format, time: time)
        case "debug": return Log(level: .debug, format: format, time: time)
        default: return Log(level: .quiet, format: format, time: time)
        }
    }

    /// Always printed: the operator must see these.
    public func notice(_ event: String, _ fields: [String: String] = [:]) { write(event, fields) }

    public func event(_ event: String, _ fields: [String: String] = [:]) {
        if level.rawValue >= Level.info.rawValue { write(event, fields) }
    }

    public func debug(_ event: String, _ fields: [String: String] = [:]) {
        if level.rawValue >= Level.debug.rawValue { write(event, fields) }
    }

    private func write(_ event: String, _ fields: [String: String]) {
        let line = Self.line(event, fields, at: time.rfc3339(milliseconds: Int64(Date().timeIntervalSince1970 * 1000)), format: format)
        lock.lock()
        FileHandle.standardError.write(Data(line.utf8))
        lock.unlock()
    }

    /// One log line (with its newline): `time`, `event`, then the fields sorted by name, every
    /// value masked. A field named time or event cannot replace those.
    static func line(_ event: String, _ fields: [String: String], at time: String, format: Format) -> String {
        let sorted = fields.filter { $0.key != "time" && $0.key != "event" }.sorted { $0.key < $1.key }
        switch format {
        case .json:
            var o = JSONObject()
            o.append("time", .string(time))
            o.append("event", .string(event))
            for (k, v) in sorted { o.append(k, .string(mask(v))) }
            return JSONValue.object(o).text + "\n"
        case .text:
            var line = "time=\(time) event=\(event)"
            for (k, v) in sorted {
                let masked = mask(v).replacingOccurrences(of: "\n", with: " ")
                line += masked.contains(" ") || masked.contains("\"") ? " \(k)=\"\(masked.replacingOccurrences(of: "\"", with: "'"))\"" : " \(k)=\(masked)"
            }
            return line + "\n"
        }
    }

    /// Masks ID numbers (15 digits, or 17 digits and a check character) and mobile numbers
    /// (11 digits starting with 1): keeps the first 4 and last 4. Division codes (6, 9, 12 digits)
    /// stay readable.
    public static func mask(_ text: String) -> String {
        var out = ""
        var run = ""
        func flush() {
            if run.count == 18 || run.count == 15 || (run.count == 11 && run.first == "1") {
                out += run.prefix(4) + String(repeating: "*", count: run.count - 8) + run.suffix(4)
            } else {
                out += run
            }
            run = ""
        }
        for ch in text {
            if ch.isASCII && (ch.isNumber || ((ch == "X" || ch == "x") && run.count == 17)) { run.append(ch) } else { flush(); out.append(ch) }
        }
        flush()
        return out
    }
}
