import Catalogue
import JSON
import Standards

/// A data request (数据需求申请), as its `requested` event carries it: which consumer wants which
/// items of which resource, for which subtree, for what use, until when. The share type is the
/// one in force when the request was made, and `immediate` says it was granted at once.
public struct ShareRequest: Sendable, Equatable {
    public var consumer: String
    public var resource: String
    public var items: [String]
    /// A division code at or below the requesting node: the subtree whose records are shared.
    public var jurisdiction: String
    public var purpose: SharePurpose
    /// The last day the grant is valid (inclusive, in the node's zone).
    public var until: CalendarDate
    public var share: ShareType
    /// Granted at once (无条件共享 without control parameters): no decision follows.
    public var immediate: Bool

    public init(consumer: String, resource: String, items: [String], jurisdiction: String, purpose: SharePurpose,
                until: CalendarDate, share: ShareType, immediate: Bool) {
        self.consumer = consumer
        self.resource = resource
        self.items = items
        self.jurisdiction = jurisdiction
        self.purpose = purpose
        self.until = until
        self.share = share
        self.immediate = immediate
    }

    public static let maxItems = 200

    public var json: JSONValue {
        ["consumer": .string(consumer), "resource": .string(resource), "items": .array(items.map { .string($0) }),
         "jurisdiction": .string(jurisdiction), "purpose": .string(purpose.labelZh), "until": .string(until.iso),
         "share": .string(share.rawValue), "immediate": .bool(immediate)]
    }

    /// Reads a request from an event's payload, refusing anything malformed.
    public init(json: JSONValue) throws {
        func bad(_ field: String) -> ShareError { .invalid(field, "数据需求申请的 \(field) 缺失或不正确", "the request's \(field) is missing or malformed") }
        guard let consumer = json["consumer"]?.stringValue, !consumer.isEmpty, consumer.count <= 64 else { throw bad("consumer") }
        guard let resource = json["resource"]?.stringValue, !resource.isEmpty, resource.utf8.count <= 64 else { throw bad("resource") }
        guard let list = json["items"]?.arrayValue, !list.isEmpty, list.count <= Self.maxItems else { throw bad("items") }
        let items = list.compactMap(\.stringValue)
        guard items.count == list.count, items.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 64 }) else { throw bad("items") }
        guard let j = json["jurisdiction"]?.stringValue, DivisionCode.level(ofShape: j) != nil, j.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw bad("jurisdiction")
        }
        guard let purpose = json["purpose"]?.stringValue.flatMap(SharePurpose.init(text:)) else { throw bad("purpose") }
        guard let until = json["until"]?.stringValue.flatMap(CalendarDate.init(iso:)) else { throw bad("until") }
        guard let share = json["share"]?.stringValue.flatMap(ShareType.init(rawValue:)) else { throw bad("share") }
        guard case .bool(let immediate)? = json["immediate"] else { throw bad("immediate") }
        self.init(consumer: consumer, resource: resource, items: items, jurisdiction: j, purpose: purpose, until: until,
                  share: share, immediate: immediate)
    }
}
