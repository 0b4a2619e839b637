import Catalogue
import JSON
import XLSX

/// A record as the cells of an exported sheet, the same for `rootsync export` and the web app,
/// so what one writes the other imports unchanged.
public enum ExportCells {
    /// One record as text cells, in the resource's field order (tags joined by ";").
    public static func text(_ record: JSONObject, _ r: Resource) -> [String] {
        r.fields.map { f in
            switch record[f.name] ?? .null {
            case .null: return ""
            case .string(let s): return s
            case .number(let n): return n
            case .bool(let b): return b ? "1" : "0"
            case .array(let items): return items.map { $0.stringValue ?? $0.text }.joined(separator: ";")
            case .object(let o): return JSONValue.object(o).text
            }
        }
    }

    /// One record as xlsx cells: numbers only for numeric items, everything else (ID numbers,
    /// codes, leading zeros, dates) as text, so Excel keeps every digit.
    public static func xlsx(_ record: JSONObject, _ r: Resource) -> [XLSXWriter.Value] {
        zip(r.fields, text(record, r)).map { f, text in
            if text.isEmpty { return .empty }
            let numeric = ["INTEGER", "NUMERIC", "REAL"].contains(f.sqlType) && f.format.type != .logical
            return numeric ? .number(text) : .text(text)
        }
    }

    /// The header: labels (or names) and the conflict mark's column.
    public static func header(_ r: Resource, labels: Bool = true) -> [String] {
        r.fields.map { labels ? $0.label : $0.name } + [ImportReserved.conflictColumn]
    }

    /// Column widths in characters, from each item's label and format length.
    public static func columnWidths(_ r: Resource) -> [Int] {
        r.fields.map { min(40, max(8, $0.label.count * 2 + 2, ($0.format.maxLength ?? 10) + 2)) } + [6]
    }
}
