/// Reads a CSV file with a header row: one column is the label, every other a feature. A column
/// whose values are mostly not numbers is categorical: one-hot encoded over its values in sorted
/// order (or over a trained model's, when given: an unseen value is all zeros). A stray word in
/// a numeric column is an error naming the line.
struct CSVReader {
    let path: String
    let label: String
    /// A column of per-row sample weights, not a feature.
    var weight: String? = nil

    /// The samples of the file; labels are mapped through `known` (a trained model's class
    /// names) when given, and kept as numbers with `numericLabels` (regression targets);
    /// `categories` (a trained model's) fixes the categorical columns and their values.
    ///
    /// - Throws: ``TrainerError`` with the file and line of the first problem.
    func read(
        classNames known: [String], numericLabels: Bool, categories knownCategories: [Dataset.Category]? = nil
    ) throws(TrainerError) -> Dataset {
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
        let weightColumn = weight.flatMap { name in header.firstIndex(of: name) }
        if let weight, weightColumn == nil {
            throw TrainerError("\(path): no sample-weight column '\(weight)' in the header")
        }
        var rows: [(number: Int, fields: [String])] = []
        var rawLabels: [String] = []
        for (number, line) in lines.enumerated().dropFirst() {
            let fields = CSVReader.fields(line)
            if fields.count == 1 && fields[0].isEmpty { continue }
            guard fields.count == header.count else {
                throw TrainerError("\(path):\(number + 1): \(fields.count) fields, the header has \(header.count)")
            }
            rawLabels.append(labelColumn < 0 ? "0" : fields[labelColumn])
            rows.append((number + 1, fields))
        }
        guard !rawLabels.isEmpty else { throw TrainerError("\(path) has a header but no rows") }
        // Categorical columns: a model's, or those holding anything that is not a number.
        var categories: [Int: [String]] = [:]
        if let knownCategories {
            for category in knownCategories {
                guard let column = header.firstIndex(of: category.column) else {
                    throw TrainerError("\(path): no column '\(category.column)', which the model reads as a category")
                }
                categories[column] = category.values
            }
        } else {
            // Mostly words: a category. Mostly numbers with a stray word is a typo, reported below.
            for column in header.indices where column != labelColumn && column != weightColumn {
                let words = rows.reduce(0) { $0 + (Float($1.fields[column]) == nil ? 1 : 0) }
                if words * 2 > rows.count {
                    categories[column] = Array(Set(rows.map { $0.fields[column] })).sorted()
                }
            }
        }
        let index = categories.mapValues { values in
            Dictionary(uniqueKeysWithValues: values.enumerated().map { ($1, $0) })
        }
        var features: [Float] = []
        var weights: [Float] = []
        for (number, fields) in rows {
            if let weightColumn {
                guard let value = Float(fields[weightColumn]), value.isFinite, value >= 0 else {
                    throw TrainerError(
                        "\(path):\(number): the sample weight '\(fields[weightColumn])' is not a non-negative number")
                }
                weights.append(value)
            }
            for (column, field) in fields.enumerated() where column != labelColumn && column != weightColumn {
                if let values = categories[column], let positions = index[column] {
                    var encoded = [Float](repeating: 0, count: values.count)
                    if let position = positions[field] { encoded[position] = 1 }
                    features += encoded
                    continue
                }
                guard let value = Float(field) else {
                    throw TrainerError(
                        "\(path):\(number): column '\(header[column])' holds '\(field)', which is not a number")
                }
                guard value.isFinite else {
                    throw TrainerError(
                        "\(path):\(number): column '\(header[column])' holds '\(field)', which is not a finite number (NaN, infinity or too large for 32-bit floats); clean the data or drop the row"
                    )
                }
                features.append(value)
            }
        }
        let (targets, names) = try CSVReader.targets(rawLabels, known: known, numeric: numericLabels, path: path)
        let width = header.indices.filter { $0 != labelColumn && $0 != weightColumn }.reduce(0) {
            $0 + (categories[$1]?.count ?? 1)
        }
        return Dataset(
            features: Tensor(shape: [rawLabels.count, width], values: features), targets: targets, classNames: names,
            categories: categories.keys.sorted().map {
                Dataset.Category(column: header[$0], values: categories[$0] ?? [])
            }, weights: weightColumn == nil ? nil : weights)
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
