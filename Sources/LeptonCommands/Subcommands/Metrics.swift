import ArgumentParser
import LeptonCore
import LeptonSystem

extension LeptonCommand {
    /// `lepton metrics show`: the current values in the stages' metrics files.
    struct Metrics: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the metrics the stages wrote.",
            subcommands: [Show.self, Diff.self],
            defaultSubcommand: Show.self)

        /// How `metrics show` prints.
        enum Format: String, ExpressibleByArgument, CaseIterable {
            case table, json, prometheus
        }

        /// `--precision` and `--metric`, shared by `show` and `diff`.
        struct Selection: ParsableArguments {
            @Option(help: "Significant digits of the values printed in tables (default: 5; JSON keeps every digit).")
            var precision = SignificantDigits.defaultPrecision

            @Option(
                name: .customLong("metric"),
                help: ArgumentHelp(
                    "Only this metric: NAME, FILE:NAME, or a prefix ending in '*' (repeatable).", valueName: "name"))
            var metrics: [String] = []

            func validate() throws {
                if precision < 1 { throw ValidationError("Please specify --precision of at least 1.") }
            }

            /// Whether the filters (if any) keep a metric.
            func keeps(file: String, name: String) -> Bool {
                metrics.isEmpty
                    || metrics.contains { pattern in
                        let candidates = [name, "\(file):\(name)"]
                        if pattern.hasSuffix("*") { return candidates.contains { $0.hasPrefix(pattern.dropLast()) } }
                        return candidates.contains(pattern)
                    }
            }
        }

        /// `lepton metrics show [--format table|json|prometheus]`.
        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Show every metric in the stages' metrics files (JSON, YAML, CSV; nested keys flattened).",
                discussion: """
                    --format prometheus prints the Prometheus text exposition format: one gauge family \
                    `lepton_metric` with labels stage, file and name, for a scrape target or the Pushgateway.
                    """)

            @OptionGroup var global: GlobalOptions

            @Option(help: "table, json or prometheus.")
            var format: Format = .table

            @OptionGroup var selection: Selection

            @Flag(help: "The same as --format json.")
            var json = false

            func run() throws {
                let console = Console()
                let session = try PackageSession.open(global, console: console)
                var rows: [(stage: String, file: String, name: String, value: Double)] = []
                for stage in session.pipeline.stages {
                    for file in stage.metrics {
                        guard let bytes = try? PosixFileSystem().read(session.workspace.absolute(file)) else {
                            console.error(
                                console.yellow("warning: ")
                                    + "\(file) (stage '\(stage.name)') does not exist yet; build the stage")
                            continue
                        }
                        do {
                            for metric in try MetricsFile.read(path: file, bytes: bytes)
                            where selection.keeps(file: file, name: metric.name) {
                                rows.append((stage.name, file, metric.name, metric.value))
                            }
                        } catch {
                            console.error(console.yellow("warning: ") + error.message)
                        }
                    }
                }
                switch json ? .json : format {
                case .table:
                    TablePrinter(console: console).print(
                        header: ["stage", "file", "metric", "value"],
                        rows: rows.map {
                            [$0.stage, $0.file, $0.name, SignificantDigits.text($0.value, selection.precision)]
                        })
                case .json:
                    var files: [String: JSON] = [:]
                    for row in rows {
                        var members = files[row.file]?.objectValue ?? [:]
                        members[row.name] = .number(MetricsFile.text(row.value))
                        files[row.file] = .object(members)
                    }
                    console.line(JSON.object(["metrics": .object(files)]).prettyText)
                case .prometheus:
                    console.line("# HELP lepton_metric A value from a metrics file of a Lepton pipeline.")
                    console.line("# TYPE lepton_metric gauge")
                    for row in rows {
                        let labels = [("stage", row.stage), ("file", row.file), ("name", row.name)]
                            .map { "\($0)=\"\(Show.escapeLabel($1))\"" }.joined(separator: ",")
                        console.line("lepton_metric{\(labels)} \(MetricsFile.text(row.value))")
                    }
                }
            }

            /// Escapes a label value for the exposition format: backslash, quote and newline.
            static func escapeLabel(_ text: String) -> String { BackslashEscaping.escape(text) }
        }

        /// `lepton metrics diff [A [B]] [--all] [--json]`.
        struct Diff: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Compare the current metrics with a run's or a git revision's: old, new and change.",
                discussion: """
                    Without one: the latest run whose metrics differ from the workspace's (so right after a \
                    build, the run before it). With two, A is the old side and B the new (`lepton metrics diff \
                    HEAD~1 HEAD`). A git revision is read through its Lepton.lock: the metrics files it records \
                    are read from the cache by digest.
                    """)

            @OptionGroup var global: GlobalOptions
            @Argument(help: "A run (id, prefix, tag, `latest`) or a git revision; a second instead of the workspace.")
            var revisions: [String] = []
            @Flag(help: "Also list metrics that did not change.") var all = false
            @OptionGroup var selection: Selection

            func validate() throws {
                if revisions.count > 2 { throw ValidationError("Compare at most two runs or revisions.") }
            }
            @Flag(
                help: "Print JSON: {\"old\": LABEL, \"metrics\": [{\"file\", \"name\", \"old\", \"new\", \"change\"}]}."
            )
            var json = false

            func run() throws {
                let console = Console()
                let session = try PackageSession.open(global, console: console)
                let declared = Set(session.pipeline.stages.flatMap(\.metrics))
                let new = try revisions.dropFirst().first.map {
                    try RunComparison.resolving($0, workspace: session.workspace, metricsFiles: declared)
                }
                let current = new?.metrics ?? RunRecorder.currentMetrics(session)
                let old = try RunComparison.resolving(
                    revisions.first, workspace: session.workspace, current: current, metricsFiles: declared)
                let files = Set(current.keys).union(old.metrics.keys).sorted()
                var rows: [(file: String, name: String, old: Double?, new: Double?)] = []
                for file in files {
                    let names = Set((current[file] ?? [:]).keys).union((old.metrics[file] ?? [:]).keys).sorted()
                    for name in names where selection.keeps(file: file, name: name) {
                        let before = old.metrics[file]?[name]
                        let after = current[file]?[name]
                        if all || before != after { rows.append((file, name, before, after)) }
                    }
                }
                if json {
                    let items = rows.map { row -> JSON in
                        var object: [String: JSON] = ["file": .string(row.file), "name": .string(row.name)]
                        object["old"] = row.old.map { .number(MetricsFile.text($0)) } ?? .null
                        object["new"] = row.new.map { .number(MetricsFile.text($0)) } ?? .null
                        if let a = row.old, let b = row.new { object["change"] = .number(MetricsFile.text(b - a)) }
                        return .object(object)
                    }
                    var object: [String: JSON] = ["old": .string(old.label), "metrics": .array(items)]
                    if let new { object["new"] = .string(new.label) }
                    console.line(JSON.object(object).prettyText)
                    return
                }
                if rows.isEmpty {
                    console.line("no metric differs between \(old.label) and \(new?.label ?? "the workspace")")
                    return
                }
                TablePrinter(console: console).print(
                    header: ["file", "metric", old.label, new?.label ?? "now", "change"],
                    rows: rows.map { row in
                        [
                            row.file, row.name, row.old.map { SignificantDigits.text($0, selection.precision) } ?? "-",
                            row.new.map { SignificantDigits.text($0, selection.precision) } ?? "-",
                            row.old.flatMap { old in
                                row.new.map { SignificantDigits.change(from: old, to: $0, selection.precision) }
                            } ?? "-",
                        ]
                    })
            }
        }
    }
}
