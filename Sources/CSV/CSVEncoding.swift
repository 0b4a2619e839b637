/// The text encoding of a CSV file. Chinese Excel saves "CSV" as GB18030 (GBK) and "CSV UTF-8"
/// with a BOM, and staff rarely know which one they picked, hence `.automatic`.
public enum CSVEncoding: String, Sendable, Equatable, CaseIterable {
    case utf8 = "utf-8"
    case gb18030 = "gb18030"
    /// UTF-8 BOM → UTF-8; otherwise UTF-8 if the first 64 KiB are valid UTF-8; otherwise GB18030.
    case automatic = "auto"

    /// Parses a user-supplied name (command line, import form). GBK and GB2312 are subsets of
    /// GB18030, so they are read as GB18030.
    public init?(name: String) {
        switch String(name.lowercased().map { $0 == "_" ? "-" : $0 }) {
        case "utf-8", "utf8": self = .utf8
        case "gb18030", "gbk", "gb2312", "cp936": self = .gb18030
        case "auto", "automatic": self = .automatic
        default: return nil
        }
    }
}
