import Foundation
import JSON
import Replica
import Sharing
import Standards

/// What sharing needs of the node beside its replica: the working-day calendar (shipped years
/// and `DIR/calendar/`), the zone days are counted in (node.json `time_zone`), the dispute
/// window (node.json `sharing.dispute_window_days`, 2 working days unless an office wants longer)
/// and the day it is now (`ShareClock`). Read fresh each time, so a calendar file added for the
/// next year counts without a restart.
public struct ShareContext: Sendable {
    public let calendar: WorkingCalendar
    public let time: NodeTime
    public let disputeWindowDays: Int
    public let today: CalendarDate

    public var zone: TimeZone { time.zone }

    public init(calendar: WorkingCalendar, time: NodeTime, disputeWindowDays: Int, today: CalendarDate) {
        self.calendar = calendar
        self.time = time
        self.disputeWindowDays = disputeWindowDays
        self.today = today
    }

    /// The context of the node whose replica is `r`. A malformed calendar file or setting is an
    /// error naming it (never a silent default).
    public static func load(_ r: Replica) throws -> ShareContext {
        let directory = (r.path as NSString).deletingLastPathComponent
        if let problem = ShareClock.problem { throw ConfigError(problem.zh, problem.en) }
        let time = try NodeConfig.time(directory: directory)
        let calendar: WorkingCalendar
        do { calendar = try WorkingCalendar.load(nodeDirectory: directory) } catch let e as WorkingCalendarError {
            throw ConfigError(e.messageZh, e.messageEn)
        }
        return ShareContext(calendar: calendar, time: time, disputeWindowDays: try windowDays(directory: directory),
                            today: r.shareToday(zone: time.zone))
    }

    /// node.json's `sharing.dispute_window_days`: a whole number of working days from 1 to 60.
    static func windowDays(directory: String) throws -> Int {
        let path = (directory as NSString).appendingPathComponent(NodeConfig.fileName)
        guard let data = FileManager.default.contents(atPath: path), let o = (try? JSONParser.parse(bytes: Array(data)))?.objectValue,
              let sharing = o["sharing"], !sharing.isNull, let value = sharing["dispute_window_days"], !value.isNull else {
            return ShareRules.defaultDisputeWindowDays
        }
        guard let n = value.int64Value, (1...60).contains(n) else {
            throw ConfigError("\(path) 的 sharing.dispute_window_days 应为 1 到 60 的整数（工作日）",
                              "\(path): sharing.dispute_window_days must be a whole number of working days from 1 to 60")
        }
        return Int(n)
    }

    /// The overdue flags at node `r` now.
    public func overdue(_ r: Replica) throws -> ShareOverdue {
        ShareOverdue(requests: try r.shareRequests(), disputes: try r.disputes(), node: r.node.code, calendar: calendar, zone: zone, today: today)
    }

    public func deadline(of at: String, workingDays: Int) -> ShareDeadline {
        ShareDeadline.of(at, workingDays: workingDays, zone: zone, calendar: calendar)
    }
}
