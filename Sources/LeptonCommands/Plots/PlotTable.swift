import LeptonCore
import LeptonSystem

/// The rows of a plot's data file: a JSON array of objects (or an object holding one, as
/// dvclive and DVC's sklearn plots write), a CSV or TSV with a header, or the same in YAML.
struct PlotTable {
    /// One cell: a number where the text reads as one.
    enum Value: Equatable {
        case number(Double)
        case text(String)

        var number: Double? {
            if case .number(let value) = self { return value }
            return nil
        }

        /// The category a confusion matrix or a bar groups by: numbers without a trailing `.0`.
        var category: String {
            switch self {
            case .number(let value): return SVG.format(value)
            case .text(let text): return text
            }
        }
    }

    /// The field names: a CSV's columns in order, a JSON file's sorted.
    var fields: [String]
    var rows: [[String: Value]]

    /// Parses a data file by its suffix.
    ///
    /// - Throws: A message naming the file and what is wrong with it.
    static func parse(path: String, bytes: [UInt8]) throws(LeptonError) -> PlotTable {
        let lower = path.lowercased()
        if lower.hasSuffix(".csv") || lower.hasSuffix(".tsv") {
            return delimited(String(decoding: bytes, as: UTF8.self), separator: lower.hasSuffix(".tsv") ? "\t" : ",")
        }
        let root: JSON
        if lower.hasSuffix(".json") {
            do throws(JSONParseError) {
                root = try JSON.parse(bytes)
            } catch {
                throw LeptonError(.usage, "plot file '\(path)' is not valid JSON: \(error)")
            }
        } else {
            root = try ParamsFile(path: path, bytes: bytes).root
        }
        guard let items = records(in: root) else {
            throw LeptonError(
                .usage,
                "plot file '\(path)' holds no list of records; write an array of objects ([{\"x\": 1, \"y\": 2}, …]) or an object holding one"
            )
        }
        var rows: [[String: Value]] = []
        var names = Set<String>()
        for item in items {
            guard let object = item.objectValue else { continue }
            var row: [String: Value] = [:]
            for (name, value) in object {
                if let number = value.doubleValue {
                    row[name] = .number(number)
                } else if let text = value.stringValue {
                    row[name] = Double(text).map(Value.number) ?? .text(text)
                } else if case .bool(let flag) = value {
                    row[name] = .text(flag ? "true" : "false")
                }
            }
            names.formUnion(row.keys)
            rows.append(row)
        }
        return PlotTable(fields: names.sorted(), rows: rows)
    }

    /// The array of records: the document itself, or the first (by key) array of objects in an
    /// object, one level down.
    private static func records(in root: JSON) -> [JSON]? {
        if let items = root.arrayValue { return items }
        guard let object = root.objectValue else { return nil }
        return object.keys.sorted().lazy.compactMap { key -> [JSON]? in
            guard let items = object[key]?.arrayValue, items.first?.objectValue != nil else { return nil }
            return items
        }.first
    }

    private static func delimited(_ text: String, separator: Character) -> PlotTable {
        let lines = text.split(whereSeparator: \.isNewline).filter { !$0.allSatisfy(\.isWhitespace) }
        guard let header = lines.first else { return PlotTable(fields: [], rows: []) }
        func cells(_ line: Substring) -> [String] {
            line.split(separator: separator, omittingEmptySubsequences: false).map {
                var cell = trimmed($0)
                if cell.count >= 2, cell.hasPrefix("\""), cell.hasSuffix("\"") {
                    cell = String(cell.dropFirst().dropLast())
                }
                return cell
            }
        }
        func trimmed(_ text: Substring) -> String {
            var slice = text
            while slice.first?.isWhitespace == true { slice = slice.dropFirst() }
            while slice.last?.isWhitespace == true { slice = slice.dropLast() }
            return String(slice)
        }
        let fields = cells(header)
        let rows = lines.dropFirst().map { line in
            var row: [String: Value] = [:]
            for (name, cell) in zip(fields, cells(line)) where !cell.isEmpty {
                row[name] = Double(cell).map(Value.number) ?? .text(cell)
            }
            return row
        }
        return PlotTable(fields: fields, rows: Array(rows))
    }

    /// The fields drawn when a plot names none: a CSV's last column; for JSON, every numeric
    /// field other than `x`.
    func defaultFields(excluding x: String?, delimited: Bool) -> [String] {
        let candidates = fields.filter { $0 != x }
        if delimited { return candidates.last.map { [$0] } ?? [] }
        return candidates.filter { name in rows.contains { $0[name]?.number != nil } }
    }
}
