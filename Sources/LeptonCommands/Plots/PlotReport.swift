import LeptonCore
import LeptonSystem

/// The `lepton plots` report: training curves from history files, metrics across runs, the runs
/// table (sweeps included) and the stage graph, as one self-contained HTML page plus SVG files.
struct PlotReport {
    let session: PackageSession
    let runs: [RunRecord]
    /// The revisions whose files the declared plots draw (the workspace alone for `show`).
    let revisions: [RevisionFiles]

    /// Files written (name → contents), and what the declared plots could not read.
    func rendered() -> (files: [String: String], notes: [String]) { render() }

    /// Training histories as plots (`plots diff`'s subject without declared plots).
    func historySpecs() -> [PlotSpec] {
        histories().map {
            PlotSpec(
                title: "\($0.stage): \($0.path)", template: .linear, x: "epoch",
                sources: [PlotSpec.Source(file: $0.path, field: nil)], stage: $0.stage)
        }
    }

    /// The report for `plots diff`: just the plots, each revision's files overlaid.
    func comparisonFiles(_ drawn: [DeclaredPlot]) -> [String: String] {
        var files: [String: String] = [:]
        let body = declaredSection(drawn, into: &files)
        let compared = revisions.map { "<code>\(SVG.escape($0.label))</code>" }.joined(separator: " · ")
        files["index.html"] = page("<p>Compared: \(compared)</p>" + body)
        return files
    }

    /// The declared plots as a section; each chart also as its own file.
    private func declaredSection(_ drawn: [DeclaredPlot], into files: inout [String: String]) -> String {
        var figures: [String] = []
        for (index, plot) in drawn.enumerated() {
            let caption = plot.spec.name + (plot.spec.stage.map { " (stage \($0))" } ?? "")
            if let svg = plot.svg {
                let name = "plot-\(index + 1).svg"
                files[name] = svg
                figures.append(figure(svg, caption: caption, file: name))
            }
            for image in plot.images {
                let source = "data:\(DeclaredPlot.mimeType(image.file));base64,\(Base64.encode(image.bytes))"
                let label = revisions.count > 1 ? "\(caption) · \(image.label)" : caption
                figures.append(
                    "<figure><img src=\"\(source)\" alt=\"\(SVG.escape(image.file))\" style=\"max-width: 560px\">"
                        + "<figcaption>\(SVG.escape(label))</figcaption></figure>")
            }
            if !plot.notes.isEmpty {
                figures.append(
                    "<p class=\"note\">\(SVG.escape(caption)): " + plot.notes.map(SVG.escape).joined(separator: "; ")
                        + "</p>")
            }
        }
        return section("Plots", figures.isEmpty ? "<p>No plot could be drawn.</p>" : figures.joined())
    }

    private func render() -> (files: [String: String], notes: [String]) {
        var files: [String: String] = [:]
        var sections: [String] = []
        let declared = session.pipeline.plots.map { DeclaredPlot($0, revisions: revisions) }
        if !declared.isEmpty { sections.append(declaredSection(declared, into: &files)) }
        var curves: [String] = []
        for (index, history) in histories().enumerated() {
            for (suffix, chart) in history.charts.enumerated() {
                let name = "curves-\(index + 1)-\(suffix + 1).svg"
                files[name] = chart
                curves.append(figure(chart, caption: "\(history.stage): \(history.path)", file: name))
            }
        }
        // Without a training history, the placeholder only where no declared plot draws either.
        if !curves.isEmpty || declared.isEmpty {
            sections.append(
                section(
                    "Training curves",
                    curves.isEmpty
                        ? "<p>No training history yet: a <code>.train(…, history:)</code> stage (or any output that is a JSON array of objects with an <code>epoch</code>, or a CSV with an <code>epoch</code> column) draws here.</p>"
                        : curves.joined()))
        }
        var trends: [String] = []
        for (index, chart) in runCharts().enumerated() {
            let name = "runs-\(index + 1).svg"
            files[name] = chart.svg
            trends.append(figure(chart.svg, caption: chart.metric, file: name))
        }
        sections.append(
            section(
                "Metrics across runs",
                trends.isEmpty
                    ? "<p>No run with metrics recorded yet (<code>lepton runs</code>).</p>"
                    : trends.joined()))
        var sweeps: [String] = []
        for (index, chart) in parameterCharts().enumerated() {
            let name = "sweep-\(index + 1).svg"
            files[name] = chart.svg
            sweeps.append(figure(chart.svg, caption: chart.title, file: name))
        }
        if !sweeps.isEmpty { sections.append(section("Metrics against parameters", sweeps.joined())) }
        sections.append(section("Runs and sweeps", runsTable()))
        let graph = GraphRenderer.svg(session.graph)
        files["dag.svg"] = graph
        sections.append(
            section(
                "Stages",
                "<p><a href=\"dag.svg\">dag.svg</a> (also <code>lepton dag --format svg|mermaid|dot</code>)</p>" + graph
            ))
        files["index.html"] = page(sections.joined())
        return (files, declared.flatMap(\.notes))
    }

    private struct History {
        var stage: String
        var path: String
        var charts: [String]
    }

    /// Every output or metrics file that holds per-epoch records, as charts: losses in one,
    /// the other numbers in another.
    private func histories() -> [History] {
        var found: [History] = []
        for stage in session.pipeline.stages {
            let files = (stage.outputs.filter { $0.kind != .folder && $0.kind != .glob }.map(\.path) + stage.metrics)
            for path in files where path.hasSuffix(".json") || path.hasSuffix(".csv") {
                guard let records = epochRecords(path), !records.isEmpty else { continue }
                let names = Set(records.flatMap(\.keys)).subtracting(["epoch"]).sorted()
                let labels = records.map { $0["epoch"].map(SVG.format) ?? "" }
                func series(_ selected: [String]) -> [SVG.Series] {
                    selected.map { name in
                        SVG.Series(
                            name: name,
                            points: zip(labels, records).map { label, record in ("epoch \(label)", record[name] ?? .nan)
                            })
                    }
                }
                let losses = names.filter { $0.contains("loss") }
                let others = names.filter { !$0.contains("loss") && $0 != "learning_rate" }
                var charts: [String] = []
                // Metrics of very different ranges do not share an axis: one chart per range.
                for (index, group) in PlotReport.byRange(losses, records).enumerated() {
                    let title = "\(stage.name): loss by epoch" + (index == 0 ? "" : " (\(index + 1))")
                    charts.append(SVG.lineChart(title: title, series: series(group)))
                }
                for (index, group) in PlotReport.byRange(others, records).enumerated() {
                    let title = "\(stage.name): metrics by epoch" + (index == 0 ? "" : " (\(index + 1))")
                    charts.append(SVG.lineChart(title: title, series: series(group)))
                }
                found.append(History(stage: stage.name, path: path, charts: charts))
            }
        }
        return found
    }

    /// Per-epoch records of a JSON array of objects or a CSV, when they carry an `epoch`.
    private func epochRecords(_ path: String) -> [[String: Double]]? {
        guard let status = PosixFileSystem().status(session.workspace.absolute(path)), status.size < 5_000_000,
            let text = try? PosixFileSystem().readText(session.workspace.absolute(path))
        else { return nil }
        if path.hasSuffix(".csv") {
            let lines = text.split(whereSeparator: \.isNewline)
            guard let header = lines.first?.split(separator: ",").map(String.init), header.contains("epoch") else {
                return nil
            }
            return lines.dropFirst().map { line in
                var record: [String: Double] = [:]
                for (name, field) in zip(header, line.split(separator: ",", omittingEmptySubsequences: false)) {
                    record[name] = Double(field)
                }
                return record
            }
        }
        guard let items = (try? JSON.parse(text))?.arrayValue, !items.isEmpty else { return nil }
        let records = items.compactMap { $0.objectValue?.compactMapValues(\.doubleValue) }
        return records.count == items.count && records.allSatisfy { $0["epoch"] != nil } ? records : nil
    }

    /// Names in groups whose values lie within a factor of 20 of each other (by largest magnitude).
    static func byRange(_ names: [String], _ records: [[String: Double]]) -> [[String]] {
        let scale = names.map { name in
            (name, records.compactMap { $0[name] }.filter(\.isFinite).map(abs).max() ?? 0)
        }.sorted { $0.1 > $1.1 }
        var groups: [(top: Double, names: [String])] = []
        for (name, magnitude) in scale {
            if let last = groups.indices.last, magnitude * 20 >= groups[last].top {
                groups[last].names.append(name)
            } else {
                groups.append((magnitude, [name]))
            }
        }
        return groups.map { $0.names.sorted() }
    }

    /// One chart per metric over the recorded runs, oldest first: the top-level names, then
    /// nested ones (`avg_prec.test`), at most 16 charts.
    private func runCharts() -> [(metric: String, svg: String)] {
        let ordered = Array(runs.prefix(50).reversed())
        return PlotReport.metricNames(ordered).prefix(16).map { name in
            let files = Set(ordered.flatMap { $0.metrics.filter { $0.value[name] != nil }.keys }).sorted()
            let series = files.map { file in
                SVG.Series(
                    name: file, points: ordered.map { ($0.id, $0.metrics[file]?[name] ?? .nan) })
            }
            return (name, SVG.lineChart(title: "\(name) by run", series: series))
        }
    }

    /// The metrics the runs recorded, top-level names first, then nested ones (`avg_prec.test`),
    /// each group by name; bookkeeping (the epoch count, the learning rate, the sample count) left out.
    static func metricNames(_ runs: [RunRecord]) -> [String] {
        var names = Set<String>()
        for run in runs { for values in run.metrics.values { names.formUnion(values.keys) } }
        names.subtract(["epoch", "learning_rate", "samples"])
        return names.sorted { ($0.contains(".") ? 1 : 0, $0) < ($1.contains(".") ? 1 : 0, $1) }
    }

    /// For each numeric parameter whose value differs among the runs (a sweep), each headline
    /// metric against it, the runs ordered by the parameter's value (the latest run per value):
    /// at most 4 parameters × 4 metrics.
    private func parameterCharts() -> [(title: String, svg: String)] {
        let recent = Array(runs.prefix(200))
        let labels = Set(recent.flatMap { $0.params.keys }).sorted().filter { label in
            let values = Set(recent.compactMap { $0.params[label] })
            return values.count > 1 && values.allSatisfy { Double($0) != nil }
        }
        let headline = PlotReport.metricNames(recent).prefix(4)
        var charts: [(String, String)] = []
        for label in labels.prefix(4) {
            // Runs come newest first: the first seen for a value is its latest.
            var latest: [Double: RunRecord] = [:]
            for run in recent {
                if let value = run.params[label].flatMap(Double.init), latest[value] == nil { latest[value] = run }
            }
            let ordered = latest.sorted { $0.key < $1.key }
            for metric in headline {
                let points = ordered.map { value, run in
                    ("\(label)=\(SVG.format(value))", LeptonCommand.Runs.metric(metric, in: run) ?? .nan)
                }
                guard points.contains(where: { $0.1.isFinite }) else { continue }
                let title = "\(metric) against \(label)"
                charts.append((title, SVG.lineChart(title: title, series: [SVG.Series(name: metric, points: points)])))
            }
        }
        return charts
    }

    private func runsTable() -> String {
        guard !runs.isEmpty else { return "<p>No run recorded yet.</p>" }
        let shown = ["accuracy", "f1", "loss", "mse", "r2"].filter { name in
            runs.contains { run in run.metrics.values.contains { $0[name] != nil } }
        }
        var html = "<table><tr><th>run</th><th>status</th><th>--set</th><th>stages</th>"
        html += shown.map { "<th>\($0)</th>" }.joined() + "</tr>"
        for run in runs.prefix(30) {
            let overrides = run.overrides.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(
                separator: " ")
            html += "<tr><td><code>\(run.id)</code></td><td class=\"\(run.status)\">\(run.status)</td>"
            html += "<td>\(SVG.escape(overrides))</td><td>\(LeptonCommand.Runs.summary(run))</td>"
            for name in shown {
                let value = run.metrics.sorted { $0.key < $1.key }.lazy.compactMap { $0.value[name] }.first
                html += "<td>\(value.map(SVG.format) ?? "")</td>"
            }
            html += "</tr>"
        }
        return html + "</table>"
    }

    private func figure(_ svg: String, caption: String, file: String) -> String {
        "<figure>\(svg)<figcaption>\(SVG.escape(caption)) · <a href=\"\(file)\">\(file)</a></figcaption></figure>"
    }

    private func section(_ title: String, _ body: String) -> String { "<section><h2>\(title)</h2>\(body)</section>" }

    private func page(_ body: String) -> String {
        let name = session.pipeline.name.isEmpty ? "pipeline" : session.pipeline.name
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Lepton — \(SVG.escape(name))</title>
            <style>
            body { font-family: sans-serif; margin: 24px; color: #222; }
            h1 { font-size: 20px; } h2 { font-size: 16px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
            figure { display: inline-block; margin: 8px 16px 8px 0; } figcaption { font-size: 12px; color: #555; }
            table { border-collapse: collapse; font-size: 12px; } td, th { border: 1px solid #ddd; padding: 3px 8px; }
            th { background: #f4f4f4; } .failed { color: #b00; } .succeeded { color: #070; } .note { color: #a60; font-size: 12px; }
            </style></head>
            <body><h1>Lepton report — \(SVG.escape(name))</h1>
            \(body)
            </body></html>
            """
    }
}
