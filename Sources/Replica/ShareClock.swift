import Foundation

/// The clock of sharing's deadlines: the wall clock, unless `ROOTSYNC_SHARE_NOW` (RFC 3339, e.g.
/// `2026-02-13T10:00:00+08:00`) says where it starts; it then runs on from there at the wall
/// clock's pace. Only sharing reads it (event times, the day deadlines and expiry are judged on),
/// never the hybrid clock of data versions, so a drill or a test can place a node in the 2026
/// Spring Festival without touching how its data syncs.
public enum ShareClock {
    public static let environmentVariable = "ROOTSYNC_SHARE_NOW"

    /// The offset from the wall clock, read once per process.
    static let offset: Int64 = {
        guard let text = ProcessInfo.processInfo.environment[environmentVariable], !text.isEmpty else { return 0 }
        guard let date = parse(text) else { return 0 }
        return Int64(date.timeIntervalSince1970 * 1000) - wall()
    }()

    static func wall() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// Set when `ROOTSYNC_SHARE_NOW` is given but is no RFC 3339 time: commands and the agent
    /// refuse to count deadlines rather than count them from the wall clock unasked.
    public static let problem: (zh: String, en: String)? = {
        guard let text = ProcessInfo.processInfo.environment[environmentVariable], !text.isEmpty else { return nil }
        return parse(text) == nil
            ? ("\(environmentVariable)=\(text) 不是 RFC 3339 时间（如 2026-02-13T10:00:00+08:00）",
               "\(environmentVariable)=\(text) is not an RFC 3339 time (e.g. 2026-02-13T10:00:00+08:00)")
            : nil
    }()

    static func parse(_ text: String) -> Date? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        if let d = f.date(from: text) { return d }
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.date(from: text)
    }

    public static func now() -> Int64 { wall() + offset }
}
