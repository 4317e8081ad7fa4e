/// Cuts a Leptonfile's long array literals into pieces of ``piece`` rows, each piece a function
/// in a source file of its own, without moving a single line of the user's file.
///
/// Swift type-checks one collection literal as one constraint system, and its work grows faster
/// than the literal: 1,000 rows of a typed table `[(String, String, [String], String)]` cost
/// 3.3 CPU s to compile, 1,000 `.stage(...)` calls with one interpolation 10 s. Cut into
/// functions of a few dozen rows each, the same table compiles in 1.1 s and the stages in 4 s:
/// function bodies are type-checked (and code-generated) one at a time. And with each piece in a
/// file of its own, the compiler's incremental mode compiles again only the pieces an edit
/// touched (and those that read a declaration the edit changed).
///
/// Two forms are cut: a top-level `let NAME: [T] = [ … ]` (or `var`) whose literal is the whole
/// initialiser or is followed by ` + more`, and the `stages: [ … ]` argument of `Pipeline(...)`.
/// The literal keeps its first ``piece`` rows, then `] + __leptonPart1()`; the other rows move to
/// `func __leptonPart1() -> [T] { [rows,] + __leptonPart2() }` and so on, each in its own file
/// behind a `#sourceLocation` that names the user's file and the rows' first line. In the main
/// file the moved rows and the closing bracket become spaces: every other byte stays where it
/// was, so a diagnostic or a crash report names the user's line and column, and `+` groups left,
/// so the rows join in the same order before anything the literal is added to.
///
/// Anything the scanner cannot be sure of (``SwiftTokens``), a literal followed by other
/// expression (`[…].sorted()`), a dictionary, a modifier before `let`: left as written. The
/// loader compiles the file as written whenever the pieces fail to compile, so a diagnostic is
/// always the compiler's on the user's file.
enum LiteralSplitter {
    /// Rows per piece: small enough that each piece is cheap for the type checker, large enough
    /// that the chain joining them stays short.
    static let piece = 25

    /// The Leptonfile at `path` (named in the `#sourceLocation` directives) with its long
    /// literals cut into pieces; nil when no literal is long enough to cut (or the file is
    /// outside what the scanner reads with certainty).
    static func split(_ bytes: [UInt8], path: String, piece: Int = piece) -> SplitLeptonfile? {
        guard let source = SwiftTokens.scan(bytes),
            !path.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F })
        else { return nil }
        let quotedPath = "\"" + path.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"") + "\""
        // Names of the pieces that nothing in the file can be using.
        var prefix = "__lepton"
        while bytes.firstRange(of: Array(prefix.utf8)) != nil { prefix += "_" }
        let tokens = source.tokens
        let parents = enclosingBrackets(source)
        let imports = importLines(source, parents: parents)
        var main = bytes
        var insertions: [(position: Int, text: String)] = []
        var pieces: [[UInt8]] = []
        var index = 0
        var coveredUntil = -1
        // The line at `counted`, advanced as the pieces go forward through the file.
        var counted = 0
        var line = 1
        while index < tokens.count {
            defer { index += 1 }
            guard tokens[index].start > coveredUntil,
                let literal = candidate(at: index, in: source, parents: parents)
            else { continue }
            let cuts = splitPoints(of: literal.open, in: source, piece: piece)
            guard !cuts.isEmpty, case .opening(let close) = tokens[literal.open].kind else { continue }
            coveredUntil = tokens[close].start
            insertions.append((tokens[cuts[0]].end, "] + \(prefix)Part\(pieces.count + 1)()"))
            for (number, cut) in cuts.enumerated() {
                let start = lineEnd(after: tokens[cut].end, in: bytes)
                let end =
                    number + 1 < cuts.count
                    ? lineEnd(after: tokens[cuts[number + 1]].end, in: bytes) : tokens[close].start
                let name = "\(prefix)Part\(pieces.count + 1)"
                let next = number + 1 < cuts.count ? " + \(prefix)Part\(pieces.count + 2)()" : ""
                line += bytes[counted..<start].count { $0 == UInt8(ascii: "\n") }
                counted = start
                var text = imports
                text += "#sourceLocation(file: \(quotedPath), line: \(line - 1))\n"
                text += "func \(name)() -> \(literal.type) { [\n"
                var file = Array(text.utf8) + bytes[start..<end]
                if file.last != UInt8(ascii: "\n") { file.append(UInt8(ascii: "\n")) }
                file += Array("]\(next) }\n#sourceLocation()\n".utf8)
                pieces.append(file)
                for position in start..<end where main[position] != UInt8(ascii: "\n") {
                    main[position] = UInt8(ascii: " ")
                }
            }
            main[tokens[close].start] = UInt8(ascii: " ")
        }
        guard !pieces.isEmpty else { return nil }
        var result = Array("#sourceLocation(file: \(quotedPath), line: 1)\n".utf8)
        result.reserveCapacity(main.count + insertions.count * 40 + 80)
        var copied = 0
        for (position, text) in insertions {
            result += main[copied..<position]
            result += Array(text.utf8)
            copied = position
        }
        result += main[copied...]
        return SplitLeptonfile(main: result, pieces: pieces)
    }

    /// The position just after the line break that ends the line `position` is on (the end of
    /// the file when none does).
    private static func lineEnd(after position: Int, in bytes: [UInt8]) -> Int {
        var index = position
        while index < bytes.count, bytes[index] != UInt8(ascii: "\n") { index += 1 }
        return min(bytes.count, index + 1)
    }

    /// The file's top-level `import` lines, for the pieces' files.
    private static func importLines(_ source: SwiftTokens, parents: [Int]) -> String {
        var lines = ""
        for (index, token) in source.tokens.enumerated()
        where parents[index] < 0 && source.isWord(index, "import") && source.startsLine(token.start) {
            let end = lineEnd(after: token.start, in: source.bytes)
            lines += String(decoding: source.bytes[token.start..<end], as: UTF8.self)
            if !lines.hasSuffix("\n") { lines += "\n" }
        }
        return lines
    }

    /// The opening bracket of a literal to split at token `index`, and its type's text.
    private static func candidate(at index: Int, in source: SwiftTokens, parents: [Int])
        -> (open: Int, type: String)?
    {
        let tokens = source.tokens
        if source.isWord(index, "let") || source.isWord(index, "var"), parents[index] < 0,
            source.startsLine(tokens[index].start), index + 3 < tokens.count, tokens[index + 1].kind == .word,
            source.isPunctuation(index + 2, ":"), source.isOpen(index + 3, "["),
            case .opening(let typeClose) = tokens[index + 3].kind,
            source.isPunctuation(typeClose + 1, "="), source.isOpen(typeClose + 2, "["),
            case .opening(let close) = tokens[typeClose + 2].kind
        {
            // The whole initialiser, or `[…] + more` (`+` groups left: the pieces join first).
            guard endsStatement(after: close, in: source) || addsMore(after: close, in: source) else { return nil }
            let type = Array(source.bytes[tokens[index + 3].start..<tokens[typeClose].end])
            // An array type on one line, without comments: `[K: V]` is a dictionary.
            let dictionary = (index + 4..<typeClose).contains {
                source.isPunctuation($0, ":") && parents[$0] == index + 3
            }
            guard !dictionary, !type.contains(UInt8(ascii: "\n")), !type.contains(UInt8(ascii: "/")) else { return nil }
            return (typeClose + 2, String(decoding: type, as: UTF8.self))
        }
        // `Pipeline(…, stages: [ … ], …)`: the literal is the whole argument.
        if source.isWord(index, "stages"), source.isPunctuation(index + 1, ":"), source.isOpen(index + 2, "["),
            index >= 1, source.isPunctuation(index - 1, ",") || source.isOpen(index - 1, "("),
            case let call = parents[index], call >= 1, source.isOpen(call, "("), source.isWord(call - 1, "Pipeline"),
            case .opening(let close) = tokens[index + 2].kind, case .opening(let callClose) = tokens[call].kind,
            source.isPunctuation(close + 1, ",") || close + 1 == callClose || addsMore(after: close, in: source)
        {
            return (index + 2, "[Stage]")
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
