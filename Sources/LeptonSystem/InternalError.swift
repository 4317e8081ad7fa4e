/// A bug in Lepton, not a problem of the user's: asserts in debug builds, and asks for a bug report.
public struct InternalError: Error, CustomStringConvertible, Sendable {
    /// What went wrong.
    public let reason: String

    /// Creates the error; in debug builds this stops at the assertion.
    public init(_ reason: String) {
        self.reason = reason
        assertionFailure(reason)
    }

    public var description: String { "internal error: \(reason); please file a bug against Lepton" }
}
