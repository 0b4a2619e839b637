/// A test, the bench or the chaos harness could not do what it set out to (a program that did not
/// start or end in time, no free port): not a finding about rootsync.
public struct SupportError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
