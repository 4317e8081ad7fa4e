/// Reads a Leptonfile that is nothing but one `Pipeline(...)` of literals without the compiler.
///
/// Swift's type checker and code generator both grow faster than one long collection literal:
/// a 1,000-stage Leptonfile written as one `Pipeline(stages: [...])` costs about 3.5 CPU s to
/// compile, and reading it here costs milliseconds. The subset is deliberately strict: one
/// `import LeptonDescription`, named stage arrays and string constants (`let folder = "data"`),
/// one `let NAME = Pipeline(...)`, and inside it only string literals (which may interpolate a
/// constant declared above: `"\(folder)/a.csv"`), arrays of them and the DSL's plain factories
/// (`.stage`, `.file`, `.folder`, `.glob`, `.target`, `.key`, `.shell`, `.exec`, `.lepton`), with
/// their labels in the order the DSL declares them. Anything else (any other interpolation, a
/// `for` loop, `.value(...)`,
/// `resources:`, a value the DSL would report as misuse, a file the compiler might reject)
/// returns nil, and the loader compiles the file as always, so every diagnostic still comes
/// from the compiler on the user's line. The result is the envelope the compiled file would
/// write, converted by the same code; a loader test compares both paths on random Leptonfiles.
enum LiteralLeptonfile {
    /// The envelope the evaluated Leptonfile would write, or nil when it is outside the subset.
    static func envelope(_ bytes: [UInt8]) -> Serialization.Envelope? {
        var reader = LiteralReader(bytes)
        guard let pipeline = try? reader.file() else { return nil }
        return Serialization.Envelope(version: LeptonDescriptionVersion.current, pipeline: pipeline, errors: [])
    }
}
