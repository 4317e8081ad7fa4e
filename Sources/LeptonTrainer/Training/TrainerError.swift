/// A failure of training, evaluation or prediction, with a message that says what is wrong and
/// how to fix it (a bad layer list, a data file that does not parse, a checkpoint that does not
/// match its sidecar).
public struct TrainerError: Error, CustomStringConvertible, Equatable {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
