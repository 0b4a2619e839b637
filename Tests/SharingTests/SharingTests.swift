import Foundation
import Testing
import JSON
import Standards
import Catalogue
@testable import Sharing

/// The pure sharing rules: who decides, what a request gets, who answers a dispute, states
/// derived from events, and deadlines across the 2026 holidays.
struct SharingTests {
    static let zone = TimeZone(identifier: "Asia/Shanghai")!

    static func catalogue(_ edit: (inout JSONValue) -> Void = { _ in }) throws -> Catalogue {
        var json = try Catalogue.bundledDefault().source
        edit(&json)
        return try Catalogue.parse(json)
    }

    /// The default catalogue with `resource`'s share type (and condition) changed.
    static func withShare(_ resource: String, _ share: String, condition: String?) throws -> Catalogue {
        try catalogue { json in
            guard case .object(var o) = json, case .array(var rs)? = o["resources"],
                  let i = rs.firstIndex(where: { $0["name"]?.stringValue == resource }), case .object(var r) = rs[i],
                  case .object(var meta)? = r["meta"] else { Issue.record("no resource \(resource)"); return }
            r["share"] = .string(share)
            meta["share_condition"] = condition.map { .string($0) }
            r["meta"] = .object(meta)
            rs[i] = .object(r)
            o["resources"] = .array(rs)
            json = .object(o)
        }
    }

    @Test func outcomeFollowsTheShareType() throws {
        let c = try Self.catalogue()
        #expect(try ShareRules.outcome(for: c.resource("person")!) == .awaitsDecision)
        let open = try Self.withShare("place", "无条件共享", condition: nil)
        #expect(try ShareRules.outcome(for: open.resource("place")!) == .grantedAtOnce)
        // An unconditional resource whose catalogue entry states a condition needs control parameters.
        let controlled = try Self.withShare("place", "无条件共享", condition: "按辖区和用途控制")
        #expect(try ShareRules.outcome(for: controlled.resource("place")!) == .awaitsDecision)
        let closed = try Self.withShare("event", "不予共享", condition: "含敏感信息")
        #expect(throws: ShareError.self) { try ShareRules.outcome(for: closed.resource("event")!) }
    }

    @Test func theProviderAboveDecides() throws {
        let person = try Self.catalogue().resource("person")!   // provider 111506000115170130: the city
        #expect(try ShareRules.decider(for: person, requestedAt: "150603") == "150600")
        #expect(try ShareRules.decider(for: person, requestedAt: "150603002001") == "150600")
        #expect(try ShareRules.decider(for: person, requestedAt: "150600") == "150600")
    }

    @Test func requestsAreChecked() throws {
        let person = try Self.catalogue().resource("person")!
        let today = CalendarDate(year: 2026, month: 3, day: 2)!
        let until = CalendarDate(year: 2026, month: 12, day: 31)!
        let r = try ShareRules.check(resource: person, items: ["phone", "name", "name", "id_number"], jurisdiction: "150603002",
                                     purpose: .workReference, until: until, consumer: "c", at: "150603", today: today)
        #expect(r.items == ["id_number", "name", "phone"])
        #expect(r.share == .conditional && !r.immediate)
        #expect(try ShareRequest(json: r.json) == r)
        func refusedField(_ body: () throws -> ShareRequest) -> String? {
            do { _ = try body(); return nil } catch let e as ShareError { return e.field } catch { return "?" }
        }
        #expect(refusedField { try ShareRules.check(resource: person, items: ["wechat"], jurisdiction: "150603", purpose: .dataCheck,
                                                   until: until, consumer: "c", at: "150603", today: today) } == "items")
        #expect(refusedField { try ShareRules.check(resource: person, items: ["name"], jurisdiction: "150602", purpose: .dataCheck,
                                                   until: until, consumer: "c", at: "150603", today: today) } == "jurisdiction")
        #expect(refusedField { try ShareRules.check(resource: person, items: ["name"], jurisdiction: "150603", purpose: .dataCheck,
                                                   until: CalendarDate(year: 2026, month: 3, day: 1)!, consumer: "c", at: "150603", today: today) } == "until")
    }

    @Test func purposesAndMasking() {
        #expect(SharePurpose(text: "工作参考") == .workReference)
        #expect(SharePurpose(text: "administrative_basis") == .administrativeBasis)
        #expect(SharePurpose(text: "别的") == nil)
        #expect(!SharePurpose.workReference.revealsIdentifiers)
        #expect(SharePurpose.administrativeBasis.revealsIdentifiers && SharePurpose.dataCheck.revealsIdentifiers)
    }

    @Test func theAuthoritativeLevelAnswers() throws {
        let person = try Self.catalogue().resource("person")!
        #expect(try ShareRules.authoritativeNode(for: person.group("identity")!, scope: "150603002001") == "150600")
        #expect(try ShareRules.authoritativeNode(for: person.group("residence")!, scope: "150603002001") == "150603002001")
        let house = try Self.catalogue().resource("house")!
        #expect(try ShareRules.authoritativeNode(for: house.group("owner")!, scope: "150603002001") == "150603")
        let event = try Self.catalogue().resource("event")!
        #expect(try ShareRules.authoritativeNode(for: event.group("handling")!, scope: "150603002001") == "150603002")
        // A city-wide record: its own node answers for a lower level's group.
        #expect(try ShareRules.authoritativeNode(for: person.group("residence")!, scope: "150600") == "150600")
        #expect(throws: ShareError.self) { try ShareRules.authoritativeNode(for: person.group("tags")!, scope: "150603002001") }
    }

    static func event(_ id: String, _ kind: WorkflowEvent.Kind, thread: String, node: String, at: String,
                      approved: Bool? = nil, comment: String? = nil, payload: JSONValue, author: String = "150603", target: String = "150600") -> WorkflowEvent {
        WorkflowEvent(id: id, draft: thread, author: author, node: node, operator: "op", at: at, kind: kind, approved: approved,
                      comment: comment, target: target, payload: payload)
    }

    static func request(until: String = "2026-12-31", immediate: Bool = false) -> JSONValue {
        ShareRequest(consumer: "c", resource: "person", items: ["name"], jurisdiction: "150603", purpose: .workReference,
                     until: CalendarDate(iso: until)!, share: .conditional, immediate: immediate).json
    }

    @Test func requestStatesFromEvents() throws {
        let req = Self.event("150603-1", .requested, thread: "150603-1", node: "150603", at: "2026-02-13T02:00:00.000Z", payload: Self.request())
        #expect(RequestState(id: "150603-1", events: [req])?.status == .pending)
        // A decision from a node other than the decider does not count.
        let forged = Self.event("150603-2", .decided, thread: "150603-1", node: "150603", at: "2026-02-13T03:00:00.000Z", approved: true, payload: [:])
        #expect(RequestState(id: "150603-1", events: [req, forged])?.status == .pending)
        let reject = Self.event("150600-5", .decided, thread: "150603-1", node: "150600", at: "2026-02-14T03:00:00.000Z", approved: false,
                                comment: "《个人信息保护法》第十三条", payload: [:])
        let s = try #require(RequestState(id: "150603-1", events: [reject, req]))
        #expect(s.status == .rejected && s.basis == "《个人信息保护法》第十三条")
        let approve = Self.event("150600-5", .decided, thread: "150603-1", node: "150600", at: "2026-02-14T03:00:00.000Z", approved: true, payload: [:])
        let g = try #require(RequestState(id: "150603-1", events: [req, approve]))
        #expect(g.status == .granted && g.isActive(on: CalendarDate(year: 2026, month: 12, day: 31)!))
        #expect(!g.isActive(on: CalendarDate(year: 2027, month: 1, day: 1)!) && g.statusName(on: CalendarDate(year: 2027, month: 1, day: 1)!) == "expired")
        let revoke = Self.event("150600-6", .revoked, thread: "150603-1", node: "150600", at: "2026-02-15T03:00:00.000Z", payload: [:])
        #expect(RequestState(id: "150603-1", events: [req, approve, revoke])?.status == .revoked)
        let instant = Self.event("150603-9", .requested, thread: "150603-9", node: "150603", at: "2026-02-13T02:00:00.000Z",
                                 payload: Self.request(immediate: true), target: "150603")
        #expect(RequestState(id: "150603-9", events: [instant])?.status == .granted)
    }

    @Test func overdueAcrossTheSpringFestival() throws {
        let calendar = try WorkingCalendar.shipped()
        // Friday 13 Feb 2026, 10:00 in Beijing: 5 working days end on Friday 27 Feb (14 Feb is a
        // 调休 Saturday, 15–23 Feb the Spring Festival).
        let at = "2026-02-13T02:00:00.000Z"
        #expect(ShareDeadline.of(at, workingDays: 5, zone: Self.zone, calendar: calendar) == .due(CalendarDate(year: 2026, month: 2, day: 27)!))
        let req = Self.event("150603-1", .requested, thread: "150603-1", node: "150603", at: at, payload: Self.request())
        let state = try #require(RequestState(id: "150603-1", events: [req]))
        func overdue(_ day: String, node: String = "150600") -> ShareOverdue {
            ShareOverdue(requests: [state], disputes: [], node: node, calendar: calendar, zone: Self.zone, today: CalendarDate(iso: day)!)
        }
        #expect(overdue("2026-02-24").requestsOverdue.isEmpty)   // ten calendar days later, only 3 working days
        #expect(overdue("2026-02-27").requestsOverdue.isEmpty)
        #expect(overdue("2026-02-28").requestsOverdueHere == ["150603-1"])
        #expect(overdue("2026-02-28", node: "150603").requestsOverdueHere.isEmpty)
        #expect(overdue("2026-02-28", node: "150603").requestsOverdue == ["150603-1"])
    }

    @Test func disputeDeadlinesAcrossNationalDay() throws {
        let calendar = try WorkingCalendar.shipped()
        // Raised Wednesday 30 Sep 2026: 3 working days end on Saturday 10 Oct (a 调休 day).
        let raised = Self.event("150603002001-1", .disputed, thread: "150603002001-1", node: "150603002001", at: "2026-09-30T01:00:00.000Z",
                                comment: "姓名有误",
                                payload: Dispute(resource: "person", key: "150603198001010018", group: "identity",
                                                 expected: ["name": "张三"], scope: "150603002001").json,
                                author: "150603002001", target: "150600")
        let state = try #require(DisputeState(id: "150603002001-1", events: [raised]))
        func overdue(_ day: String) -> [String] {
            ShareOverdue(requests: [], disputes: [state], node: "150600", calendar: calendar, zone: Self.zone, today: CalendarDate(iso: day)!).disputesOverdueHere
        }
        #expect(overdue("2026-10-09").isEmpty && overdue("2026-10-10").isEmpty)
        #expect(overdue("2026-10-11") == ["150603002001-1"])
        // Answered by a node that is not authoritative: still open.
        let wrong = Self.event("150603-4", .answered, thread: "150603002001-1", node: "150603", at: "2026-10-09T01:00:00.000Z",
                               payload: DisputeState.rejectedPayload, author: "150603002001", target: "150600")
        #expect(DisputeState(id: "150603002001-1", events: [raised, wrong])?.status == .open)
        let right = Self.event("150600-4", .answered, thread: "150603002001-1", node: "150600", at: "2026-10-09T01:00:00.000Z",
                               payload: DisputeState.correctedPayload(version: "150600:1#7", values: ["name": "张三"]), author: "150603002001", target: "150600")
        let closed = try #require(DisputeState(id: "150603002001-1", events: [raised, right]))
        #expect(closed.status == .corrected && closed.correction == "150600:1#7")
    }

    @Test func aDeadlineBeyondTheCalendarIsNotGuessed() throws {
        let calendar = try WorkingCalendar.shipped()
        let due = ShareDeadline.of("2026-12-30T02:00:00.000Z", workingDays: 5, zone: Self.zone, calendar: calendar)
        guard case .unknown(let zh, let en) = due else { Issue.record("expected an unknown deadline, got \(due)"); return }
        #expect(en.contains("2027") && zh.contains("2027"))
        #expect(!due.isOverdue(on: CalendarDate(year: 2027, month: 3, day: 1)!))
        let req = Self.event("150603-1", .requested, thread: "150603-1", node: "150603", at: "2026-12-30T02:00:00.000Z", payload: Self.request())
        let o = ShareOverdue(requests: [RequestState(id: "150603-1", events: [req])!], disputes: [], node: "150600", calendar: calendar,
                             zone: Self.zone, today: CalendarDate(year: 2027, month: 3, day: 1)!)
        #expect(o.deadlinesUnknown == ["150603-1"] && o.requestsOverdue.isEmpty)
    }

    @Test func figuresPerProviderAndResource() throws {
        let calendar = try WorkingCalendar.shipped()
        let c = try Self.catalogue()
        let req = Self.event("150603-1", .requested, thread: "150603-1", node: "150603", at: "2026-02-13T02:00:00.000Z", payload: Self.request())
        let late = Self.event("150600-2", .decided, thread: "150603-1", node: "150600", at: "2026-03-02T02:00:00.000Z", approved: true, payload: [:])
        let rate = Self.event("150603-3", .rated, thread: "150603-1", node: "150603", at: "2026-03-03T02:00:00.000Z", comment: "及时",
                              payload: Rating.payload(quality: 4, responsiveness: 2))
        let f = ShareFigures(requests: [RequestState(id: "150603-1", events: [req, late, rate])!], disputes: [], catalogue: c,
                             calendar: calendar, zone: Self.zone, today: CalendarDate(year: 2026, month: 3, day: 5)!)
        #expect(f.rows.count == 1)
        let row = f.rows[0]
        #expect(row.resource == "person" && row.providerCode == "111506000115170130")
        #expect(row.granted == 1 && row.requestsLate == 1 && row.requestAnswerDays == [7])
        #expect(row.ratings.map(\.quality) == [4] && row.json["responsiveness_mean"] == .number("2.00"))
    }
}
