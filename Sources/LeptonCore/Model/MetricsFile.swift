import LeptonSystem

/// Reads a stage's metrics file: JSON, YAML or CSV, nested keys flattened with dots
/// (`per_class.3.f1`), numbers and booleans kept (as 1/0); strings and arrays (a confusion
/// matrix) are skipped.
///
/// CSV files hold a header row and one row per record; the last row is the current value
/// (a history file's final epoch).
public enum MetricsFile {
    /// The metrics of a file's bytes, sorted by name.
    ///
    /// - Throws: ``LeptonError`` with code ``LeptonError/Code/invalidPipeline`` naming the file
    ///   when it does not parse.
    public static func read(path: String, bytes: [UInt8]) throws(LeptonError) -> [(name: String, value: Double)] {
        var values: [String: Double] = [:]
        if path.hasSuffix(".csv") || path.hasSuffix(".tsv") {
            let separator: Character = path.hasSuffix(".tsv") ? "\t" : ","
            let lines = String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline)
            guard let header = lines.first, lines.count >= 2, let last = lines.last else { return [] }
            let names = header.split(separator: separator, omittingEmptySubsequences: false)
            let fields = last.split(separator: separator, omittingEmptySubsequences: false)
            for (name, field) in zip(names, fields) {
                if let number = Double(field.trimmingSpaces) { values[String(name.trimmingSpaces)] = number }
            }
        } else {
            let file = try ParamsFile(path: path, bytes: bytes)
            flatten(file.root, prefix: "", into: &values)
        }
        return values.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// Metrics by file merged into one lookup: each value under `FILE:NAME`, and under `NAME`
    /// from the first file (in path order) that has it. Gates and sweeps read metrics this way.
    public static func byName(_ metrics: [String: [String: Double]]) -> [String: Double] {
        var values: [String: Double] = [:]
        for (file, entries) in metrics.sorted(by: { $0.key < $1.key }) {
            for (name, value) in entries {
                values[name] = values[name] ?? value
                values["\(file):\(name)"] = value
            }
        }
        return values
    }

    /// Shortest text that reads back as the same Double (integers without `.0`).
    public static func text(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return "\(value)"
    }

    private static func flatten(_ value: JSON, prefix: String, into values: inout [String: Double]) {
        switch value {
        case .number(let text):
            if let number = Double(text) { values[prefix] = number }
        case .bool(let flag): values[prefix] = flag ? 1 : 0
        case .object(let members):
            for (key, member) in members {
                flatten(member, prefix: prefix.isEmpty ? key : "\(prefix).\(key)", into: &values)
            }
        case .null, .string, .array: break
        }
    }
}

extension Substring {
    fileprivate var trimmingSpaces: String {
        var text = self
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        return String(text)
    }
}
