import Foundation
import JSON
import Testing
@testable import Node

/// Log lines in both formats: the same event, fields sorted, values masked.
@Suite("Node log lines")
struct LogTests {
    @Test("json: one object per line with time, event and the fields, ID numbers masked; text: key=value, quoted when needed")
    func formats() throws {
        let fields = ["child": "150603002001", "error": "person 150603198001010018 refused\n\"twice\"", "event": "forged", "phone": "13800001234"]
        let json = Log.line("push_refused", fields, at: "2026-05-01T09:30:05.007+08:00", format: .json)
        #expect(json.hasSuffix("\n") && json.dropLast().allSatisfy { $0 != "\n" }, "one line")
        let o = try JSONParser.parse(String(json.dropLast()))
        #expect(o["time"]?.stringValue == "2026-05-01T09:30:05.007+08:00")
        #expect(o["event"]?.stringValue == "push_refused", "a field cannot replace the event")
        #expect(o["child"]?.stringValue == "150603002001", "division codes stay readable")
        #expect(o["error"]?.stringValue == "person 1506**********0018 refused\n\"twice\"")
        #expect(o["phone"]?.stringValue == "1380***1234")
        #expect(o.objectValue?.pairs.map(\.key) == ["time", "event", "child", "error", "phone"])

        let text = Log.line("push_refused", fields, at: "2026-05-01T09:30:05.007+08:00", format: .text)
        #expect(text == "time=2026-05-01T09:30:05.007+08:00 event=push_refused child=150603002001 error=\"person 1506**********0018 refused 'twice'\" phone=1380***1234\n")
    }
}
