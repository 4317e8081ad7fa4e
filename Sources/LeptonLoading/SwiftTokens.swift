/// The brackets, words and punctuation of a Swift source file, with string literals and comments
/// as single opaque tokens: enough structure for ``LiteralSplitter`` to find a collection
/// literal's elements without being fooled by a comma in a string or a bracket in a comment.
///
/// The scanner is strict where Swift is subtle: a regex literal (`#/.../#`), a character in
/// single quotes, an unterminated string or comment, or a bracket that does not match, and
/// ``scan(_:)`` returns nil (the caller then leaves the file as it is). Interpolations are
/// followed into (`"\(a + "b")"`, `#"\#(x)"#`), so a string ends where Swift ends it.
struct SwiftTokens {
    enum Kind: Equatable {
        /// An identifier or keyword (backticks included), or a number.
        case word
        /// `(`, `[` or `{`, with the index of its closing token.
        case opening(close: Int)
        /// `)`, `]` or `}`.
        case closing
        /// A string literal, from its first delimiter to its last.
        case string
        /// One byte of punctuation or operator (`,`, `:`, `=`, `.`, `+`, `#`, `@`, …).
        case punctuation
    }

    struct Token {
        var kind: Kind
        /// Byte range in the source.
        var start: Int
        var end: Int
    }

    let bytes: [UInt8]
    private(set) var tokens: [Token] = []

    private init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// The tokens of `bytes`, or nil where the scanner cannot be sure of Swift's reading.
    static func scan(_ bytes: [UInt8]) -> SwiftTokens? {
        var scanner = SwiftTokens(bytes)
        var index = 0
        var open: [Int] = []
        while let next = scanner.token(at: &index) {
            guard let token = next else { return nil }
            switch token.kind {
            case .opening:
                open.append(scanner.tokens.count)
            case .closing:
                guard let opener = open.popLast(),
                    Self.closing(of: bytes[scanner.tokens[opener].start]) == bytes[token.start]
                else { return nil }
                scanner.tokens[opener].kind = .opening(close: scanner.tokens.count)
            default:
                break
            }
            scanner.tokens.append(token)
        }
        return open.isEmpty ? scanner : nil
    }

    /// The index of the first token starting at or after `position` (`tokens.count` if none).
    func firstToken(atOrAfter position: Int) -> Int {
        var low = 0
        var high = tokens.count
        while low < high {
            let middle = (low + high) / 2
            if tokens[middle].start < position { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// The text of a token.
    func text(_ token: Token) -> ArraySlice<UInt8> { bytes[token.start..<token.end] }

    func isWord(_ index: Int, _ word: String) -> Bool {
        index < tokens.count && tokens[index].kind == .word && text(tokens[index]).elementsEqual(word.utf8)
    }

    func isPunctuation(_ index: Int, _ byte: Character) -> Bool {
        index < tokens.count && tokens[index].kind == .punctuation && bytes[tokens[index].start] == byte.asciiValue
    }

    func isOpen(_ index: Int, _ byte: Character) -> Bool {
        guard index < tokens.count, case .opening = tokens[index].kind else { return false }
        return bytes[tokens[index].start] == byte.asciiValue
    }

    /// Whether only spaces and tabs stand between the start of the line and `position`.
    func startsLine(_ position: Int) -> Bool {
        var index = position - 1
        while index >= 0, bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: "\t") { index -= 1 }
        return index < 0 || bytes[index] == UInt8(ascii: "\n")
    }

    /// Whether only spaces, tabs and a `//` comment stand between `position` and the end of its
    /// line: text inserted at `position` moves nothing but that comment.
    func endsLine(_ position: Int) -> Bool {
        var index = position
        while index < bytes.count, bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: "\t") {
            index += 1
        }
        if index + 1 < bytes.count, bytes[index] == UInt8(ascii: "/"), bytes[index + 1] == UInt8(ascii: "/") {
            return true
        }
        return index == bytes.count || bytes[index] == UInt8(ascii: "\n") || bytes[index] == UInt8(ascii: "\r")
    }

    // MARK: Scanning

    private static func closing(of byte: UInt8) -> UInt8 {
        switch byte {
        case UInt8(ascii: "("): UInt8(ascii: ")")
        case UInt8(ascii: "["): UInt8(ascii: "]")
        default: UInt8(ascii: "}")
        }
    }

    private static func isWordByte(_ byte: UInt8) -> Bool {
        byte >= 0x80 || byte == UInt8(ascii: "_") || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }

    /// The next token after trivia: nil at the end, `.some(nil)` where the scanner gives up.
    private func token(at index: inout Int) -> Token?? {
        guard skipTrivia(&index) else { return .some(nil) }
        guard index < bytes.count else { return nil }
        let start = index
        let byte = bytes[index]
        switch byte {
        case UInt8(ascii: "("), UInt8(ascii: "["), UInt8(ascii: "{"):
            index += 1
            return Token(kind: .opening(close: -1), start: start, end: index)
        case UInt8(ascii: ")"), UInt8(ascii: "]"), UInt8(ascii: "}"):
            index += 1
            return Token(kind: .closing, start: start, end: index)
        case UInt8(ascii: "\""):
            guard skipString(&index, hashes: 0) else { return .some(nil) }
            return Token(kind: .string, start: start, end: index)
        case UInt8(ascii: "#"):
            var hashes = 0
            while index + hashes < bytes.count, bytes[index + hashes] == UInt8(ascii: "#") { hashes += 1 }
            if index + hashes < bytes.count, bytes[index + hashes] == UInt8(ascii: "\"") {
                index += hashes
                guard skipString(&index, hashes: hashes) else { return .some(nil) }
                return Token(kind: .string, start: start, end: index)
            }
            // `#/regex/#` is not followed; `#if`, `#endif` and `#file` are a `#` and a word.
            if index + hashes < bytes.count, bytes[index + hashes] == UInt8(ascii: "/") { return .some(nil) }
            index += 1
            return Token(kind: .punctuation, start: start, end: index)
        case UInt8(ascii: "`"):
            index += 1
            while index < bytes.count, bytes[index] != UInt8(ascii: "`"), bytes[index] != UInt8(ascii: "\n") {
                index += 1
            }
            guard index < bytes.count, bytes[index] == UInt8(ascii: "`") else { return .some(nil) }
            index += 1
            return Token(kind: .word, start: start, end: index)
        case UInt8(ascii: "'"):
            return .some(nil)
        default:
            if Self.isWordByte(byte) {
                while index < bytes.count, Self.isWordByte(bytes[index]) { index += 1 }
                return Token(kind: .word, start: start, end: index)
            }
            index += 1
            return Token(kind: .punctuation, start: start, end: index)
        }
    }

    /// Skips spaces, newlines and comments (nested `/* */` too); false at an unterminated comment.
    private func skipTrivia(_ index: inout Int) -> Bool {
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n")
                || byte == UInt8(ascii: "\r")
            {
                index += 1
            } else if byte == UInt8(ascii: "/"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "/") {
                while index < bytes.count, bytes[index] != UInt8(ascii: "\n") { index += 1 }
            } else if byte == UInt8(ascii: "/"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "*") {
                var depth = 0
                repeat {
                    guard index + 1 < bytes.count else { return false }
                    if bytes[index] == UInt8(ascii: "/") && bytes[index + 1] == UInt8(ascii: "*") {
                        depth += 1
                        index += 2
                    } else if bytes[index] == UInt8(ascii: "*") && bytes[index + 1] == UInt8(ascii: "/") {
                        depth -= 1
                        index += 2
                    } else {
                        index += 1
                    }
                } while depth > 0
            } else {
                return true
            }
        }
        return true
    }

    /// Skips a string literal from its opening quote (`"` or `"""`) to the quote and `hashes`
    /// `#`s that close it, following interpolations; false where it does not end.
    private func skipString(_ index: inout Int, hashes: Int) -> Bool {
        let quote = UInt8(ascii: "\"")
        let multiline = index + 2 < bytes.count && bytes[index + 1] == quote && bytes[index + 2] == quote
        index += multiline ? 3 : 1
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\n") && !multiline { return false }
            if byte == quote
                && (!multiline || (index + 2 < bytes.count && bytes[index + 1] == quote && bytes[index + 2] == quote))
            {
                let end = index + (multiline ? 3 : 1)
                if end + hashes <= bytes.count, bytes[end..<end + hashes].allSatisfy({ $0 == UInt8(ascii: "#") }) {
                    index = end + hashes
                    return true
                }
                index += 1
                continue
            }
            if byte == UInt8(ascii: "\\"), index + hashes + 1 < bytes.count,
                bytes[index + 1..<index + 1 + hashes].allSatisfy({ $0 == UInt8(ascii: "#") })
            {
                index += 1 + hashes
                if bytes[index] == UInt8(ascii: "(") {
                    guard skipInterpolation(&index) else { return false }
                } else {
                    index += 1  // the escaped byte (`\"`, `\\`, `\n`, the `u` of `\u{…}`)
                }
                continue
            }
            index += 1
        }
        return false
    }

    /// Skips `( … )` of an interpolation, strings and comments inside it included.
    private func skipInterpolation(_ index: inout Int) -> Bool {
        var depth = 0
        while true {
            guard skipTrivia(&index), index < bytes.count else { return false }
            switch bytes[index] {
            case UInt8(ascii: "("):
                depth += 1
                index += 1
            case UInt8(ascii: ")"):
                depth -= 1
                index += 1
                if depth == 0 { return true }
            case UInt8(ascii: "\""), UInt8(ascii: "#"):
                var hashes = 0
                while index + hashes < bytes.count, bytes[index + hashes] == UInt8(ascii: "#") { hashes += 1 }
                guard index + hashes < bytes.count, bytes[index + hashes] == UInt8(ascii: "\"") else {
                    if hashes > 0, index + hashes < bytes.count, bytes[index + hashes] == UInt8(ascii: "/") {
                        return false
                    }
                    index += max(hashes, 1)
                    continue
                }
                index += hashes
                guard skipString(&index, hashes: hashes) else { return false }
            case UInt8(ascii: "'"):
                return false
            default:
                index += 1
            }
        }
    }
}
