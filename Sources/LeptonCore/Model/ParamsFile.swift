import LeptonSystem
import Yams

/// A parsed params file (JSON or YAML) whose values can be looked up by dotted key.
///
/// Values are compared in a canonical form (sorted keys, normalised numbers), so reformatting
/// the file, reordering keys or writing `1e-2` for `0.01` changes nothing.
public struct ParamsFile: Sendable {
    /// The parsed document.
    public let root: JSON

    /// Parses JSON (`.json`) or YAML (anything else) text.
    ///
    /// - Throws: ``LeptonError/Code/invalidPipeline`` naming the file and the parser's reason.
    public init(path: String, bytes: [UInt8]) throws(LeptonError) {
        if path.hasSuffix(".json") {
            do {
                root = try JSON.parse(bytes)
            } catch {
                throw LeptonError(.invalidPipeline, "params file '\(path)' is not valid JSON: \(error)")
            }
        } else {
            do {
                let text = String(decoding: bytes, as: UTF8.self)
                root = try Yams.compose(yaml: text).map(ParamsFile.json(from:)) ?? .object([:])
            } catch {
                throw LeptonError(.invalidPipeline, "params file '\(path)' is not valid YAML: \(error)")
            }
        }
    }

    public init(root: JSON) { self.root = root }

    /// The value at a dotted key (`train.lr`; list elements by index, `layers.0`), if present.
    public func value(at key: String) -> JSON? {
        var current = root
        for part in key.split(separator: ".", omittingEmptySubsequences: false) {
            switch current {
            case .object(let members):
                guard let next = members[String(part)] else { return nil }
                current = next
            case .array(let items):
                guard let index = Int(part), items.indices.contains(index) else { return nil }
                current = items[index]
            default:
                return nil
            }
        }
        return current
    }

    /// Every dotted key of a leaf value, sorted: the keys a user could have meant.
    public var leafKeys: [String] {
        var keys: [String] = []
        func walk(_ value: JSON, _ prefix: String) {
            switch value {
            case .object(let members):
                for (key, child) in members { walk(child, prefix.isEmpty ? key : prefix + "." + key) }
            default:
                if !prefix.isEmpty { keys.append(prefix) }
            }
        }
        walk(root, "")
        return keys.sorted()
    }

    /// The canonical text of a value: compact JSON with sorted keys and normalised numbers.
    public static func canonical(_ value: JSON) -> String { normalized(value).compactText }

    static func normalized(_ value: JSON) -> JSON {
        switch value {
        case .number(let text):
            if let integer = Int(text) { return .number(String(integer)) }
            if let double = Double(text), double.isFinite { return .number(String(double)) }
            return value
        case .array(let items): return .array(items.map(normalized))
        case .object(let members): return .object(members.mapValues(normalized))
        default: return value
        }
    }

    private static func json(from node: Node) -> JSON {
        switch node {
        case .scalar(let scalar):
            if scalar.style == .plain {
                if node.null != nil { return .null }
                if let flag = node.bool { return .bool(flag) }
                if let integer = node.int { return .number(String(integer)) }
                if let double = node.float, double.isFinite { return .number(String(double)) }
            }
            return .string(scalar.string)
        case .mapping(let mapping):
            var members: [String: JSON] = [:]
            for (key, value) in mapping { members[key.string ?? "\(key)"] = json(from: value) }
            return .object(members)
        case .sequence(let sequence):
            return .array(sequence.map(json(from:)))
        case .alias:
            return .null
        }
    }
}
