import Catalogue
import JSON

/// Masks the values of ID and phone items for operators whose role may not see them whole:
/// the middle characters become "*", so a clerk can still tell records apart.
public enum FieldMasking {
    /// Whether an item's values are masked (citizen ID and phone checks).
    public static func isSensitive(_ item: DataItem) -> Bool { item.check == .citizenID || item.check == .phone }

    /// "150603198001010018" → "1506**********0018" (11 characters or more keep 4 at each end;
    /// 7 to 10 keep 3 and 2; shorter ones are masked whole).
    public static func mask(_ text: String) -> String {
        let chars = Array(text)
        let (head, tail) = chars.count >= 11 ? (4, 4) : chars.count >= 7 ? (3, 2) : (0, 0)
        return String(chars.prefix(head)) + String(repeating: "*", count: chars.count - head - tail) + String(chars.suffix(tail))
    }

    /// `record` with the sensitive items of `resource` masked.
    public static func mask(_ record: JSONObject, _ resource: Resource) -> JSONObject {
        var out = JSONObject()
        for (name, value) in record {
            if let item = resource.field(name), isSensitive(item), let text = value.stringValue {
                out.append(name, .string(mask(text)))
            } else {
                out.append(name, value)
            }
        }
        return out
    }
}
