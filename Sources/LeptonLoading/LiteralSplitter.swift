/// Rewrites a Leptonfile's long array literals so that the compiler type-checks them in pieces
/// of ``piece`` elements, without moving a single line.
///
/// Swift type-checks one collection literal as one constraint system, and its work grows faster
/// than the literal: 1,000 rows of a typed table `[(String, String, [String], String)]` cost
/// 3.3 CPU s to compile, 1,000 `.stage(...)` calls with one interpolation 10 s. Cut into
/// functions of a few dozen rows each, the same table compiles in 1.1 s and the stages in 4 s:
/// function bodies are type-checked (and code-generated) one at a time. Two forms are split:
///
/// - a top-level `let NAME: [T] = [ … ]` (or `var`), the literal being the whole initialiser:
///   after every ``piece``-th row that ends a line, `] + __leptonPart1(); func __leptonPart1()
///   -> [T] { [` is appended to that line, and the last row's `]` gets a `}`;
/// - the `stages: [ … ]` argument of `Pipeline(...)`: as the last argument of a top-level call,
///   functions after the call is closed (``Form/lastArgument``); elsewhere, where no declaration
///   can go, closures with the same signature, `] + { () -> [Stage] in let __leptonRows: [Stage] = [`.
///   So is a top-level typed literal followed by ` + more`.
///
/// Every line and every byte of code stay where they were (text is only added at the ends of
/// lines, before a trailing `//` comment at most, and after the closing bracket), so a warning or
/// a crash report points at the user's line and column; the rows are
/// evaluated in the same order. Anything the scanner cannot be sure of (``SwiftTokens``), a
/// literal followed by more expression than ` + …` (`[…].sorted()`), a dictionary, a modifier
/// before `let`:
/// left as written. The loader compiles the original file whenever the rewritten one fails to
/// compile, so a diagnostic is always the compiler's on the user's file.
enum LiteralSplitter {
    /// Rows per piece: small enough that each piece is cheap for the type checker, large enough
    /// that the chain joining them stays short.
    static let piece = 25

    /// The rewritten source, or nil when no literal is long enough to split (or the file is
    /// outside what the scanner reads with certainty).
    static func split(_ bytes: [UInt8], piece: Int = piece) -> [UInt8]? {
        guard let source = SwiftTokens.scan(bytes) else { return nil }
        // Names of the pieces that nothing in the file can be using.
        var prefix = "__lepton"
        while bytes.firstRange(of: Array(prefix.utf8)) != nil { prefix += "_" }
        let rows = prefix + "Rows"
        var insertions: [(position: Int, text: String)] = []
        var parts = 0
        var index = 0
        var coveredUntil = -1
        let tokens = source.tokens
        let parents = enclosingBrackets(source)
        while index < tokens.count {
            defer { index += 1 }
            guard tokens[index].start > coveredUntil,
                let literal = candidate(at: index, in: source, parents: parents)
            else { continue }
            let cuts = splitPoints(of: literal.open, in: source, piece: piece)
            guard !cuts.isEmpty, case .opening(let close) = tokens[literal.open].kind else { continue }
            coveredUntil = tokens[close].start
            for (number, comma) in cuts.enumerated() {
                parts += 1
                let position = tokens[comma].end
                switch literal.form {
                case .function, .lastArgument:
                    let previous = number > 0 ? " }" : literal.form == .lastArgument ? ")" : ""
                    insertions.append(
                        (
                            position,
                            "] + \(prefix)Part\(parts)()\(previous); func \(prefix)Part\(parts)() -> \(literal.type) { ["
                        ))
                case .closure:
                    let previous = number == 0 ? "]" : "]; return \(rows) }()"
                    insertions.append(
                        (position, "\(previous) + { () -> \(literal.type) in let \(rows): \(literal.type) = ["))
                }
            }
            let end = tokens[close].end
            switch literal.form {
            case .function: insertions.append((end, " }"))
            case .lastArgument: insertions.append((end, " }; _ = ("))
            case .closure: insertions.append((end, "; return \(rows) }()"))
            }
        }
        guard !insertions.isEmpty else { return nil }
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count + insertions.count * 80)
        var copied = 0
        for (position, text) in insertions {
            result += bytes[copied..<position]
            result += Array(text.utf8)
            copied = position
        }
        result += bytes[copied...]
        return result
    }

    private enum Form {
        /// The initialiser of a top-level declaration: the pieces are functions.
        case function
        /// The last argument of a top-level call: the call is closed after the first piece,
        /// the pieces are functions, and the call's `)` closes an empty tuple after them.
        case lastArgument
        /// Anywhere else: the pieces are closures, which cost more to type-check.
        case closure
    }

    /// The opening bracket of a literal to split at token `index`, its element type's text and
    /// the form the pieces take.
    private static func candidate(at index: Int, in source: SwiftTokens, parents: [Int])
        -> (open: Int, type: String, form: Form)?
    {
        let tokens = source.tokens
        if source.isWord(index, "let") || source.isWord(index, "var"), parents[index] < 0,
            source.startsLine(tokens[index].start), index + 3 < tokens.count, tokens[index + 1].kind == .word,
            source.isPunctuation(index + 2, ":"), source.isOpen(index + 3, "["),
            case .opening(let typeClose) = tokens[index + 3].kind,
            source.isPunctuation(typeClose + 1, "="), source.isOpen(typeClose + 2, "["),
            case .opening(let close) = tokens[typeClose + 2].kind
        {
            // A statement of its own takes functions; `[…] + more` closures (`+` groups left,
            // so the pieces join before `more` as the whole literal did).
            let form: Form
            if endsStatement(after: close, in: source) {
                form = .function
            } else if addsMore(after: close, in: source) {
                form = .closure
            } else {
                return nil
            }
            let type = Array(source.bytes[tokens[index + 3].start..<tokens[typeClose].end])
            // An array type on one line, without comments: `[K: V]` is a dictionary.
            let dictionary = (index + 4..<typeClose).contains {
                source.isPunctuation($0, ":") && parents[$0] == index + 3
            }
            guard !dictionary, !type.contains(UInt8(ascii: "\n")), !type.contains(UInt8(ascii: "/")) else { return nil }
            return (typeClose + 2, String(decoding: type, as: UTF8.self), form)
        }
        // `Pipeline(…, stages: [ … ], …)`: the literal is the whole argument.
        if source.isWord(index, "stages"), source.isPunctuation(index + 1, ":"), source.isOpen(index + 2, "["),
            index >= 1, source.isPunctuation(index - 1, ",") || source.isOpen(index - 1, "("),
            case let call = parents[index], call >= 1, source.isOpen(call, "("), source.isWord(call - 1, "Pipeline"),
            case .opening(let close) = tokens[index + 2].kind, case .opening(let callClose) = tokens[call].kind,
            source.isPunctuation(close + 1, ",") || close + 1 == callClose || addsMore(after: close, in: source)
        {
            let last = close + 1 == callClose && parents[call] < 0 && endsStatement(after: callClose, in: source)
            return (index + 2, "[Stage]", last ? .lastArgument : .closure)
        }
        return nil
    }

    /// The commas after which a piece ends: every `piece`-th row or later, at a row that ends
    /// its line, a `//` comment allowed after it (so the added text moves no code); empty when
    /// the literal is shorter than two pieces.
    private static func splitPoints(of open: Int, in source: SwiftTokens, piece: Int) -> [Int] {
        guard case .opening(let close) = source.tokens[open].kind else { return [] }
        var points: [Int] = []
        var rows = 0
        var index = open + 1
        while index < close {
            let token = source.tokens[index]
            if case .opening(let inner) = token.kind {
                index = inner + 1
                continue
            }
            if source.isPunctuation(index, ",") {
                rows += 1
                // Not after the last row: a piece of nothing but a trailing comma is pointless.
                if rows >= piece, index + 1 < close, source.endsLine(token.end) {
                    points.append(index)
                    rows = 0
                }
            }
            index += 1
        }
        return points
    }

    /// For each token, the index of the innermost bracket around it (-1 outside every bracket).
    private static func enclosingBrackets(_ source: SwiftTokens) -> [Int] {
        var parents: [Int] = []
        parents.reserveCapacity(source.tokens.count)
        var open: [Int] = []
        for (index, token) in source.tokens.enumerated() {
            if token.kind == .closing { _ = open.popLast() }
            parents.append(open.last ?? -1)
            if case .opening = token.kind { open.append(index) }
        }
        return parents
    }

    /// Whether a binary ` + ` follows the closing bracket at `close` (not `+=`, `++` or a
    /// prefix `+x`).
    private static func addsMore(after close: Int, in source: SwiftTokens) -> Bool {
        let plus = close + 1
        guard source.isPunctuation(plus, "+"), plus + 1 < source.tokens.count else { return false }
        let bytes = source.bytes
        let start = source.tokens[plus].start
        let end = source.tokens[plus].end
        let spaced: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\n") }
        return start > 0 && spaced(bytes[start - 1]) && end < bytes.count && spaced(bytes[end])
    }

    /// Whether the statement ends after the closing bracket at `close`: the end of the file, a
    /// `;`, or a new statement (a word other than `as`/`is`, a `#` directive, an attribute). A
    /// `.`, an operator or a bracket could continue the expression (`]\n.sorted()`), which the
    /// pieces would change.
    private static func endsStatement(after close: Int, in source: SwiftTokens) -> Bool {
        let next = close + 1
        guard next < source.tokens.count else { return true }
        let token = source.tokens[next]
        if token.kind == .word { return !source.isWord(next, "as") && !source.isWord(next, "is") }
        return source.isPunctuation(next, ";") || source.isPunctuation(next, "#") || source.isPunctuation(next, "@")
    }
}
