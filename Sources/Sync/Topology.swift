import Foundation
import JSON
import Standards

/// The hierarchy of nodes: one city hub, its districts, their streets, their communities.
/// Read from a `Topology/*.json` file and checked strictly, since every link, credential and
/// jurisdiction is derived from it.
public struct Topology: Sendable, Equatable {
    public struct Node: Sendable, Equatable {
        public let code: String
        public let name: String
        public let level: DivisionLevel
        public let parent: String?
        /// "host:port" for nodes that serve children (and their local API).
        public let listen: String?
    }

    public let name: String
    public let description: String
    /// Nodes in file order.
    public let nodes: [Node]

    public func node(_ code: String) -> Node? { nodes.first { $0.code == code } }
    public func children(of code: String) -> [Node] { nodes.filter { $0.parent == code } }
    public var city: Node { nodes.first { $0.level == .city }! }

    /// Every node from `code` up to the city (itself first).
    public func ancestry(of code: String) -> [Node] {
        var out: [Node] = []
        var next = node(code)
        while let n = next, out.count <= nodes.count {
            out.append(n)
            next = n.parent.flatMap(node)
        }
        return out
    }

    public static func load(path: String, divisions: DivisionTable? = nil) throws -> Topology {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TopologyError(["cannot read \(path)"])
        }
        return try parse(Array(data), divisions: divisions)
    }

    /// Parses and checks a topology, reporting every problem found.
    public static func parse(_ bytes: [UInt8], divisions: DivisionTable? = nil) throws -> Topology {
        let json: JSONValue
        do { json = try JSONParser.parse(bytes: bytes) } catch { throw TopologyError(["\(error)"]) }
        var problems: [String] = []
        guard let list = json["nodes"]?.arrayValue, !list.isEmpty else {
            throw TopologyError(["\"nodes\" must be a non-empty array"])
        }
        var nodes: [Node] = []
        for (i, n) in list.enumerated() {
            guard let code = n["code"]?.stringValue, [6, 9, 12].contains(code.count), code.allSatisfy(\.isASCII), code.allSatisfy(\.isNumber) else {
                problems.append("nodes[\(i)]: code must be a 6, 9 or 12-digit division code"); continue
            }
            guard let levelText = n["level"]?.stringValue, let level = DivisionLevel(rawValue: levelText), level != .province else {
                problems.append("node \(code): level must be city, district, street or community"); continue
            }
            guard let expected = DivisionCode.level(ofShape: code) else { continue }  // (length checked above)
            if level != expected { problems.append("node \(code): a \(code.count)-digit code like this is a \(expected.rawValue), not a \(level.rawValue)") }
            if code.count == 6, let divisions {
                let check = DivisionCode.check(code, table: divisions)
                if !check.isValid { problems.append("node \(code): not a GB/T 2260 code") }
            }
            let listen = n["listen"]?.stringValue
            if let listen, !Self.isHostPort(listen) { problems.append("node \(code): listen must be host:port, found \(listen)") }
            if nodes.contains(where: { $0.code == code }) { problems.append("node \(code) appears twice") }
            nodes.append(Node(code: code, name: n["name"]?.stringValue ?? code, level: level,
                              parent: n["parent"]?.stringValue, listen: listen))
        }
        let cities = nodes.filter { $0.level == .city }
        if cities.count != 1 { problems.append("there must be exactly one city node, found \(cities.count)") }
        let above: [DivisionLevel: DivisionLevel] = [.district: .city, .street: .district, .community: .street]
        for n in nodes {
            if n.level == .city {
                if n.parent != nil { problems.append("node \(n.code): the city has no parent") }
                continue
            }
            guard let parentCode = n.parent else { problems.append("node \(n.code): parent is required"); continue }
            guard let parent = nodes.first(where: { $0.code == parentCode }) else {
                problems.append("node \(n.code): parent \(parentCode) is not in the topology"); continue
            }
            if parent.level != above[n.level] {
                problems.append("node \(n.code): a \(n.level.rawValue)'s parent must be a \(above[n.level]!.rawValue), \(parentCode) is a \(parent.level.rawValue)")
            }
            let prefix = parent.level == .city ? String(parent.code.prefix(4)) : parent.code
            if !n.code.hasPrefix(prefix) { problems.append("node \(n.code): code must start with its parent's \(prefix)") }
        }
        for n in nodes where nodes.contains(where: { $0.parent == n.code }) && n.listen == nil {
            problems.append("node \(n.code) has children and so needs a listen address")
        }
        var seen: [String: String] = [:]
        for n in nodes {
            guard let l = n.listen else { continue }
            if let other = seen[l] { problems.append("nodes \(other) and \(n.code) both listen on \(l)") }
            seen[l] = n.code
        }
        if !problems.isEmpty { throw TopologyError(problems) }
        return Topology(name: json["name"]?.stringValue ?? "", description: json["description"]?.stringValue ?? "", nodes: nodes)
    }

    /// "host:port" with a port 1–65535 in plain digits; an IPv6 host goes in brackets.
    static func isHostPort(_ s: String) -> Bool {
        guard let colon = s.lastIndex(of: ":") else { return false }
        let portText = s[s.index(after: colon)...]
        guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy({ $0.isASCII && $0.isNumber }),
              let port = Int(portText), (1...65535).contains(port) else { return false }
        let host = s[..<colon]
        if host.hasPrefix("[") { return host.hasSuffix("]") && host.count > 2 }
        return !host.isEmpty && !host.contains(":") && host.allSatisfy { $0.isASCII && !$0.isWhitespace }
    }
}

/// A topology file that cannot be used, with every problem found.
public struct TopologyError: Error, CustomStringConvertible, Equatable {
    public let problems: [String]
    public init(_ problems: [String]) { self.problems = problems }
    public var description: String { "拓扑文件无效 / invalid topology:\n" + problems.map { "  - \($0)" }.joined(separator: "\n") }
}
