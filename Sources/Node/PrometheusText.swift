import Foundation

/// Prometheus's text exposition format (version 0.0.4): each family once, with `# HELP` and
/// `# TYPE`, then its samples. The one place `/metrics` output is written.
public struct PrometheusText {
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    public enum Kind: String { case counter, gauge, histogram }

    public private(set) var text = ""
    private var families = Set<String>()

    public init() {}

    /// Starts a family; its samples must follow before the next family starts.
    public mutating func family(_ name: String, _ kind: Kind, _ help: String) {
        precondition(!families.contains(name), "metric family \(name) written twice")
        families.insert(name)
        text += "# HELP \(name) \(Self.escapeHelp(help))\n# TYPE \(name) \(kind.rawValue)\n"
    }

    public mutating func sample(_ name: String, _ labels: [(String, String)] = [], _ value: Double) {
        text += name
        if !labels.isEmpty {
            text += "{" + labels.map { "\($0.0)=\"\(Self.escapeLabel($0.1))\"" }.joined(separator: ",") + "}"
        }
        text += " " + Self.number(value) + "\n"
    }

    public mutating func sample(_ name: String, _ labels: [(String, String)] = [], _ value: Int) {
        sample(name, labels, Double(value))
    }

    /// A whole histogram family member: `_bucket` per bound (cumulative), `_sum`, `_count`.
    public mutating func histogram(_ name: String, _ labels: [(String, String)], _ h: LatencyHistogram) {
        for (bound, count) in h.cumulative {
            sample(name + "_bucket", labels + [("le", bound.isInfinite ? "+Inf" : Self.number(bound))], count)
        }
        sample(name + "_sum", labels, h.sum)
        sample(name + "_count", labels, h.count)
    }

    /// Whole numbers without a fraction, others in Swift's shortest exact form, infinities and NaN as Prometheus spells them.
    static func number(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }

    static func escapeLabel(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    static func escapeHelp(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }
}
