import Foundation

/// A response: what a handler returns and what `HTTPClient.send` gives back.
///
/// On the client side `body` is already gzip-decoded by libcurl while `headers` stay as
/// received (so `Content-Encoding: gzip` shows how it travelled).
public struct HTTPResponse: Sendable {
    public static let jsonContentType = "application/json; charset=utf-8"

    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(status: Int = 200, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON answer from already-serialized text (the JSON module owns serialization).
    public static func json(_ text: String, status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": jsonContentType], body: Array(text.utf8))
    }

    /// A plain-text answer, for humans poking at the server with curl.
    public static func text(_ text: String, status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": "text/plain; charset=utf-8"], body: Array(text.utf8))
    }

    /// `{"error": message}` with the given status: the shape every error answer shares.
    /// An error answer in the one shape every rootsync endpoint uses:
    /// `{"error": status, "message_zh": …, "message_en": …}`.
    public static func error(_ message: String, status: Int) -> HTTPResponse {
        error(zh: message, en: message, status: status)
    }

    public static func error(zh: String, en: String, status: Int) -> HTTPResponse {
        json("{\"error\":\(status),\"message_zh\":\"\(escapeJSON(zh))\",\"message_en\":\"\(escapeJSON(en))\"}", status: status)
    }

    /// The body as UTF-8 text, nil when it is not valid UTF-8.
    public var bodyText: String? {
        String(bytes: body, encoding: .utf8)
    }

    /// True when Content-Type says JSON (any parameters allowed).
    public var isJSON: Bool {
        guard let type = headers["Content-Type"] else { return false }
        return type.split(separator: ";").first?.trimmingSpaces.lowercased() == "application/json"
    }

    private static func escapeJSON(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

extension Substring {
    /// Trims spaces and tabs, the only whitespace allowed around header tokens.
    var trimmingSpaces: Substring {
        var s = self
        while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" { s.removeLast() }
        return s
    }
}
