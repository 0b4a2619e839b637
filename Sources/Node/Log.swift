import Foundation

/// Structured log lines (one event per line, `key=value`), on standard error. Quiet by default;
/// `--verbose` or ROOTSYNC_LOG=info turns them on. ID and phone numbers are never logged whole.
public final class Log: @unchecked Sendable {
    public enum Level: Int, Sendable { case quiet = 0, info = 1, debug = 2 }
    public let level: Level
    private let lock = NSLock()

    public init(level: Level) { self.level = level }

    public static func fromEnvironment(verbose: Bool) -> Log {
        if verbose { return Log(level: .info) }
        switch ProcessInfo.processInfo.environment["ROOTSYNC_LOG"] {
        case "info": return Log(level: .info)
        case "debug": return Log(level: .debug)
        default: return Log(level: .quiet)
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
        let time = ISO8601DateFormatter().string(from: Date())
        var line = "time=\(time) event=\(event)"
        for (k, v) in fields.sorted(by: { $0.key < $1.key }) {
            let masked = Self.mask(v)
            line += masked.contains(" ") || masked.contains("\"") ? " \(k)=\"\(masked.replacingOccurrences(of: "\"", with: "'"))\"" : " \(k)=\(masked)"
        }
        line += "\n"
        lock.lock()
        FileHandle.standardError.write(Data(line.utf8))
        lock.unlock()
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
