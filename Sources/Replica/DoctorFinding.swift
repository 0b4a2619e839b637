/// One thing `rootsync doctor` found in a replica.
public struct DoctorFinding: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case counterOutOfRange = "counter_out_of_range"
        case unverifiableVersion = "unverifiable_version"
        case incompleteRow = "incomplete_row"
        /// A version the parent refused, kept here: an operator enters it again where it belongs.
        case setAside = "set_aside"
    }
    public let kind: Kind
    public let subject: String
    public let repaired: Bool
    public let zh: String
    public let en: String
}
