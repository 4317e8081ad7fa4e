import ArgumentParser
import LeptonCore
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

        /// `lepton runs list`.
        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List runs, newest first.")

            @OptionGroup var global: GlobalOptions

            @Option(help: "Only runs where this stage ran or was restored.") var stage: String?
            @Option(help: "Only runs with this status: succeeded, failed or interrupted.") var status: String?
            @Option(help: "Only runs with this tag.") var tag: String?
            @Option(help: "At most this many runs.") var limit: Int = 20
            @Option(help: "Also show this metric (e.g. accuracy; repeatable).") var metric: [String] = []
            @Flag(help: "Print JSON: {\"runs\": [RUN…]} with the full records.") var json = false

            func run() throws {
                let console = Console()
                let history = RunHistory(workspace: try PackageSession.findWorkspace(global))
                let tags = history.tags()
                var runs = history.all()
                if let stage { runs = runs.filter { $0.changedStages.contains(stage) } }
                if let status { runs = runs.filter { $0.status == status } }
                if let tag { runs = runs.filter { $0.id == tags[tag] } }
                runs = Array(runs.prefix(limit))
                if json {
                    console.line(JSON.object(["runs": .array(runs.map(\.json))]).prettyText)
                    return
                }
                if runs.isEmpty {
                    console.line("no runs recorded yet: every 'lepton build' that runs or restores a stage records one")
                    return
                }
                var byRun: [String: [String]] = [:]
                for (name, id) in tags { byRun[id, default: []].append(name) }
                let rows = runs.map { run -> [String] in
                    var row = [
                        run.id, Runs.time(run.started), run.status, Runs.summary(run),
                        run.commit.map { String($0.prefix(8)) } ?? "-",
                    ]
                    for name in metric { row.append(Runs.metric(name, in: run).map(Runs.number) ?? "-") }
                    row.append((byRun[run.id] ?? []).sorted().joined(separator: ","))
                    return row
                }
                TablePrinter(console: console).print(
                    header: ["run", "started (UTC)", "status", "stages", "commit"] + metric + ["tags"], rows: rows)
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
                    values.sorted { $0.key < $1.key }.map { [file, $0.key, Runs.number($0.value)] }
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

        /// A value for a table column: as stored, or to four decimals when longer.
        static func number(_ value: Double) -> String {
            let text = MetricsFile.text(value)
            return text.count > 10 ? "\((value * 10_000).rounded() / 10_000)" : text
        }
    }
}
