/// The result of checking one unified social credit code, with its parts.
///
/// Parts are filled whenever they can be read, so the registering authority and area are
/// visible even while a check character is being corrected.
public struct CreditCodeCheck: Sendable, Equatable {
    /// The value as given.
    public var input: String
    public var issues: [ValidationIssue]
    /// Uppercase form, when it is 18 allowed characters.
    public var normalized: String?
    /// Position 1: registration authority (e.g. 9 工商).
    public var authority: RegistrationAuthority?
    /// Position 2: entity type within the authority (e.g. 1 企业).
    public var entityType: RegistrationAuthority.EntityType?
    /// Positions 3–8: division code of the registering office (`100000` for central registration).
    public var divisionCode: String?
    /// Name of the division when known.
    public var divisionName: String?
    /// Positions 9–17: GB 11714 organization code (8 body characters + check character).
    public var organizationCode: String?

    public var isValid: Bool { issues.isEmpty }

    public init(input: String) {
        self.input = input
        issues = []
    }
}
