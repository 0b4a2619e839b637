import JSON

/// Where a child stands in its parent's stream. A first load (or a load after either side was
/// restored from a backup) scans the parent's versions for the child's subtree; after that the
/// child follows the routes the parent queued for it when each version was stored.
public struct PullCursor: Equatable, Sendable {
    public enum Mode: String, Sendable { case scan, route }

    /// The parent database this position belongs to; another id means start again.
    public var database: String
    public var mode: Mode
    /// Version id (scan) or route id (route) of the last item received.
    public var position: Int64
    /// The route position when the scan began: routes after it are followed once the scan ends.
    public var routeStart: Int64

    public init(database: String, mode: Mode, position: Int64, routeStart: Int64) {
        self.database = database
        self.mode = mode
        self.position = position
        self.routeStart = routeStart
    }

    public var json: JSONValue {
        ["database": .string(database), "mode": .string(mode.rawValue), "position": .int(position), "route_start": .int(routeStart)]
    }

    public init(json: JSONValue) throws {
        guard let db = json["database"]?.stringValue, let m = json["mode"]?.stringValue.flatMap(Mode.init(rawValue:)),
              let p = json["position"]?.int64Value, p >= 0, let r = json["route_start"]?.int64Value, r >= 0 else {
            throw WireError("cursor needs database, mode (scan|route), position, route_start")
        }
        self.init(database: db, mode: m, position: p, routeStart: r)
    }

    /// The parent's decision for one pull: continue the child's cursor when it belongs to this
    /// database, else begin a scan from the start, remembering where the routes stand now.
    public static func resume(_ cursor: PullCursor?, database: String, routeHead: Int64) -> PullCursor {
        if let cursor, cursor.database == database { return cursor }
        return PullCursor(database: database, mode: .scan, position: 0, routeStart: routeHead)
    }

    /// The cursor after serving a page: a finished scan hands over to the routes.
    public func advanced(to last: Int64, more: Bool) -> (cursor: PullCursor, more: Bool) {
        switch mode {
        case .route:
            return (PullCursor(database: database, mode: .route, position: last, routeStart: routeStart), more)
        case .scan where more:
            return (PullCursor(database: database, mode: .scan, position: last, routeStart: routeStart), true)
        case .scan:
            // Scan done: continue with routes queued since it began (some may repeat: harmless).
            return (PullCursor(database: database, mode: .route, position: routeStart, routeStart: routeStart), true)
        }
    }
}
