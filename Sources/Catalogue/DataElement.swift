/// 数据元: a standard definition (name and format) data items may reference by its 6-digit code
/// (2-digit category + 4-digit sequence), so the same fact is described the same way everywhere.
public struct DataElement: Sendable, Equatable {
    public let code: String
    public let name: String
    public let format: String?

    public init(code: String, name: String, format: String?) {
        self.code = code
        self.name = name
        self.format = format
    }

    public static func isCode(_ text: String) -> Bool { text.count == 6 && text.allSatisfy { $0.isASCII && $0.isNumber } }
}
