/// The members of one object inside a JSON document as byte ranges, found without parsing their
/// values: `Lepton.lock`'s 1,000 stage records are decoded only when asked for.
public enum JSONMemberSpans {
    /// The members of the object `bytes[range]` (the whole document by default), by name, each
    /// with the range of its value; nil when it is not an object whose keys have no escapes, or
    /// anything follows it (the caller then parses it all).
    public static func of(_ bytes: [UInt8], in range: Range<Int>? = nil) -> [String: Range<Int>]? {
        bytes.withUnsafeBufferPointer { buffer in
            var scanner = Scanner(bytes: UnsafeBufferPointer(rebasing: buffer[range ?? 0..<buffer.count]))
            guard let members = scanner.members() else { return nil }
            scanner.skipWhitespace()
            guard scanner.index == scanner.bytes.count else { return nil }
            let offset = range?.lowerBound ?? 0
            return members.mapValues { ($0.lowerBound + offset)..<($0.upperBound + offset) }
        }
    }

    private struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        mutating func skipWhitespace() {
            while index < bytes.count,
                bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D
                    || bytes[index] == 0x09
            {
                index += 1
            }
        }

        mutating func take(_ byte: UInt8) -> Bool {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        /// A string without escapes (a key); nil for anything else.
        mutating func string() -> String? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = index
            while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
                if bytes[index] == UInt8(ascii: "\\") { return nil }
                index += 1
            }
            guard index < bytes.count else { return nil }
            defer { index += 1 }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        }

        /// The object's members and their value ranges, up to its closing brace.
        mutating func members() -> [String: Range<Int>]? {
            guard take(UInt8(ascii: "{")) else { return nil }
            var found: [String: Range<Int>] = [:]
            if take(UInt8(ascii: "}")) { return found }
            while true {
                guard let name = string(), take(UInt8(ascii: ":")) else { return nil }
                skipWhitespace()
                let start = index
                guard skipValue(), found.updateValue(start..<index, forKey: name) == nil else { return nil }
                if take(UInt8(ascii: "}")) { return found }
                guard take(UInt8(ascii: ",")) else { return nil }
            }
        }

        /// Moves past one value: a string with its escapes, an object or array with everything
        /// nested in it, or a scalar.
        mutating func skipValue() -> Bool {
            skipWhitespace()
            guard index < bytes.count else { return false }
            switch bytes[index] {
            case UInt8(ascii: "\""):
                return skipString()
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                var depth = 0
                repeat {
                    guard index < bytes.count else { return false }
                    switch bytes[index] {
                    case UInt8(ascii: "\""):
                        guard skipString() else { return false }
                        continue
                    case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                    case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
                    default: break
                    }
                    index += 1
                } while depth > 0
                return true
            default:
                let start = index
                while index < bytes.count, !Scanner.ends(bytes[index]) { index += 1 }
                return index > start
            }
        }

        private mutating func skipString() -> Bool {
            index += 1
            while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
                index += bytes[index] == UInt8(ascii: "\\") ? 2 : 1
            }
            guard index < bytes.count else { return false }
            index += 1
            return true
        }

        private static func ends(_ byte: UInt8) -> Bool {
            byte == UInt8(ascii: ",") || byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") || byte == 0x20
                || byte == 0x0A || byte == 0x0D || byte == 0x09
        }
    }
}
