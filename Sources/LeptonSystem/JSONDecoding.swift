/// Decodes `Decodable` values from a parsed ``JSON`` value: the one JSON reader, so the loader
/// needs neither Foundation nor a second parser for the description a Leptonfile writes.
///
/// Numbers decode to any integer or floating-point type their text fits exactly (an integer
/// field given `1.5` is an error, not a truncation); a missing key decodes an `Optional` as nil.
public struct JSONValueDecoder {
    public init() {}

    /// Decodes `type` from `json`.
    ///
    /// - Throws: `DecodingError` naming the coding path of the first mismatch.
    public func decode<T: Decodable>(_ type: T.Type, from json: JSON) throws -> T {
        try T(from: JSONValueReader(value: json, codingPath: []))
    }

    /// Parses `bytes` and decodes `type` from them.
    public func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try decode(type, from: try JSON.parse(bytes))
    }
}

/// A position in the value being decoded.
private struct JSONValueReader: Decoder {
    let value: JSON
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = value else { throw mismatch([String: JSON].self, value, codingPath) }
        return KeyedDecodingContainer(KeyedReader<Key>(members: members, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let items) = value else { throw mismatch([JSON].self, value, codingPath) }
        return UnkeyedReader(items: items, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        SingleReader(value: value, codingPath: codingPath)
    }
}

private func mismatch(_ type: Any.Type, _ value: JSON, _ path: [any CodingKey]) -> DecodingError {
    .typeMismatch(type, .init(codingPath: path, debugDescription: "found \(value.compactText.prefix(40))"))
}

/// Decodes scalars from a JSON value.
private func scalar<T: Decodable>(_ type: T.Type, _ value: JSON, _ path: [any CodingKey]) throws -> T {
    switch value {
    case .string(let text) where type == String.self:
        if let result = text as? T { return result }
    case .bool(let flag) where type == Bool.self:
        if let result = flag as? T { return result }
    case .number(let text):
        if let result = number(type, text) { return result }
    default:
        break
    }
    return try T(from: JSONValueReader(value: value, codingPath: path))
}

/// A number's text as `type`, when it fits exactly.
private func number<T>(_ type: T.Type, _ text: String) -> T? {
    switch type {
    case is Int.Type: return Int(text) as? T
    case is Int64.Type: return Int64(text) as? T
    case is Int32.Type: return Int32(text) as? T
    case is UInt.Type: return UInt(text) as? T
    case is UInt64.Type: return UInt64(text) as? T
    case is UInt32.Type: return UInt32(text) as? T
    case is Double.Type: return Double(text) as? T
    case is Float.Type: return Float(text) as? T
    default: return nil
    }
}

private struct IndexKey: CodingKey {
    var intValue: Int?
    var stringValue: String { "\(intValue ?? 0)" }
    init(_ index: Int) { intValue = index }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { self.intValue = intValue }
}

private struct KeyedReader<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let members: [String: JSON]
    let codingPath: [any CodingKey]

    var allKeys: [Key] { members.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { members[key.stringValue] != nil }

    private func member(_ key: Key) throws -> JSON {
        guard let value = members[key.stringValue] else {
            throw DecodingError.keyNotFound(
                key, .init(codingPath: codingPath, debugDescription: "no value for '\(key.stringValue)'"))
        }
        return value
    }

    func decodeNil(forKey key: Key) throws -> Bool { (members[key.stringValue] ?? .null) == .null }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        let value = try member(key)
        let path = codingPath + [key]
        if case .null = value {
            throw DecodingError.valueNotFound(type, .init(codingPath: path, debugDescription: "null"))
        }
        return try scalar(type, value, path)
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let value = members[key.stringValue], value != .null else { return nil }
        return try scalar(type, value, codingPath + [key])
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        try JSONValueReader(value: try member(key), codingPath: codingPath + [key]).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try JSONValueReader(value: try member(key), codingPath: codingPath + [key]).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { JSONValueReader(value: .object(members), codingPath: codingPath) }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        JSONValueReader(value: members[key.stringValue] ?? .null, codingPath: codingPath + [key])
    }
}

private struct UnkeyedReader: UnkeyedDecodingContainer {
    let items: [JSON]
    let codingPath: [any CodingKey]
    var currentIndex = 0

    init(items: [JSON], codingPath: [any CodingKey]) {
        self.items = items
        self.codingPath = codingPath
    }

    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    private mutating func next(_ type: Any.Type) throws -> (JSON, [any CodingKey]) {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(
                type, .init(codingPath: codingPath, debugDescription: "the array has no more elements"))
        }
        defer { currentIndex += 1 }
        return (items[currentIndex], codingPath + [IndexKey(currentIndex)])
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, items[currentIndex] == .null else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let (value, path) = try next(type)
        return try scalar(type, value, path)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        let (value, path) = try next([String: JSON].self)
        return try JSONValueReader(value: value, codingPath: path).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let (value, path) = try next([JSON].self)
        return try JSONValueReader(value: value, codingPath: path).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        let (value, path) = try next(JSON.self)
        return JSONValueReader(value: value, codingPath: path)
    }
}

private struct SingleReader: SingleValueDecodingContainer {
    let value: JSON
    let codingPath: [any CodingKey]

    func decodeNil() -> Bool { value == .null }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        switch (value, type) {
        case (.string(let text), is String.Type):
            if let result = text as? T { return result }
        case (.bool(let flag), is Bool.Type):
            if let result = flag as? T { return result }
        case (.number(let text), _):
            if let result = number(type, text) { return result }
        default:
            break
        }
        if type == String.self || type == Bool.self || number(type, "0") != nil {
            throw mismatch(type, value, codingPath)
        }
        return try T(from: JSONValueReader(value: value, codingPath: codingPath))
    }
}
