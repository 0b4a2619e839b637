import Foundation
import JSON
import Standards
import Testing
import TestSupport

/// The local API office programs use: records and status over HTTP on loopback.
@Suite("Local API", .serialized)
struct LocalAPITests {
    @Test("PUT, GET, list and DELETE records and read the status over the local API")
    func recordsOverHTTP() throws {
        let h = try Hierarchy.chain()
        defer { h.shutdown() }
        let street = "150603002", community = "150603002001", city = "150600"
        try h.start([city, "150603", street])
        let base = h.url(street)
        let id = CitizenID.complete("15060319800101001")!
        let put = try curl("PUT", "\(base)/v1/records/person/\(id)", headers: ["Content-Type": "application/json"],
                           body: #"{"name":"张三","community_code":"\#(community)","phone":"13800000001"}"#)
        #expect(put.status == 200, "\(put.body)")
        #expect(put.json?["created"] == .bool(true))
        let got = try curl("GET", "\(base)/v1/records/person/\(id)")
        #expect(got.status == 200)
        #expect(got.json?["name"] == "张三")
        let list = try curl("GET", "\(base)/v1/records/person")
        #expect(list.status == 200)
        #expect(list.body.split(separator: "\n").count == 1)
        // Invalid data is refused with the field named, nothing written.
        let bad = try curl("PUT", "\(base)/v1/records/person/\(id)", body: #"{"sex":"7"}"#)
        #expect(bad.status == 422, "\(bad.body)")
        #expect(bad.json?["message_en"]?.stringValue?.contains("sex") == true, "\(bad.body)")
        // Outside the street's jurisdiction: refused.
        let outside = try curl("PUT", "\(base)/v1/records/person/\(CitizenID.complete("15060319800101002")!)",
                               body: #"{"name":"李四","community_code":"150603001001"}"#)
        #expect(outside.status == 403, "\(outside.body)")
        #expect(try curl("GET", "\(base)/v1/records/person/\(CitizenID.complete("15060319800101002")!)").status == 404)
        #expect(try curl("GET", "\(base)/v1/records/nosuch").status == 422)
        // A write over the API reaches the city like any other.
        #expect(try h.waitFor(city, "person", id) != nil, "\(h.logs())")
        // The record's history: the phone changed once, from which value to which, written here.
        #expect(try curl("PUT", "\(base)/v1/records/person/\(id)", body: #"{"phone":"13900000002"}"#).status == 200)
        let history = try curl("GET", "\(base)/v1/records/person/\(id)/history")
        #expect(history.status == 200, "\(history.body)")
        let changes = history.json?["changes"]?.arrayValue ?? []
        let phone = changes.filter { $0["group"] == "contact" }
        #expect(phone.count == 2, "\(history.body)")
        #expect(phone.last?["fields"]?.arrayValue?.first?["before"] == "13800000001")
        #expect(phone.last?["fields"]?.arrayValue?.first?["after"] == "13900000002")
        #expect(phone.first?["standing"] == "superseded" && phone.last?["standing"] == "current")
        #expect(phone.last?["writer"] == .string(street) && phone.last?["received_from"] == "")
        #expect(try curl("GET", "\(base)/v1/records/person/\(CitizenID.complete("15060319800101003")!)/history").status == 404)
        #expect(try curl("GET", "\(base)/v1/records/person/\(id)/frobnicate").status == 404)
        #expect(try curl("GET", "\(base)/v1/records/nosuch/\(id)/history").status == 422)
        let badKey = try curl("GET", "\(base)/v1/records/person/12345/history")
        #expect(badKey.status == 422 && badKey.json?["message_en"]?.stringValue?.contains("id_number") == true, "\(badKey.body)")
        #expect(try curl("PUT", "\(base)/v1/records/person/\(id)/history", body: "{}").status == 405)
        let status = try curl("GET", "\(base)/v1/status")
        #expect(status.json?["node"] == .string(street))
        #expect(status.json?["records"]?["person"] == .number("1"))
        #expect(try curl("DELETE", "\(base)/v1/records/person/\(id)").status == 200)
        #expect(try curl("GET", "\(base)/v1/records/person/\(id)").status == 404)
        #expect(try h.waitGone(city, "person", id), "\(h.logs())")
    }
}
