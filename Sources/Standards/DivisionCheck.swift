/// The result of checking one administrative division code.
///
/// Besides the verdict it carries what the sync layer needs to route a record: the level, the
/// parent code and the jurisdiction prefix that all codes under this division start with.
public struct DivisionCheck: Sendable, Equatable {
    /// The value as given.
    public var input: String
    /// The code with surrounding spaces removed, when it has a valid format.
    public var code: String?
    /// Problems that make the code unusable.
    public var issues: [ValidationIssue]
    /// Remarks that do not make the code invalid (e.g. a township whose name is not listed).
    public var notes: [ValidationIssue]
    public var level: DivisionLevel?
    /// 街道/镇/乡… for 9-digit codes, 居委会/村委会 for 12-digit codes.
    public var kind: DivisionKind?
    /// Name when known; 12-digit community names are not published, so nil for them.
    public var name: String?
    /// The code of the enclosing division (county → prefecture when listed, else province).
    public var parentCode: String?
    /// Whether a 6-digit code is in the current GB/T 2260 list; nil for 9/12-digit codes.
    public var isCurrent: Bool?
    /// For a 6-digit code: the first and last year it was listed (last nil while current).
    public var firstYear: Int?
    public var lastYear: Int?
    /// For a 6-digit code: the list it comes from.
    public var source: DivisionSource?
    /// The prefix every code inside this division starts with: province 2 digits, city 4,
    /// district 6, street 9, community 12.
    public var jurisdictionPrefix: String?

    public var isValid: Bool { issues.isEmpty }

    public init(input: String) {
        self.input = input
        issues = []
        notes = []
    }
}
