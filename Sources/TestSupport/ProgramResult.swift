import JSON

/// A program run to completion: its exit status and what it wrote.
public struct ProgramResult: Sendable {
    public let code: Int32
    public let out: String
    public let err: String
    public var lines: [String] { out.split(separator: "\n").map(String.init) }
    public func json() throws -> JSONValue { try JSONParser.parse(out) }
    public func jsonLines() throws -> [JSONValue] { try lines.map { try JSONParser.parse($0) } }
}
