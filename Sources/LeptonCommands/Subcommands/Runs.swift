import ArgumentParser
import LeptonCore
import LeptonMetrics
import LeptonSystem

#if canImport(Glibc)
    import Glibc
#endif

extension LeptonCommand {
    /// `lepton runs [show ID]`: the run history.
    struct Runs: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List recorded builds (runs), newest first, or show one.",
            discussion: """
                Every build that ran, restored or failed a stage is recorded in .lepton/history/: its id, \
                time, git commit, --set overrides, each stage's outcome, key, parameters and output digests, \
                and the metrics it left. Name a run by id, a unique id prefix, a tag, or `latest`.
                """,
            subcommands: [List.self, Show.self],
            defaultSubcommand: List.self)

        /// `lepton runs list`: the run history as an experiments table (DVC's `exp show`).
        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "List runs, newest first, with chosen params and metrics as columns.",
                discussion: """
                    As `dvc exp show`: --params adds a column for every parameter whose value differs \
                    among the runs listed (--param NAME for chosen ones), --metrics one for every metric \
                    (--metric NAME for chosen ones); --sort-by NAME orders by a metric or parameter, \
                    --where 'accuracy >= 0.9' keeps the runs that meet a condition, --csv prints CSV.
                    """)

            @OptionGroup var global: GlobalOptions

            @Option(help: "Only runs where this stage ran or was restored.") var stage: String?
            @Option(help: "Only runs with this status: succeeded, failed or interrupted.") var status: String?
            @Option(help: "Only runs with this tag.") var tag: String?
            @Option(help: "At most this many runs.") var limit: Int = 20
            @Option(help: "Also show this metric (e.g. accuracy; repeatable).") var metric: [String] = []
            @Option(help: "Also show this parameter (e.g. train.lr; repeatable).") var param: [String] = []
            @Flag(help: "Show every parameter whose value differs among the runs listed.") var params = false
            @Flag(help: "Show every metric of the runs listed.") var metrics = false
            @Option(
                name: .customLong("where"),
                help: ArgumentHelp(
                    "Only runs where a metric or numeric parameter meets this: 'accuracy >= 0.9', 'train.lr == 0.01' (repeatable).",
                    valueName: "condition"))
            var conditions: [String] = []
            @Option(name: .customLong("sort-by"), help: "Order by this metric or parameter (runs without it last).")
            var sortBy: String?
            @Option(name: .customLong("sort-order"), help: "asc or desc (default: desc for --sort-by).")
            var sortOrder: String = "desc"
            @Option(help: "Significant digits of metric values (default: 5).")
            var precision = SignificantDigits.defaultPrecision
            @Flag(help: "Print JSON: {\"runs\": [RUN…]} with the full records.") var json = false
            @Flag(help: "Print the table as CSV.") var csv = false

            func validate() throws {
                if !["asc", "desc"].contains(sortOrder) { throw ValidationError("--sort-order is asc or desc.") }
                if precision < 1 { throw ValidationError("Please specify --precision of at least 1.") }
                for condition in conditions {
                    do throws(MetricGateError) {
                        let gate = try MetricGate(parsing: condition)
                        if gate.needsPrevious { throw MetricGateError("'previous' has no meaning here") }
                    } catch {
                        throw ValidationError("--where '\(condition)': \(error.message)")
                    }
                }
            }

            func run() throws {
                let console = Console()
                let history = RunHistory(workspace: try PackageSession.findWorkspace(global))
                let tags = history.tags()
                var runs = history.all()
                if let stage { runs = runs.filter { $0.changedStages.contains(stage) } }
                if let status { runs = runs.filter { $0.status == status } }
                if let tag { runs = runs.filter { $0.id == tags[tag] } }
                let gates = conditions.compactMap { try? MetricGate(parsing: $0) }
                runs = runs.filter { run in gates.allSatisfy { $0.failure(in: Runs.values(of: run)) == nil } }
                if let sortBy {
                    // Stable: equal values keep newest first; runs without the value go last.
                    let keyed = runs.enumerated().map { ($0.offset, $0.element, Runs.values(of: $0.element)[sortBy]) }
                    runs = keyed.sorted { left, right in
                        switch (left.2, right.2) {
                        case (let a?, let b?) where a != b: return sortOrder == "asc" ? a < b : a > b
                        case (_?, nil): return true
                        case (nil, _?): return false
                        default: return left.0 < right.0
                        }
                    }.map(\.1)
                }
                runs = Array(runs.prefix(limit))
                if json {
                    console.line(JSON.object(["runs": .array(runs.map(\.json))]).prettyText)
                    return
                }
                if runs.isEmpty {
                    console.line(
                        conditions.isEmpty
                            ? "no runs recorded yet: every 'lepton build' that runs or restores a stage records one"
                            : "no run meets \(conditions.joined(separator: " and "))")
                    return
                }
                var paramColumns = param
                if params {
                    let all = Set(runs.flatMap { $0.params.keys })
                    let changed = all.filter { key in Set(runs.map { $0.params[key] ?? "" }).count > 1 }.sorted()
                    paramColumns += changed.filter { !paramColumns.contains($0) }
                }
                var metricColumns = metric
                if metrics {
                    let all = Set(runs.flatMap { $0.metrics.values.flatMap(\.keys) }).sorted()
                    metricColumns += all.filter { !metricColumns.contains($0) }
                }
                var byRun: [String: [String]] = [:]
                for (name, id) in tags { byRun[id, default: []].append(name) }
                let rows = runs.map { run -> [String] in
                    var row = [
                        run.id, Runs.time(run.started), run.status, Runs.summary(run),
                        run.commit.map { String($0.prefix(8)) } ?? "-",
                    ]
                    for name in paramColumns { row.append(run.params[name].map(Runs.parameterText) ?? "-") }
                    for name in metricColumns {
                        row.append(Runs.metric(name, in: run).map { SignificantDigits.text($0, precision) } ?? "-")
                    }
                    row.append((byRun[run.id] ?? []).sorted().joined(separator: ","))
                    return row
                }
                let header =
                    ["run", "started (UTC)", "status", "stages", "commit"] + paramColumns + metricColumns + ["tags"]
                if csv {
                    for row in [header] + rows { console.line(row.map(Runs.csvField).joined(separator: ",")) }
                    return
                }
                TablePrinter(console: console).print(header: header, rows: rows)
            }
        }

        /// `lepton runs show RUN`.
        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Show one run: stages, parameters, outputs, metrics.")

            @OptionGroup var global: GlobalOptions
            @Argument(help: "A run id (or unique prefix), a tag, or `latest`.") var name: String
            @Flag(help: "Print the run's JSON record.") var json = false

            func run() throws {
                let console = Console()
                let history = RunHistory(workspace: try PackageSession.findWorkspace(global))
                let record: RunRecord
                do { record = try history.resolve(name) } catch { throw ValidationError(error.message) }
                if json {
                    console.line(record.json.prettyText)
                    return
                }
                let tags = history.tags().filter { $0.value == record.id }.keys.sorted()
                console.line("run      \(record.id)\(tags.isEmpty ? "" : "  (tags: \(tags.joined(separator: ", ")))")")
                console.line("started  \(Runs.time(record.started)) UTC, took \(Format.duration(record.seconds))")
                console.line("status   \(record.status)")
                if let commit = record.commit { console.line("commit   \(commit)") }
                for (key, value) in record.overrides.sorted(by: { $0.key < $1.key }) {
                    console.line("--set    \(key)=\(value)")
                }
                console.line("")
                // The cluster job of each stage that ran on one, when any did.
                let jobs = record.stages.values.contains { $0.job != nil }
                TablePrinter(console: console).print(
                    header: ["stage", "outcome", "time", "key"] + (jobs ? ["job"] : []),
                    rows: record.stageNames.compactMap { name in record.stages[name].map { (name, $0) } }.map {
                        name, stage in
                        [
                            name, stage.outcome, stage.seconds.map(Format.duration) ?? "-",
                            stage.record.map { String($0.key.prefix(12)) } ?? "-",
                        ] + (jobs ? [stage.job ?? "-"] : [])
                    })
                let params = record.params.sorted { $0.key < $1.key }
                if !params.isEmpty {
                    console.line("")
                    TablePrinter(console: console).print(
                        header: ["param", "value"], rows: params.map { [$0.key, $0.value] })
                }
                var outputs: [[String]] = []
                for name in record.stageNames {
                    guard let stage = record.stages[name] else { continue }
                    for (path, digest) in (stage.record?.outputs ?? [:]).sorted(by: { $0.key < $1.key }) {
                        outputs.append([path, name, String(digest.digest.prefix(12))])
                    }
                }
                if !outputs.isEmpty {
                    console.line("")
                    TablePrinter(console: console).print(header: ["output", "stage", "digest"], rows: outputs)
                }
                let metrics = record.metrics.sorted { $0.key < $1.key }.flatMap { file, values in
                    values.sorted { $0.key < $1.key }.map { [file, $0.key, SignificantDigits.text($0.value)] }
                }
                if !metrics.isEmpty {
                    console.line("")
                    TablePrinter(console: console).print(header: ["file", "metric", "value"], rows: metrics)
                }
            }
        }

        /// `2026-11-22 15:27:42` for seconds since 1970, in UTC.
        static func time(_ seconds: Int) -> String {
            var time = time_t(seconds)
            var parts = tm()
            gmtime_r(&time, &parts)
            func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
            return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday)) "
                + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))"
        }

        /// `2 ran, 1 restored` (and failures).
        static func summary(_ run: RunRecord) -> String {
            var counts: [String: Int] = [:]
            for stage in run.stages.values { counts[stage.outcome, default: 0] += 1 }
            return ["ran", "restored", "failed"].compactMap { outcome in
                counts[outcome].map { "\($0) \(outcome)" }
            }.joined(separator: ", ")
        }

        /// A metric of a run by flattened name; with no file given, the first file that has it.
        static func metric(_ name: String, in run: RunRecord) -> Double? {
            for (_, values) in run.metrics.sorted(by: { $0.key < $1.key }) {
                if let value = values[name] { return value }
            }
            return nil
        }

        /// A run's metrics by name and `FILE:NAME`, and its numeric parameters by label, for
        /// `--where` and `--sort-by`.
        static func values(of run: RunRecord) -> [String: Double] {
            var values: [String: Double] = [:]
            for (label, text) in run.params { if let number = Double(text) { values[label] = number } }
            for (file, metrics) in run.metrics.sorted(by: { $0.key > $1.key }) {
                for (name, value) in metrics {
                    values[name] = value
                    values["\(file):\(name)"] = value
                }
            }
            return values
        }

        /// A parameter's canonical JSON text for a table: strings without their quotes.
        static func parameterText(_ canonical: String) -> String {
            (try? JSON.parse(Array(canonical.utf8)))?.stringValue ?? canonical
        }

        /// A CSV field, quoted when it holds a comma, a quote or a line break.
        static func csvField(_ text: String) -> String {
            guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return text }
            return "\"" + text.replacing("\"", with: "\"\"") + "\""
        }

    }
}
