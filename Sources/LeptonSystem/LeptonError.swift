/// An error Lepton reports to its user: what failed, where, and how to fix it.
///
/// `code` tells programs (and tests) which failure it is; `message` is for people and names
/// the file, stage or key involved; `cause` keeps the underlying error, if any.
public struct LeptonError: Error, CustomStringConvertible, Sendable {
    /// Which failure this is. New codes can be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case io, invalidPipeline, leptonfileCompile, leptonfileCrash, leptonfileVersion
            case unknownStage, lockBusy, corruptState, cacheMiss, spawnFailed, interrupted, usage
        }

        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// A file could not be read or written.
        public static let io = Code(.io)
        /// The pipeline failed validation (cycle, duplicate output, missing input, …).
        public static let invalidPipeline = Code(.invalidPipeline)
        /// The Leptonfile did not compile.
        public static let leptonfileCompile = Code(.leptonfileCompile)
        /// The compiled Leptonfile crashed or exited without a description.
        public static let leptonfileCrash = Code(.leptonfileCrash)
        /// The Leptonfile was evaluated against a mismatched LeptonDescription library.
        public static let leptonfileVersion = Code(.leptonfileVersion)
        /// A stage named on the command line does not exist.
        public static let unknownStage = Code(.unknownStage)
        /// Another Lepton process holds the build lock.
        public static let lockBusy = Code(.lockBusy)
        /// A state file is damaged.
        public static let corruptState = Code(.corruptState)
        /// A cache object that should exist does not.
        public static let cacheMiss = Code(.cacheMiss)
        /// A command could not be started.
        public static let spawnFailed = Code(.spawnFailed)
        /// The build was interrupted by a signal.
        public static let interrupted = Code(.interrupted)
        /// The command line was misused.
        public static let usage = Code(.usage)

        public var description: String { "\(value)" }
    }

    /// Which failure this is.
    public let code: Code
    /// What failed, naming the path, stage or key, and how to fix it.
    public let message: String
    /// The underlying error, if any.
    public let cause: (any Error & Sendable)?

    /// Creates an error.
    public init(_ code: Code, _ message: String, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String {
        guard let cause else { return message }
        return "\(message) (\(cause))"
    }
}
