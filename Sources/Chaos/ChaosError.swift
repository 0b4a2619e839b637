/// The harness itself could not run (no build, no ports, a file it could not replace): not a
/// finding about rootsync, which ends up in the report instead.
public struct ChaosError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
