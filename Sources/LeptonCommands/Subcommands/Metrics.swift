import ArgumentParser
import LeptonCore

extension LeptonCommand {
    /// `lepton metrics show`: the current values in the stages' metrics files.
    struct Metrics: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the metrics the stages wrote.",
            subcommands: [Show.self],
            defaultSubcommand: Show.self)

        /// How `metrics show` prints.
        enum Format: String, ExpressibleByArgument, CaseIterable {
            case table, json, prometheus
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

            @Flag(help: "The same as --format json.")
            var json = false

            func run() throws {
                let console = Console()
                let session = try PackageSession.open(global, console: console)
                var rows: [(stage: String, file: String, name: String, value: Double)] = []
                for stage in session.pipeline.stages {
                    for file in stage.metrics {
                        guard let bytes = try? FileSystem().read(session.workspace.absolute(file)) else {
                            console.error(
                                console.yellow("warning: ")
                                    + "\(file) (stage '\(stage.name)') does not exist yet; build the stage")
                            continue
                        }
                        do {
                            for metric in try MetricsFile.read(path: file, bytes: bytes) {
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
                        rows: rows.map { [$0.stage, $0.file, $0.name, Show.number($0.value)] })
                case .json:
                    var files: [String: JSON] = [:]
                    for row in rows {
                        var members = files[row.file]?.objectValue ?? [:]
                        members[row.name] = .number(Show.number(row.value))
                        files[row.file] = .object(members)
                    }
                    console.line(JSON.object(["metrics": .object(files)]).prettyText)
                case .prometheus:
                    console.line("# HELP lepton_metric A value from a metrics file of a Lepton pipeline.")
                    console.line("# TYPE lepton_metric gauge")
                    for row in rows {
                        let labels = [("stage", row.stage), ("file", row.file), ("name", row.name)]
                            .map { "\($0)=\"\(Show.escapeLabel($1))\"" }.joined(separator: ",")
                        console.line("lepton_metric{\(labels)} \(Show.number(row.value))")
                    }
                }
            }

            /// Shortest text that reads back as the same Double (integers without `.0`).
            static func number(_ value: Double) -> String {
                if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
                return "\(value)"
            }

            /// Escapes a label value for the exposition format: backslash, quote and newline.
            static func escapeLabel(_ text: String) -> String {
                var result = ""
                for character in text {
                    switch character {
                    case "\\": result += "\\\\"
                    case "\"": result += "\\\""
                    case "\n": result += "\\n"
                    default: result.append(character)
                    }
                }
                return result
            }
        }
    }
}
