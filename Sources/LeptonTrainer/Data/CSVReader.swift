/// Reads a CSV file with a header row: one column is the label, every other a numeric feature.
struct CSVReader {
    let path: String
    let label: String

    /// The samples of the file; labels are mapped through `known` (a trained model's class
    /// names) when given, and kept as numbers with `numericLabels` (regression targets).
    ///
    /// - Throws: ``TrainerError`` with the file and line of the first problem.
    func read(classNames known: [String], numericLabels: Bool) throws(TrainerError) -> Dataset {
        let bytes = try FileBytes.read(path)
        let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        guard let headerLine = lines.first else { throw TrainerError("\(path) is empty; it needs a header row") }
        let header = CSVReader.fields(headerLine)
        let labelColumn = label.isEmpty ? -1 : header.firstIndex(of: label)
        guard let labelColumn else {
            throw TrainerError(
                "\(path): no column '\(label)' in the header; columns are \(header.map { "'\($0)'" }.joined(separator: ", "))"
            )
        }
        var features: [Float] = []
        var rawLabels: [String] = []
        for (number, line) in lines.enumerated().dropFirst() {
            let fields = CSVReader.fields(line)
            if fields.count == 1 && fields[0].isEmpty { continue }
            if labelColumn < 0 { rawLabels.append("0") }
            guard fields.count == header.count else {
                throw TrainerError("\(path):\(number + 1): \(fields.count) fields, the header has \(header.count)")
            }
            for (column, field) in fields.enumerated() {
                if column == labelColumn {
                    rawLabels.append(field)
                    continue
                }
                guard let value = Float(field) else {
                    throw TrainerError(
                        "\(path):\(number + 1): column '\(header[column])' holds '\(field)', which is not a number")
                }
                guard value.isFinite else {
                    throw TrainerError(
                        "\(path):\(number + 1): column '\(header[column])' holds '\(field)', which is not a finite number (NaN, infinity or too large for 32-bit floats); clean the data or drop the row"
                    )
                }
                features.append(value)
            }
        }
        guard !rawLabels.isEmpty else { throw TrainerError("\(path) has a header but no rows") }
        let (targets, names) = try CSVReader.targets(rawLabels, known: known, numeric: numericLabels, path: path)
        let width = labelColumn < 0 ? header.count : header.count - 1
        return Dataset(
            features: Tensor(shape: [rawLabels.count, width], values: features), targets: targets, classNames: names)
    }

    /// Class indices: whole non-negative numbers are used as they are; other labels are names,
    /// indexed in sorted order (or by the trained model's names).
    private static func targets(
        _ labels: [String], known: [String], numeric: Bool, path: String
    ) throws(TrainerError) -> ([Float], [String]) {
        if numeric || known.isEmpty {
            let numbers = labels.compactMap(Float.init)
            if numbers.count == labels.count && (numeric || numbers.allSatisfy { $0 >= 0 && $0 == $0.rounded() }) {
                return (numbers, [])
            }
            if numeric { throw TrainerError("\(path): the label column must be numeric for regression") }
        }
        let names = known.isEmpty ? Array(Set(labels)).sorted() : known
        let index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, Float($0)) })
        var targets: [Float] = []
        for (row, label) in labels.enumerated() {
            guard let value = index[label] else {
                throw TrainerError("\(path):\(row + 2): label '\(label)' is not one of the model's classes \(names)")
            }
            targets.append(value)
        }
        return (targets, names)
    }

    /// Splits one line on commas, honouring double-quoted fields.
    static func fields(_ line: ArraySlice<UInt8>) -> [String] {
        var fields: [String] = []
        var current: [UInt8] = []
        var quoted = false
        for byte in line where byte != UInt8(ascii: "\r") {
            if byte == UInt8(ascii: "\"") {
                quoted.toggle()
            } else if byte == UInt8(ascii: ",") && !quoted {
                fields.append(String(decoding: current, as: UTF8.self).trimmingWhitespace())
                current.removeAll(keepingCapacity: true)
            } else {
                current.append(byte)
            }
        }
        fields.append(String(decoding: current, as: UTF8.self).trimmingWhitespace())
        return fields
    }
}
