import LeptonCore
import LeptonSystem

/// A declared plot (``PlotSpec``) drawn from one or more revisions' files: its chart, or its
/// images, and a note for every file it could not read.
struct DeclaredPlot {
    /// An image as one revision had it.
    struct Image {
        var label: String
        var file: String
        var bytes: [UInt8]
    }

    var spec: PlotSpec
    var svg: String?
    var images: [Image] = []
    var notes: [String] = []

    /// Draws `spec` with each revision's copy of its files, overlaid (curves, bars) or side by
    /// side (confusion matrices, images).
    init(_ spec: PlotSpec, revisions: [RevisionFiles]) {
        self.spec = spec
        let files = spec.files
        /// The legend name of one revision's file and field: only the parts that differ.
        /// A lone confusion matrix is named by its file, a lone curve by its field.
        func label(_ revision: RevisionFiles, _ file: String, _ field: String?, fields: Int) -> String {
            var parts: [String] = []
            if revisions.count > 1 { parts.append(revision.label) }
            if files.count > 1 || (field == nil && parts.isEmpty) { parts.append(file) }
            if let field, fields > 1 || parts.isEmpty { parts.append(field) }
            return parts.joined(separator: " · ")
        }
        var tables: [(revision: RevisionFiles, source: PlotSpec.Source, table: PlotTable)] = []
        for revision in revisions {
            for source in spec.sources {
                guard let bytes = revision.read(source.file) else {
                    notes.append(
                        revision.records(source.file)
                            ? "\(source.file) (\(revision.label)): its bytes are not in the local cache; run 'lepton pull'"
                            : "\(source.file) (\(revision.label)): no such file")
                    continue
                }
                if spec.template == .image {
                    images.append(Image(label: revision.label, file: source.file, bytes: bytes))
                    continue
                }
                do throws(LeptonError) {
                    tables.append((revision, source, try PlotTable.parse(path: source.file, bytes: bytes)))
                } catch {
                    notes.append("\(error.message) (\(revision.label))")
                }
            }
        }
        guard spec.template != .image, !tables.isEmpty else { return }
        let title = spec.name
        if spec.template.isConfusion {
            let x = spec.x ?? "actual"
            var panels: [(name: String, pairs: [(String, String)])] = []
            for (revision, source, table) in tables {
                let y = source.field ?? "predicted"
                let pairs = table.rows.compactMap { row -> (String, String)? in
                    guard let actual = row[x]?.category, let predicted = row[y]?.category else { return nil }
                    return (actual, predicted)
                }
                if pairs.isEmpty {
                    notes.append("\(source.file) (\(revision.label)): no row has both '\(x)' and '\(y)'")
                }
                panels.append((label(revision, source.file, nil, fields: 1), pairs))
            }
            let classes = DeclaredPlot.ordered(Set(panels.flatMap { $0.pairs.flatMap { [$0.0, $0.1] } }))
            let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
            let drawn = panels.map { panel -> SVG.ConfusionPanel in
                var counts = [[Double]](repeating: [Double](repeating: 0, count: classes.count), count: classes.count)
                for (actual, predicted) in panel.pairs {
                    if let column = index[actual], let row = index[predicted] { counts[row][column] += 1 }
                }
                return SVG.ConfusionPanel(name: panel.name, classes: classes, counts: counts)
            }
            svg = SVG.confusionChart(
                title: title, xLabel: spec.xLabel ?? x, yLabel: spec.yLabel ?? spec.sources[0].field ?? "predicted",
                panels: drawn, normalized: spec.template == .confusionNormalized)
            return
        }
        // Curves and bars: one series per revision, file and field.
        var series: [(name: String, table: PlotTable, field: String)] = []
        for (revision, source, table) in tables {
            let fields =
                source.field.map { [$0] }
                ?? table.defaultFields(excluding: spec.x, delimited: !source.file.lowercased().hasSuffix(".json"))
            if fields.isEmpty { notes.append("\(source.file) (\(revision.label)): no numeric field to draw") }
            let distinct = Set(spec.sources.map { $0.field ?? "" }).count
            for field in fields {
                series.append((label(revision, source.file, field, fields: max(fields.count, distinct)), table, field))
            }
        }
        let yLabel = spec.yLabel ?? Set(series.map(\.field)).sorted().joined(separator: ", ")
        if spec.template.isBar {
            var categories: [String] = []
            let bars = series.map { item -> SVG.Bars in
                var values: [String: Double] = [:]
                for (number, row) in item.table.rows.enumerated() {
                    let category = spec.x.flatMap { row[$0]?.category } ?? String(number)
                    guard let value = row[item.field]?.number else { continue }
                    if !categories.contains(category) { categories.append(category) }
                    values[category] = value
                }
                return SVG.Bars(name: item.name, values: values)
            }
            if spec.template == .barSorted, let first = bars.first {
                categories.sort { (first.values[$0] ?? -.infinity) > (first.values[$1] ?? -.infinity) }
            }
            svg = SVG.barChart(title: title, xLabel: yLabel, categories: categories, bars: bars)
            return
        }
        // x is numeric when every row that has it holds a number; else its values are categories.
        let numeric =
            spec.x.map { x in series.allSatisfy { $0.table.rows.allSatisfy { $0[x] == nil || $0[x]?.number != nil } } }
            ?? true
        var categories: [String] = []
        if let x = spec.x, !numeric {
            for item in series {
                for row in item.table.rows {
                    if let category = row[x]?.category, !categories.contains(category) { categories.append(category) }
                }
            }
        }
        let curves = series.map { item in
            SVG.Curve(
                name: item.name,
                points: item.table.rows.enumerated().compactMap { number, row in
                    guard let y = row[item.field]?.number else { return nil }
                    guard let x = spec.x else { return (Double(number), y) }
                    if numeric { return row[x]?.number.map { ($0, y) } }
                    return row[x].flatMap { categories.firstIndex(of: $0.category) }.map { (Double($0), y) }
                })
        }
        let marks: SVG.Marks
        switch spec.template {
        case .simple: marks = .lines
        case .scatter: marks = .points
        case .smooth: marks = .smooth
        default: marks = .linesAndPoints
        }
        svg = SVG.curveChart(
            title: title, xLabel: spec.xLabel ?? spec.x ?? "step", yLabel: yLabel, curves: curves, marks: marks,
            categories: categories)
    }

    /// Class names in a natural order: numerically when every name is a number.
    static func ordered(_ names: Set<String>) -> [String] {
        if names.allSatisfy({ Double($0) != nil }) {
            return names.sorted { (Double($0) ?? 0) < (Double($1) ?? 0) }
        }
        return names.sorted()
    }

    /// The MIME type of an image by its suffix.
    static func mimeType(_ file: String) -> String {
        let suffix = file.split(separator: ".").last.map { $0.lowercased() } ?? ""
        switch suffix {
        case "svg": return "image/svg+xml"
        case "jpg", "jpeg": return "image/jpeg"
        default: return "image/\(suffix)"
        }
    }
}
