/// A minimal `Encoder` that turns the wire schema into JSON with sorted keys, without
/// Foundation (which would double the cost of evaluating a Leptonfile).
enum JSONWriter {
    static func encode(_ value: some Encodable) -> String {
        let encoder = TreeEncoder()
        do {
            try value.encode(to: encoder)
        } catch {
            return "{\"errors\":[\"internal error: cannot encode the pipeline\"],\"version\":0}"
        }
        var out = ""
        encoder.root.value.write(to: &out)
        return out
    }
}

/// A JSON value under construction; containers are boxes so nested encoders can fill them.
final class Node {
    enum Value {
        case null
        case bool(Bool)
        case number(String)
        case string(String)
        case array([Node])
        case object([String: Node])
    }

    var value: Value

    init(_ value: Value) { self.value = value }
}

extension Node.Value {
    func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let flag): out += flag ? "true" : "false"
        case .number(let text): out += text
        case .string(let text): Node.Value.writeString(text, to: &out)
        case .array(let items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                item.value.write(to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (index, key) in members.keys.sorted().enumerated() {
                if index > 0 { out += "," }
                Node.Value.writeString(key, to: &out)
                out += ":"
                members[key]?.value.write(to: &out)
            }
            out += "}"
        }
    }

    static func writeString(_ text: String, to out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}

final class TreeEncoder: Encoder {
    let root = Node(.null)
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] = [:]

    init() {}

    init(node: Node) { self.nodeOverride = node }

    private var nodeOverride: Node?
    private var target: Node { nodeOverride ?? root }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .object = target.value {} else { target.value = .object([:]) }
        return KeyedEncodingContainer(KeyedWriter<Key>(node: target))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .array = target.value {} else { target.value = .array([]) }
        return UnkeyedWriter(node: target)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleWriter(node: target) }
}

private func encodeValue(_ value: some Encodable) throws -> Node {
    switch value {
    case let text as String: return Node(.string(text))
    case let flag as Bool: return Node(.bool(flag))
    case let number as Int: return Node(.number(String(number)))
    case let number as Double: return Node(.number(number.isFinite ? String(number) : "null"))
    default:
        let node = Node(.null)
        try value.encode(to: TreeEncoder(node: node))
        return node
    }
}

private struct KeyedWriter<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: Node
    var codingPath: [any CodingKey] = []

    private func set(_ key: Key, _ child: Node) {
        if case .object(var members) = node.value {
            members[key.stringValue] = child
            node.value = .object(members)
        }
    }

    mutating func encodeNil(forKey key: Key) throws { set(key, Node(.null)) }
    mutating func encode(_ value: some Encodable, forKey key: Key) throws { set(key, try encodeValue(value)) }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        let child = Node(.object([:]))
        set(key, child)
        return KeyedEncodingContainer(KeyedWriter<NestedKey>(node: child))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let child = Node(.array([]))
        set(key, child)
        return UnkeyedWriter(node: child)
    }

    mutating func superEncoder() -> any Encoder { TreeEncoder(node: node) }
    mutating func superEncoder(forKey key: Key) -> any Encoder {
        let child = Node(.null)
        set(key, child)
        return TreeEncoder(node: child)
    }
}

private struct UnkeyedWriter: UnkeyedEncodingContainer {
    let node: Node
    var codingPath: [any CodingKey] = []
    var count: Int {
        if case .array(let items) = node.value { return items.count }
        return 0
    }

    private func append(_ child: Node) {
        if case .array(var items) = node.value {
            items.append(child)
            node.value = .array(items)
        }
    }

    mutating func encodeNil() throws { append(Node(.null)) }
    mutating func encode(_ value: some Encodable) throws { append(try encodeValue(value)) }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type
    ) -> KeyedEncodingContainer<NestedKey> {
        let child = Node(.object([:]))
        append(child)
        return KeyedEncodingContainer(KeyedWriter<NestedKey>(node: child))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let child = Node(.array([]))
        append(child)
        return UnkeyedWriter(node: child)
    }

    mutating func superEncoder() -> any Encoder {
        let child = Node(.null)
        append(child)
        return TreeEncoder(node: child)
    }
}

private struct SingleWriter: SingleValueEncodingContainer {
    let node: Node
    var codingPath: [any CodingKey] = []

    mutating func encodeNil() throws { node.value = .null }
    mutating func encode(_ value: some Encodable) throws { node.value = try encodeValue(value).value }
}
