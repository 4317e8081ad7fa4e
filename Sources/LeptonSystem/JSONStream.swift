/// Writes canonical JSON (the bytes ``JSON/compactBytes`` and ``JSON/prettyBytes`` give) member
/// by member, without building a ``JSON`` tree first: the lock and the run record of a
/// 1,000-stage pipeline are tens of thousands of members, written on every build that changes
/// anything. The caller gives an object's members in byte order of their keys.
public struct JSONStream {
    public private(set) var bytes: [UInt8] = []
    private let pretty: Bool
    /// Per open container, whether it has a member yet.
    private var started: [Bool] = []

    public init(pretty: Bool, capacity: Int = 4096) {
        self.pretty = pretty
        bytes.reserveCapacity(capacity)
    }

    public mutating func beginObject() {
        bytes.append(UInt8(ascii: "{"))
        started.append(false)
    }

    public mutating func endObject() {
        guard let hadMembers = started.popLast() else { return }
        if hadMembers { newline(started.count) }
        bytes.append(UInt8(ascii: "}"))
    }

    /// Starts a member; its value follows.
    public mutating func key(_ name: String) {
        if started.last == true { bytes.append(UInt8(ascii: ",")) }
        if !started.isEmpty { started[started.count - 1] = true }
        newline(started.count)
        JSON.writeString(name, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        if pretty { bytes.append(UInt8(ascii: " ")) }
    }

    public mutating func string(_ text: String) { JSON.writeString(text, to: &bytes) }

    public mutating func integer(_ value: Int) { bytes.append(contentsOf: String(value).utf8) }

    public mutating func bool(_ value: Bool) { bytes.append(contentsOf: (value ? "true" : "false").utf8) }

    /// A value this writer wrote before at the same depth, copied as it is (a lock record that
    /// did not change since the file was read).
    public mutating func raw(_ value: ArraySlice<UInt8>) { bytes.append(contentsOf: value) }

    /// Appends JSON text without the whitespace between its tokens (strings as they are): a
    /// pretty document's part in a compact one.
    public mutating func rawCompacted(_ value: ArraySlice<UInt8>) {
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: value.count))
        let written = bytes.withUnsafeMutableBufferPointer { output in
            value.withUnsafeBufferPointer { input in
                var count = start
                var inString = false
                var escaped = false
                for byte in input {
                    if inString {
                        if escaped {
                            escaped = false
                        } else if byte == UInt8(ascii: "\\") {
                            escaped = true
                        } else if byte == UInt8(ascii: "\"") {
                            inString = false
                        }
                    } else if byte == UInt8(ascii: "\"") {
                        inString = true
                    } else if byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 {
                        continue
                    }
                    output[count] = byte
                    count += 1
                }
                return count
            }
        }
        bytes.removeSubrange(written...)
    }

    /// A value given as a tree, at the current depth.
    public mutating func value(_ value: JSON) { value.write(to: &bytes, pretty: pretty, level: started.count) }

    /// An object of strings, its keys sorted here.
    public mutating func stringObject(_ members: [String: String]) {
        beginObject()
        for (name, text) in members.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
            key(name)
            string(text)
        }
        endObject()
    }

    /// Ends the document as ``JSON/prettyBytes`` does (a newline) and returns it.
    public mutating func finish() -> [UInt8] {
        if pretty { bytes.append(UInt8(ascii: "\n")) }
        return bytes
    }

    private mutating func newline(_ level: Int) {
        guard pretty else { return }
        bytes.append(UInt8(ascii: "\n"))
        for _ in 0..<(level * 2) { bytes.append(UInt8(ascii: " ")) }
    }
}
