/// Reads a Leptonfile that is nothing but one `Pipeline(...)` of literals without the compiler.
///
/// Swift's type checker and code generator both grow faster than one long collection literal:
/// a 1,000-stage Leptonfile written as one `Pipeline(stages: [...])` costs about 3.5 CPU s to
/// compile, and reading it here costs milliseconds. The subset is deliberately strict: one
/// `import LeptonDescription`, named stage arrays and constants, one `let NAME = Pipeline(...)`,
/// and inside it only string literals (which may interpolate a constant declared above,
/// `"\(folder)/a.csv"`, or a pure expression over such constants, `"\(folder.lowercased())"`),
/// arrays of them and the DSL's plain factories (`.stage`, `.file`, `.folder`, `.glob`,
/// `.target`, `.key`, `.shell`, `.exec`, `.lepton`), with their labels in the order the DSL
/// declares them. Anything else (any other interpolation, a `for` loop,
/// `.value(...)`, `resources:`, a value the DSL would report as misuse, a file the compiler might
/// reject) returns nil, and the loader compiles the file as always, so every diagnostic still
/// comes from the compiler on the user's line. The result is the envelope the compiled file would
/// write, converted by the same code; a loader test compares both paths on random Leptonfiles.
///
/// A constant whose value only the compiler knows (`let folder = "o" + "ut"`, `let epochs = 5`)
/// is computed by a probe (``constantsProbe(_:)``): the file's import and constant declarations
/// alone, on their own lines, and a pipeline that interpolates each computed constant exactly as
/// the rows do. That compiles in a fraction of a second where the rows' code would take seconds.
/// The same probe computes each interpolated expression: once per distinct text, however many
/// rows repeat it, which is why only expressions that give the same value every time they are
/// evaluated are read (``LiteralReader``'s `expression()`); 1,000 rows each interpolating
/// `folder.lowercased()` compiled in 5.9 CPU s, and read with a probe of that one expression in
/// 0.4. The file may also declare functions (`func NAME … { … }`) and variables (`var`, on a line
/// of its own) for its interpolations to call (`"\(under(folder))"`): such a call may give
/// another value each time, so the probe makes it at each occurrence, in the file's order.
enum LiteralLeptonfile {
    /// The envelope the evaluated Leptonfile would write, or nil when it is outside the subset.
    /// `computed` is the text of each computed constant, as the probe's envelope gave it.
    static func envelope(_ bytes: [UInt8], computed: ProbeValues? = nil) -> Serialization.Envelope? {
        var reader = LiteralReader(bytes, computed: computed)
        guard let pipeline = try? reader.file() else { return nil }
        return Serialization.Envelope(version: LeptonDescriptionVersion.current, pipeline: pipeline, errors: [])
    }

    /// The name of the probe's pipeline, and of the constant that holds it.
    static let probePipeline = "__lepton_constants"
    static let probeConstant = "__leptonConstants"

    /// The prefix of the probe's functions that compute the calls of the file's own functions.
    static let probeFunction = "__leptonValue"

    /// The program that computes a Leptonfile's computed constants and interpolated expressions,
    /// when the file is in the subset but for them; nil otherwise (or when it has none). `names`
    /// are the constants' names, then the pure expressions' texts (each distinct text once);
    /// `occurrences` the texts of the interpolations that call the file's own functions, each
    /// occurrence in order.
    ///
    /// Every byte but the import and the declarations (constants, variables, functions) becomes
    /// a space (line breaks stay), so each declaration keeps its line and column. The probe's
    /// pipeline has one gate per computed constant, `"\(NAME)"`, per pure expression,
    /// `"\(EXPR)"`, and per occurrence a call of a function that returns `"\(EXPR)"` (one
    /// function per distinct text: type-checking an interpolation costs far more than a call, 2.5
    /// against 0.3 CPU s for 1,000). A gate is a plain `String` built by the same default string
    /// interpolation as the rows' literals, and nothing checks it before the loader does. The
    /// occurrences are called in the order the file evaluates them, after every declaration,
    /// which is why the reader refuses a computed constant or variable after the first.
    static func constantsProbe(_ bytes: [UInt8]) -> (source: [UInt8], names: [String], occurrences: Int)? {
        var reader = LiteralReader(bytes, computed: .placeholder)
        guard (try? reader.file()) != nil,
            !reader.computed.isEmpty || !reader.expressions.isEmpty || !reader.occurrences.isEmpty,
            !bytes.contains(Array(probeConstant.utf8)), !bytes.contains(Array(probePipeline.utf8)),
            !bytes.contains(Array(probeFunction.utf8))
        else { return nil }
        var source = bytes.map { $0 == UInt8(ascii: "\n") ? $0 : UInt8(ascii: " ") }
        for statement in reader.constantStatements { source.replaceSubrange(statement, with: bytes[statement]) }
        let names = reader.computed + reader.expressions
        var functions: [String: String] = [:]
        var calls: [String] = []
        for text in reader.occurrences {
            let function: String
            if let declared = functions[text] {
                function = declared
            } else {
                function = "\(probeFunction)\(functions.count)"
                functions[text] = function
                source += Array("\nfunc \(function)() -> String { \"\\(\(text))\" }".utf8)
            }
            calls.append("\(function)()")
        }
        let gates = (names.map { "\"\\(\($0))\"" } + calls).joined(separator: ", ")
        source += Array(
            "\nlet \(probeConstant) = Pipeline(name: \"\(probePipeline)\", gates: [\(gates)])\n".utf8)
        return (source, names, reader.occurrences.count)
    }
}
