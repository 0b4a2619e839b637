import Testing
import TestSupport
@testable import JSON

@Suite("JSON")
struct JSONParserTests {
    @Test func roundTripsKeepingKeyOrderAndNumberText() throws {
        let text = #"{"b":1,"a":[true,false,null,"鄂尔多斯"],"n":85.50,"id":"15060319900101001X","e":-1.5e3}"#
        let value = try JSONParser.parse(text)
        #expect(value.text == text)
        #expect(value["n"] == .number("85.50"))
        #expect(value.objectValue?.keys == ["b", "a", "n", "id", "e"])
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        let value = try JSONParser.parse(#""a\"b\\c\/\n\t\u00e9\u4e2d\ud83d\ude00""#)
        #expect(value == .string("a\"b\\c/\n\té中😀"))
    }

    @Test func writerEscapesControlCharacters() {
        #expect(JSONValue.string("a\u{1}b\"\n").text == #""a\u0001b\"\n""#)
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "01", "1.", "-", "tru", "\"abc", "\"\\x\"",
        "{\"a\":1,\"a\":2}", "[1] x", "\"\\ud800\"", "\"\\udc00\"", "{a:1}", "'a'", "[\"\u{1}\"]", "1e", "NaN",
    ])
    func rejectsMalformedInput(_ text: String) {
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse(text) }
    }

    @Test func rejectsInvalidUTF8() throws {
        for bad: [UInt8] in [[0x22, 0xFF, 0x22], [0x22, 0xC0, 0xAF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xE4, 0xB8, 0x22]] {
            #expect(throws: JSONParser.Error.self) { try JSONParser.parse(bytes: bad) }
        }
        #expect(try JSONParser.parse(bytes: Array("\"中\"".utf8)) == .string("中"))
    }

    @Test func limitsNestingDepth() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse(deep) }
        let ok = String(repeating: "[", count: 10) + String(repeating: "]", count: 10)
        _ = try JSONParser.parse(ok, maxDepth: 10)
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse(ok, maxDepth: 9) }
    }

    @Test func errorsSayWhere() {
        do {
            _ = try JSONParser.parse("{\"a\": tru}")
            Issue.record("expected an error")
        } catch let error as JSONParser.Error {
            #expect(error.offset == 6)
            #expect(error.description.contains("byte 6"))
        } catch { Issue.record("wrong error \(error)") }
    }

    @Test func objectSubscriptReplacesAndRemoves() {
        var o = JSONObject([("a", 1), ("b", 2)])
        o["a"] = "x"
        o["b"] = nil
        o["c"] = true
        #expect(JSONValue.object(o).text == #"{"a":"x","c":true}"#)
    }

    @Test func randomValuesRoundTrip() throws {
        var rng = SplitMix64(seed: 42)
        for _ in 0..<500 {
            let v = randomValue(&rng, depth: 0)
            #expect(try JSONParser.parse(v.text) == v, "round trip of \(v.text)")
        }
    }

    private func randomValue(_ rng: inout SplitMix64, depth: Int) -> JSONValue {
        switch rng.next() % (depth > 3 ? 4 : 6) {
        case 0: return .null
        case 1: return .bool(rng.next() % 2 == 0)
        case 2: return .int(Int64(bitPattern: rng.next()))
        case 3:
            let scalars = (0..<(rng.next() % 8)).map { _ in Character(Unicode.Scalar([0x41, 0x4E2D, 0x1F600, 0x0A, 0x22, 0x5C, 0x01][Int(rng.next() % 7)])!) }
            return .string(String(scalars))
        case 4: return .array((0..<(rng.next() % 4)).map { _ in randomValue(&rng, depth: depth + 1) })
        default:
            var o = JSONObject()
            for k in 0..<(rng.next() % 4) { o["k\(k)"] = randomValue(&rng, depth: depth + 1) }
            return .object(o)
        }
    }
}

