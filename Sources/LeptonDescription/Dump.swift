#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Collects the declared pipeline and DSL misuse, and writes them as JSON when the evaluated
/// Leptonfile exits.
///
/// The loader runs the compiled Leptonfile with `-fileno N`; the description goes to that file
/// descriptor, so a `print` in the Leptonfile cannot corrupt it. Misuse of the DSL is collected
/// in `errors`, never a crash.
enum Dump {
    nonisolated(unsafe) private static var pipelines: [Pipeline] = []
    nonisolated(unsafe) private static var errors: [String] = []
    nonisolated(unsafe) private static var registered = false

    static func register(_ pipeline: Pipeline) {
        pipelines.append(pipeline)
        guard !registered else { return }
        registered = true
        atexit { Dump.emit() }
    }

    static func error(_ message: String) {
        errors.append(message)
    }

    /// Writes the envelope to the descriptor named by `-fileno`, if any.
    static func emit() {
        guard let descriptor = fileDescriptorArgument() else { return }
        var problems = errors
        if pipelines.isEmpty {
            problems.append("the Leptonfile declares no Pipeline; add `let pipeline = Pipeline(stages: [...])`")
        } else if pipelines.count > 1 {
            problems.append("the Leptonfile declares \(pipelines.count) Pipelines; declare exactly one")
        }
        let envelope = Serialization.Envelope(
            version: LeptonDescriptionVersion.current,
            pipeline: pipelines.first.map(Serialization.Pipeline.init),
            errors: problems
        )
        let text = JSONWriter.encode(envelope)
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { buffer in
                write(descriptor, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
            }
            if written <= 0 { break }
            offset += written
        }
        close(descriptor)
        bytes.removeAll()
    }

    /// Notices created before a pipeline exists, such as a stage factory's, are emitted too.
    private static func fileDescriptorArgument() -> Int32? {
        let arguments = CommandLine.arguments
        guard let index = arguments.firstIndex(of: "-fileno"), index + 1 < arguments.count else { return nil }
        return Int32(arguments[index + 1])
    }
}
