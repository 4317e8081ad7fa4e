/// A strict reader of the literal subset, one byte at a time.
struct LiteralReader {
    private let bytes: [UInt8]
    private var index = 0
    /// `let NAME = "..."` constants read so far, for `\(NAME)` in later literals.
    private var constants: [String: [UInt8]] = [:]
    /// The text of each computed constant interpolated (`"\(epochs)"`), pure expression and
    /// call of the file's own functions, from a compiled probe; ``ProbeValues/placeholder``
    /// while the probe is being made (each reads as a placeholder); nil refuses all of them, and
    /// the declarations only a probe compiles (`func`, `var`).
    private let computedValues: ProbeValues?
    /// Constants whose value only the compiler knows (`let folder = "o" + "ut"`), in order.
    private(set) var computed: [String] = []
    /// The text of every interpolated expression (`"\(folder.lowercased())"`, see
    /// ``expression()``), each distinct text once, in the order first read: a probe computes
    /// them, with the computed constants.
    private(set) var expressions: [String] = []
    private var expressionsRead: Set<String> = []
    /// The text of every interpolation that calls a function declared in the file
    /// (`"\(under(folder))"`), once per occurrence in the order the file evaluates them: such a
    /// function may give another value each time, so the probe calls each occurrence in turn.
    private(set) var occurrences: [String] = []
    /// The functions declared in the file (`func NAME`).
    private var functions: Set<String> = []
    /// Names declared by `var`, which no literal interpolates (the value may change).
    private var variables: Set<String> = []
    /// The byte ranges of the `import` and every constant's statement, in order: what a probe
    /// needs to compute the computed constants.
    private(set) var constantStatements: [Range<Int>] = []
    /// The file's tokens, scanned at the first computed constant (`.some(nil)`: unscannable).
    private var scanned: SwiftTokens??

    /// `computed` gives the text of every computed constant (see ``LiteralLeptonfile/constantsProbe(_:)``);
    /// without it, a computed constant is outside the subset.
    init(_ bytes: [UInt8], computed: ProbeValues? = nil) {
        self.bytes = bytes
        self.computedValues = computed
    }

    /// `import LeptonDescription`, then lines of `let NAME: [Stage] = [...]`, of string
    /// constants (`let NAME = "..."`, `let NAME: String = "..."`) and, given ``computedValues``,
    /// of computed constants (any other `let`, one per line), variables (`var`, one per line) and
    /// functions (`func NAME … { … }`), then `let NAME = Pipeline(...)` and nothing after it.
    mutating func file() throws(OutsideTheSubset) -> Serialization.Pipeline {
        skipTrivia()
        let importStart = index
        try keyword("import")
        guard !skipTrivia() else { throw OutsideTheSubset() }
        try keyword("LeptonDescription")
        constantStatements.append(importStart..<index)
        var arrays: [String: [Serialization.Stage]] = [:]
        while true {
            guard skipTrivia() else { throw OutsideTheSubset() }  // one statement per line
            let statement = index
            let introducer = try identifier()
            guard ["let", "var", "func"].contains(introducer) else { throw OutsideTheSubset() }
            skipTrivia()
            let name = try identifier()
            // A capitalised name could be a type's (`let Stage: [Stage]`): left to the compiler.
            // A function may be overloaded; no other name may be declared twice. A function named
            // like a pure one (`max`) is what every call of that name calls, those read above its
            // declaration as pure too.
            guard !Self.reserved.contains(name), arrays[name] == nil, constants[name] == nil,
                !variables.contains(name), introducer == "func" || !functions.contains(name),
                introducer != "func" || !Self.pureFunctions.contains(name),
                name.first?.isUppercase == false
            else {
                throw OutsideTheSubset()
            }
            if introducer != "let" {
                try declaration(name, function: introducer == "func")
                constantStatements.append(statement..<index)
                continue
            }
            skipTrivia()
            if peek(UInt8(ascii: "=")) {
                let equals = index
                index += 1
                skipTrivia()
                let value = index
                if peek(UInt8(ascii: "\"")), let text = try? string(), endsStatement() {
                    constants[name] = Array(text.utf8)
                } else {
                    index = value
                    var pipeline = self
                    if (try? pipeline.keyword("Pipeline")) != nil {
                        index = equals
                        break
                    }
                    try computedConstant(name)
                }
                constantStatements.append(statement..<index)
                continue
            }
            try punctuation(UInt8(ascii: ":"))
            skipTrivia()
            let type = index
            if (try? stageArrayType()) == nil {
                index = type
                if (try? stringConstant(name)) == nil {
                    index = type
                    try computedConstant(name)
                }
                constantStatements.append(statement..<index)
                continue
            }
            arrays[name] = try stages(arrays)
        }
        try punctuation(UInt8(ascii: "="))
        skipTrivia()
        try keyword("Pipeline", call: true)
        var pipeline = Serialization.Pipeline(name: "", params: "params.yaml", stages: [], gates: [])
        try arguments(["name", "params", "stages", "gates", "data"]) { (label, reader) throws(OutsideTheSubset) in
            switch label {
            case "name": pipeline.name = try reader.string()
            case "params": pipeline.params = try reader.string()
            case "stages": pipeline.stages = try reader.stages(arrays)
            case "gates": pipeline.gates = try reader.strings()
            default:
                let data = try reader.strings()
                pipeline.data = data.isEmpty ? nil : data
            }
        }
        skipTrivia()
        guard index == bytes.count,
            computedValues?.isPlaceholder != false || computedValues?.occurrences.count == occurrences.count
        else { throw OutsideTheSubset() }
        return pipeline
    }

    /// `[.stage(...), …]` or a name declared above, joined by ` + `.
    private mutating func stages(_ arrays: [String: [Serialization.Stage]]) throws(OutsideTheSubset)
        -> [Serialization.Stage]
    {
        var stages: [Serialization.Stage] = []
        while true {
            if peek(UInt8(ascii: "[")) {
                stages += try list { (reader) throws(OutsideTheSubset) in try reader.stage() }
            } else {
                guard let named = arrays[try identifier()] else { throw OutsideTheSubset() }
                stages += named
            }
            // A binary `+` has space on both sides (`a +b` would be a prefix operator).
            guard index + 2 < bytes.count, Self.isSpace(bytes[index]), bytes[index + 1] == UInt8(ascii: "+"),
                Self.isSpace(bytes[index + 2])
            else {
                let start = index
                skipTrivia()
                if peek(UInt8(ascii: "+")) { throw OutsideTheSubset() }
                index = start
                return stages
            }
            index += 2
            skipTrivia()
        }
    }

    /// `.stage(name:command:inputs:code:params:environment:outputs:metrics:gates:after:)`.
    private mutating func stage() throws(OutsideTheSubset) -> Serialization.Stage {
        try member("stage")
        var stage = Serialization.Stage(
            name: "", command: Serialization.Command(), inputs: [], code: [], params: [], environment: [],
            outputs: [], metrics: [], gates: [], after: [])
        let labels = [
            "name", "command", "inputs", "code", "params", "environment", "outputs", "metrics", "gates", "after",
        ]
        let seen = try arguments(labels) { (label, reader) throws(OutsideTheSubset) in
            switch label {
            case "name": stage.name = try reader.string(nonEmpty: true)
            case "command": stage.command = try reader.command()
            case "inputs": stage.inputs = try reader.paths(["file", "folder", "glob"])
            case "code": stage.code = try reader.paths(["file", "folder", "glob", "target"])
            case "params":
                stage.params = try reader.list { (reader) throws(OutsideTheSubset) in try reader.parameter() }
            case "environment": stage.environment = try reader.strings()
            case "outputs": stage.outputs = try reader.paths(["file", "folder"])
            case "metrics": stage.metrics = try reader.strings()
            case "gates": stage.gates = try reader.strings()
            default: stage.after = try reader.strings()
            }
        }
        guard seen.starts(with: ["name", "command"]) else { throw OutsideTheSubset() }
        return stage
    }

    /// A string literal (a shell line), `.shell(_:)`, `.exec(_:)` with a program, or `.lepton(_:)`.
    private mutating func command() throws(OutsideTheSubset) -> Serialization.Command {
        if peek(UInt8(ascii: "\"")) { return Serialization.Command(shell: try string()) }
        let factory = try factoryCall(["shell", "exec", "lepton"])
        var command = Serialization.Command()
        switch factory {
        case "shell": command.shell = try string()
        case "exec":
            let arguments = try strings()
            guard !arguments.isEmpty else { throw OutsideTheSubset() }
            command.exec = arguments
        default:
            command.tool = try strings()
            command.toolSettings = []
        }
        try closingParenthesis()
        return command
    }

    /// A string literal (kind `path`) or one of `factories` applied to one string literal.
    private mutating func paths(_ factories: Set<String>) throws(OutsideTheSubset) -> [Serialization.Path] {
        try list { (reader) throws(OutsideTheSubset) in
            if reader.peek(UInt8(ascii: "\"")) {
                return Serialization.Path(kind: "path", path: try reader.string(nonEmpty: true))
            }
            let kind = try reader.factoryCall(factories)
            let path = try reader.string(nonEmpty: true)
            try reader.closingParenthesis()
            return Serialization.Path(kind: kind, path: path)
        }
    }

    /// A key literal, or `.key(_:file:)`.
    private mutating func parameter() throws(OutsideTheSubset) -> Serialization.Parameter {
        if peek(UInt8(ascii: "\"")) { return Serialization.Parameter(key: try string(nonEmpty: true)) }
        _ = try factoryCall(["key"])
        var parameter = Serialization.Parameter(key: try string(nonEmpty: true))
        skipTrivia()
        if peek(UInt8(ascii: ",")) {
            index += 1
            skipTrivia()
            try keyword("file")
            skipTrivia()
            try punctuation(UInt8(ascii: ":"))
            skipTrivia()
            parameter.file = try string()
        }
        try closingParenthesis()
        return parameter
    }

    /// `(label: value, …)` with each label at most once, in the order of `labels`, a trailing
    /// comma allowed; returns the labels seen.
    @discardableResult
    private mutating func arguments(
        _ labels: [String], _ value: (String, inout LiteralReader) throws(OutsideTheSubset) -> Void
    ) throws(OutsideTheSubset) -> [String] {
        try punctuation(UInt8(ascii: "("))
        var seen: [String] = []
        var next = labels.startIndex
        while true {
            skipTrivia()
            if peek(UInt8(ascii: ")")) { break }
            let label = try identifier()
            guard let position = labels[next...].firstIndex(of: label) else { throw OutsideTheSubset() }
            next = position + 1
            seen.append(label)
            skipTrivia()
            try punctuation(UInt8(ascii: ":"))
            skipTrivia()
            try value(label, &self)
            skipTrivia()
            guard peek(UInt8(ascii: ",")) else { break }
            index += 1
        }
        try punctuation(UInt8(ascii: ")"))
        return seen
    }

    /// `[element, …]`, a trailing comma allowed.
    private mutating func list<Element>(
        _ element: (inout LiteralReader) throws(OutsideTheSubset) -> Element
    ) throws(OutsideTheSubset) -> [Element] {
        try punctuation(UInt8(ascii: "["))
        var elements: [Element] = []
        while true {
            skipTrivia()
            if peek(UInt8(ascii: "]")) { break }
            elements.append(try element(&self))
            skipTrivia()
            guard peek(UInt8(ascii: ",")) else { break }
            index += 1
        }
        try punctuation(UInt8(ascii: "]"))
        return elements
    }

    private mutating func strings() throws(OutsideTheSubset) -> [String] {
        try list { (reader) throws(OutsideTheSubset) in try reader.string() }
    }

    /// `)` closing a one-argument factory call.
    private mutating func closingParenthesis() throws(OutsideTheSubset) {
        skipTrivia()
        try punctuation(UInt8(ascii: ")"))
    }

    /// `.NAME(` with nothing between the dot, the name and the parenthesis (a call's
    /// parenthesis on another line would be a new statement).
    private mutating func member(_ name: String) throws(OutsideTheSubset) {
        guard try memberName([name]) == name else { throw OutsideTheSubset() }
    }

    /// `.NAME(` for one of `names`, and the space after the parenthesis: a factory of one
    /// argument; returns the name.
    private mutating func factoryCall(_ names: Set<String>) throws(OutsideTheSubset) -> String {
        let name = try memberName(names)
        index += 1  // the parenthesis `memberName` saw
        skipTrivia()
        return name
    }

    private mutating func memberName(_ names: Set<String>) throws(OutsideTheSubset) -> String {
        try punctuation(UInt8(ascii: "."))
        let name = try identifier()
        guard names.contains(name), peek(UInt8(ascii: "(")) else { throw OutsideTheSubset() }
        return name
    }

    /// A plain string literal: no raw or multi-line form, only the escapes Swift accepts, and
    /// interpolations of a constant declared above (`"\(folder)/a.csv"`) or of an expression
    /// over such constants that a probe computes (`"\(folder.lowercased())"`, ``expression()``).
    /// `nonEmpty` refuses what the DSL reports as misuse (an empty name or path).
    private mutating func string(nonEmpty: Bool = false) throws(OutsideTheSubset) -> String {
        guard let text = String(validating: try stringBytes(), as: UTF8.self), !nonEmpty || !text.isEmpty else {
            throw OutsideTheSubset()
        }
        return text
    }

    /// The bytes of a string literal (see ``string(nonEmpty:)``).
    private mutating func stringBytes() throws(OutsideTheSubset) -> [UInt8] {
        try punctuation(UInt8(ascii: "\""))
        guard !peek(UInt8(ascii: "\"")) || !peek(UInt8(ascii: "\""), at: 1) else { throw OutsideTheSubset() }
        var content: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return content
            case UInt8(ascii: "\\") where peek(UInt8(ascii: "(")):
                index += 1
                content += try interpolation()
            case UInt8(ascii: "\\"): content += try escape()
            // A line break ends no plain literal, and Swift refuses any other raw control
            // character in one, a tab too ("unprintable ASCII character found in source file").
            case 0..<0x20, 0x7F: throw OutsideTheSubset()
            default: content.append(byte)
            }
        }
        throw OutsideTheSubset()
    }

    /// The text `\(...)` interpolates, after its `\(`: a constant's (a String interpolates as
    /// its own text), or an expression's (``expression()``) from ``computedValues``.
    private mutating func interpolation() throws(OutsideTheSubset) -> [UInt8] {
        let start = index
        if let name = try? identifier(), peek(UInt8(ascii: ")")), let constant = constants[name] {
            index += 1
            return constant
        }
        index = start
        let (text, pure) = try expression()
        guard let computedValues else { throw OutsideTheSubset() }
        if !pure {
            occurrences.append(text)
            if computedValues.isPlaceholder { return Array("computed".utf8) }
            guard occurrences.count <= computedValues.occurrences.count else { throw OutsideTheSubset() }
            return computedValues.occurrences[occurrences.count - 1]
        }
        if expressionsRead.insert(text).inserted { expressions.append(text) }
        if computedValues.isPlaceholder { return Array("computed".utf8) }  // a placeholder while the probe is made
        guard let value = computedValues.named[text] else { throw OutsideTheSubset() }
        return value
    }

    /// An interpolated expression up to the `)` that closes the interpolation: constants
    /// declared above, integer and decimal literals, `+ - * / %`, calls (with argument labels)
    /// of pure standard-library operations (``pureMembers``, ``pureFunctions``) and of the
    /// file's own functions. Returns its text, and whether every evaluation gives the same text
    /// (it calls none of the file's functions), so that a probe may compute it once for every row
    /// that repeats it; otherwise the probe computes each occurrence. Anything else (a string, a
    /// closure, a subscript, `Int.random(in:)`) is outside the subset and compiled where it stands.
    private mutating func expression() throws(OutsideTheSubset) -> (text: String, pure: Bool) {
        let start = index
        var depth = 0
        var member = false  // after a `.`
        var argument = false  // after a call's `(` or `,`, where a label may stand
        var pure = true
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: ")") where depth == 0:
                let text = bytes[start..<index]
                index += 1
                guard !text.allSatisfy({ $0 == UInt8(ascii: " ") }) else { throw OutsideTheSubset() }
                return (String(decoding: text, as: UTF8.self), pure)
            case UInt8(ascii: ")"):
                depth -= 1
                index += 1
            case UInt8(ascii: "("):
                depth += 1
                index += 1
                argument = true
                continue
            case UInt8(ascii: ",") where depth > 0:
                index += 1
                argument = true
                continue
            case UInt8(ascii: " ") where argument:
                index += 1
                continue
            case UInt8(ascii: "/") where peek(UInt8(ascii: "/"), at: 1) || peek(UInt8(ascii: "*"), at: 1):
                throw OutsideTheSubset()  // a comment
            case UInt8(ascii: " "), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "*"), UInt8(ascii: "/"),
                UInt8(ascii: "%"):
                index += 1
            case UInt8(ascii: "."):
                index += 1
                member = true
                continue
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                guard !member else { throw OutsideTheSubset() }
                number()
            default:
                let name = try identifier()
                if argument && peek(UInt8(ascii: ":")) {  // a label
                    index += 1
                } else if !member && functions.contains(name) {
                    pure = false
                } else {
                    let root = constants[name] != nil || Self.pureFunctions.contains(name)
                    guard member ? Self.pureMembers.contains(name) : root else { throw OutsideTheSubset() }
                }
            }
            member = false
            argument = false
        }
        throw OutsideTheSubset()
    }

    /// Digits (and `_`), then a fraction when a digit follows the `.`.
    private mutating func number() {
        func digits() {
            while index < bytes.count,
                bytes[index] == UInt8(ascii: "_") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index])
            {
                index += 1
            }
        }
        digits()
        if peek(UInt8(ascii: ".")), index + 1 < bytes.count,
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index + 1])
        {
            index += 1
            digits()
        }
    }

    /// Members of `String`, `Int`, `Double` and their collections that give the same value for
    /// the same operands every time.
    private static let pureMembers: Set<String> = [
        "lowercased", "uppercased", "count", "description", "isEmpty", "first", "last", "reversed", "sorted",
        "dropFirst", "dropLast", "prefix", "suffix", "joined", "min", "max", "magnitude", "rounded", "squareRoot",
    ]

    /// Functions and initialisers that give the same value for the same arguments every time.
    private static let pureFunctions: Set<String> = ["String", "Int", "Double", "min", "max", "abs"]

    /// The bytes of one escape after its backslash.
    private mutating func escape() throws(OutsideTheSubset) -> [UInt8] {
        guard index < bytes.count else { throw OutsideTheSubset() }
        let byte = bytes[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: "'"): return [byte]
        case UInt8(ascii: "n"): return [0x0A]
        case UInt8(ascii: "r"): return [0x0D]
        case UInt8(ascii: "t"): return [0x09]
        case UInt8(ascii: "0"): return [0x00]
        case UInt8(ascii: "u"):
            try punctuation(UInt8(ascii: "{"))
            var value: UInt32 = 0
            var digits = 0
            while index < bytes.count, let digit = Self.hexValue(bytes[index]) {
                value = value << 4 | digit
                digits += 1
                index += 1
                guard digits <= 8 else { throw OutsideTheSubset() }
            }
            try punctuation(UInt8(ascii: "}"))
            guard digits > 0, let scalar = Unicode.Scalar(value) else { throw OutsideTheSubset() }
            return Array(String(Character(scalar)).utf8)
        default: throw OutsideTheSubset()  // an escape Swift refuses
        }
    }

    private static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    /// `[Stage] =` of a stage array's declaration.
    private mutating func stageArrayType() throws(OutsideTheSubset) {
        try punctuation(UInt8(ascii: "["))
        try keyword("Stage")
        try punctuation(UInt8(ascii: "]"))
        skipTrivia()
        try punctuation(UInt8(ascii: "="))
        skipTrivia()
    }

    /// `String = "..."` of a string constant's declaration.
    private mutating func stringConstant(_ name: String) throws(OutsideTheSubset) {
        try keyword("String")
        skipTrivia()
        try punctuation(UInt8(ascii: "="))
        skipTrivia()
        let text = try string()
        guard endsStatement() else { throw OutsideTheSubset() }
        constants[name] = Array(text.utf8)
    }

    /// Whether only trivia stands between here and the end of the line (or the file).
    private func endsStatement() -> Bool {
        var rest = self
        return rest.skipTrivia() || rest.index == bytes.count
    }

    /// A constant only the compiler can compute (`let epochs = 2 * 5`, `let root: String =
    /// base + "/x"`): skips the rest of its line (brackets may span lines) and takes its text
    /// from ``computedValues``, or a placeholder while a probe is being made. A line that
    /// continues the expression (`.uppercased()` below it) is no `let` and ends the subset.
    private mutating func computedConstant(_ name: String) throws(OutsideTheSubset) {
        guard let computedValues else { throw OutsideTheSubset() }
        try skipStatement(function: false)
        computed.append(name)
        constants[name] = computedValues.isPlaceholder ? Array("computed".utf8) : computedValues.named[name]
        guard constants[name] != nil else { throw OutsideTheSubset() }
    }

    /// The rest of a `var` (one per line) or `func` declaration (up to its body's `}`), after its
    /// name: only a probe compiles it, so nothing but its extent is read. A variable's value may
    /// change, so no literal interpolates it; a function is called by the probe (``expression()``).
    private mutating func declaration(_ name: String, function: Bool) throws(OutsideTheSubset) {
        guard computedValues != nil else { throw OutsideTheSubset() }
        skipTrivia()
        try skipStatement(function: function)
        if function { functions.insert(name) } else { variables.insert(name) }
    }

    /// Moves past the rest of a statement: to the end of its line (outside brackets), or for a
    /// function, past its body's `}`, which must end the line. A computed constant or variable
    /// after an occurrence the probe computes (``occurrences``) is outside the subset: the probe
    /// calls the occurrences after every declaration, so one evaluated between them could see
    /// another state.
    private mutating func skipStatement(function: Bool) throws(OutsideTheSubset) {
        guard function || occurrences.isEmpty else { throw OutsideTheSubset() }
        if scanned == nil { scanned = .some(SwiftTokens.scan(bytes)) }
        guard let tokens = scanned ?? nil else { throw OutsideTheSubset() }
        var next = tokens.firstToken(atOrAfter: index)
        guard next < tokens.tokens.count, tokens.tokens[next].start == index else { throw OutsideTheSubset() }
        var end = index
        while next < tokens.tokens.count {
            let token = tokens.tokens[next]
            if !function && end > index && bytes[end..<token.start].contains(UInt8(ascii: "\n")) { break }
            // `let a = f(); let b = …`: one statement per line.
            if token.kind == .punctuation && bytes[token.start] == UInt8(ascii: ";") { throw OutsideTheSubset() }
            if case .opening(let close) = token.kind {
                end = tokens.tokens[close].end
                next = close + 1
                if function && bytes[token.start] == UInt8(ascii: "{") {
                    index = end
                    guard endsStatement() else { throw OutsideTheSubset() }
                    return
                }
            } else {
                end = token.end
                next += 1
            }
        }
        guard !function else { throw OutsideTheSubset() }
        index = end
    }

    /// An identifier made of ASCII letters, digits and `_` (a backquoted or Unicode one is
    /// outside the subset).
    private mutating func identifier() throws(OutsideTheSubset) -> String {
        let start = index
        while index < bytes.count, Self.isIdentifierByte(bytes[index], first: index == start) { index += 1 }
        guard index > start else { throw OutsideTheSubset() }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    /// `word` as a whole identifier; with `call`, directly followed by `(`.
    private mutating func keyword(_ word: String, call: Bool = false) throws(OutsideTheSubset) {
        guard try identifier() == word, !call || peek(UInt8(ascii: "(")) else { throw OutsideTheSubset() }
    }

    private mutating func punctuation(_ byte: UInt8) throws(OutsideTheSubset) {
        guard peek(byte) else { throw OutsideTheSubset() }
        index += 1
    }

    private func peek(_ byte: UInt8, at offset: Int = 0) -> Bool {
        index + offset < bytes.count && bytes[index + offset] == byte
    }

    /// Skips spaces, line breaks and comments (block comments nest, as in Swift); true when a
    /// line break outside a comment was crossed.
    @discardableResult
    private mutating func skipTrivia() -> Bool {
        var crossedLine = false
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"): index += 1
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                crossedLine = true
                index += 1
            case UInt8(ascii: "/") where peek(UInt8(ascii: "/"), at: 1):
                while index < bytes.count, bytes[index] != UInt8(ascii: "\n") { index += 1 }
            case UInt8(ascii: "/") where peek(UInt8(ascii: "*"), at: 1):
                var depth = 0
                repeat {
                    if peek(UInt8(ascii: "/")) && peek(UInt8(ascii: "*"), at: 1) {
                        depth += 1
                        index += 2
                    } else if peek(UInt8(ascii: "*")) && peek(UInt8(ascii: "/"), at: 1) {
                        depth -= 1
                        index += 2
                    } else {
                        index += 1
                    }
                } while depth > 0 && index < bytes.count
            default: return crossedLine
            }
        }
        return crossedLine
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\t")
    }

    private static func isIdentifierByte(_ byte: UInt8, first: Bool) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "_"): true
        case UInt8(ascii: "0")...UInt8(ascii: "9"): !first
        default: false
        }
    }

    /// Words that cannot name the pipeline's constant.
    private static let reserved: Set<String> = [
        "_", "as", "break", "case", "catch", "class", "continue", "default", "defer", "do", "else", "enum",
        "extension", "fallthrough", "false", "for", "func", "guard", "if", "import", "in", "init", "inout", "is",
        "let", "nil", "operator", "private", "protocol", "public", "repeat", "rethrows", "return", "self",
        "Self", "static", "struct", "subscript", "super", "switch", "throw", "throws", "true", "try", "typealias",
        "var", "where", "while", "internal", "fileprivate", "open", "associatedtype", "deinit", "any", "some",
        "Any", "Type", "Protocol", "await", "async", "consume", "borrowing", "consuming", "each", "package",
    ]
}

/// Nothing the compiler would be sure to accept, or a value the DSL reports as misuse.
struct OutsideTheSubset: Error {}
