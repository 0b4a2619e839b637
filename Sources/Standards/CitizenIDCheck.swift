/// The result of checking one citizen identity number, with the facts it encodes.
///
/// Parsed fields are filled whenever their part of the number can be read, even if another
/// part is wrong, so a clerk can see e.g. the birth date while fixing a mistyped check char.
public struct CitizenIDCheck: Sendable, Equatable {
    /// The value as given.
    public var input: String
    public var issues: [ValidationIssue]
    /// The 18-character form with an uppercase X; for a 15-digit number, the upgraded form.
    public var normalized: String?
    /// The 6-digit GB/T 2260 address code (place of first registration, any year).
    public var addressCode: String?
    /// The address code's name when the division table knows it.
    public var addressName: String?
    /// Birth date as `YYYY-MM-DD`.
    public var birthDate: String?
    /// GB/T 2261.1 sex code: "1" male (odd sequence), "2" female (even sequence).
    public var sex: String?
    /// True when the input was a 15-digit GB 11643-1989 number.
    public var upgradedFromLegacy: Bool

    public var isValid: Bool { issues.isEmpty }

    public init(input: String) {
        self.input = input
        issues = []
        upgradedFromLegacy = false
    }
}
