/// One problem found in a pipeline or Leptonfile; validation returns all of them at once.
public struct Diagnostic: Sendable, Equatable, CustomStringConvertible {
    /// How bad the problem is.
    public enum Severity: String, Sendable { case error, warning }

    /// How bad the problem is.
    public let severity: Severity
    /// Lower-case text naming the stage, path or key in `'…'`.
    public let message: String

    /// A problem that stops the build.
    public static func error(_ message: String) -> Diagnostic { Diagnostic(severity: .error, message: message) }
    /// A problem worth telling but not fatal.
    public static func warning(_ message: String) -> Diagnostic { Diagnostic(severity: .warning, message: message) }

    public var description: String { "\(severity.rawValue): \(message)" }
}

extension [Diagnostic] {
    /// Whether any of the diagnostics is an error.
    public var hasErrors: Bool { contains { $0.severity == .error } }
}
