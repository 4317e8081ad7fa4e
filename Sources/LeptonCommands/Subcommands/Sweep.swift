import ArgumentParser
import Dispatch
import LeptonCore
import LeptonSystem
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

extension LeptonCommand {
    /// `lepton sweep --set KEY=V1,V2 …`: builds a grid of parameter combinations.
    struct Sweep: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Build every combination of parameter values (a grid, or --random N of it) and compare their metrics.",
            discussion: """
                Each combination is a build with those --set overrides, recorded as a run and cached like \
                any other: a combination built before (by a sweep or not) is restored, not rerun. Up to \
                --jobs combinations build at once, each in its own copy of the package under \
                .lepton/sweep/ (hard links, sharing the cache); with --jobs 1 they build one after another \
                in the workspace. Afterwards the workspace is brought back to the params files' values (from \
                the cache) and the table marks the best run; `lepton checkout RUN` puts its outputs in place.
                """)

        @OptionGroup var global: GlobalOptions

        @Option(
            name: .customLong("set"), help: "KEY=V1,V2,… values to sweep (repeatable; a single value fixes the key).")
        var axes: [String] = []

        @Option(help: "Build only N combinations drawn at random from the grid.") var random: Int?
        @Option(help: "Seed of --random.") var seed: UInt64 = 0
        @Option(help: "Metrics to show (repeatable; default: accuracy and loss where present).") var metric: [String] =
            []
        @Option(help: "The metric whose highest value is best (default: the first --metric, else accuracy).")
        var maximize: String?
        @Option(help: "The metric whose lowest value is best (instead of --maximize).") var minimize: String?
        @Option(
            name: [.customShort("j", allowingJoined: true), .long],
            help: "Combinations built at once (default: the number of cores).")
        var jobs: Int?
        @Flag(help: "Print JSON: {\"runs\": [{\"id\", \"params\", \"status\", \"metrics\"}], \"best\": ID}.") var json =
            false

        func validate() throws {
            guard !axes.isEmpty else { throw ValidationError("Give at least one --set KEY=V1,V2,….") }
            if let random, random < 1 { throw ValidationError("Please give --random of at least 1.") }
            if maximize != nil && minimize != nil { throw ValidationError("Give --maximize or --minimize, not both.") }
        }

        func run() throws {
            let console = Console()
            var combinations = try Sweep.grid(axes)
            if let random, random < combinations.count {
                var generator = SplitMix(seed: seed)
                combinations.shuffle(using: &generator)
                combinations = Array(combinations.prefix(random))
            }
            var results: [(overrides: [String], id: String?, status: String, metrics: [String: Double])] = []
            let width = min(jobs ?? SystemCores.count, combinations.count)
            if width > 1 {
                results = try buildInParallel(combinations, width: width, console: console)
            } else {
                for (index, combination) in combinations.enumerated() {
                    let label = combination.joined(separator: " ")
                    if !json { console.line(console.dim("[\(index + 1)/\(combinations.count)] \(label)")) }
                    let (summary, id, session) = try build(overrides: combination, console: console)
                    let status = summary.failed ? "failed" : "succeeded"
                    results.append((combination, id, status, MetricsFile.byName(RunRecorder.currentMetrics(session))))
                }
            }
            // Back to the params files' values: restored from the cache where they were built before.
            _ = try build(overrides: [], console: console)
            report(results, console: console)
        }

        /// Builds the combinations `width` at a time, each in a copy of the package (see
        /// ``SweepRunner``), whose runs move into the history.
        private func buildInParallel(
            _ combinations: [[String]], width: Int, console: Console
        ) throws -> [(overrides: [String], id: String?, status: String, metrics: [String: Double])] {
            let session = try PackageSession.open(global, console: console)
            // Validate every key before starting any build.
            for combination in combinations {
                _ = try PackageSession.open(global, console: console, overrides: combination)
            }
            let quiet = json
            let runs = try SweepRunner(workspace: session.workspace, pipeline: session.pipeline).run(
                combinations, width: width
            ) { index in
                if !quiet {
                    console.line(
                        console.dim(
                            "[\(index + 1)/\(combinations.count)] \(combinations[index].joined(separator: " "))"))
                }
            }
            return zip(combinations, runs).map { combination, run in
                guard let run else { return (combination, nil, "failed", [:]) }
                return (combination, run.id, run.status, MetricsFile.byName(run.metrics))
            }
        }

        /// Builds once with `overrides`, quietly, recording the run.
        private func build(overrides: [String], console: Console) throws -> (BuildSummary, String?, PackageSession) {
            let session = try PackageSession.open(global, console: console, overrides: overrides)
            let options = BuildOptions(jobs: jobs ?? SystemCores.count)
            let started = SystemClock().fileTimeNow()
            let summary = try BuildRun(
                session: session, options: options, verbose: false, quiet: true, observer: CollectingObserver()
            ).execute()
            return (summary, RunRecorder.record(summary, session: session, started: started), session)
        }

        private func report(
            _ results: [(overrides: [String], id: String?, status: String, metrics: [String: Double])],
            console: Console
        ) {
            let available = Set(results.flatMap(\.metrics.keys))
            let shown = metric.isEmpty ? ["accuracy", "loss"].filter(available.contains) : metric
            let goal = minimize ?? maximize ?? shown.first ?? "accuracy"
            let lowerIsBetter = minimize != nil || (maximize == nil && metric.isEmpty && shown.first == "loss")
            let candidates = results.filter { $0.status == "succeeded" && $0.metrics[goal] != nil }
            let best =
                lowerIsBetter
                ? candidates.min { ($0.metrics[goal] ?? 0) < ($1.metrics[goal] ?? 0) }
                : candidates.max { ($0.metrics[goal] ?? 0) < ($1.metrics[goal] ?? 0) }
            if json {
                let runs = results.map { result -> JSON in
                    .object([
                        "id": result.id.map(JSON.string) ?? .null, "params": .array(result.overrides.map(JSON.string)),
                        "status": .string(result.status),
                        "metrics": .object(result.metrics.mapValues { .number(MetricsFile.text($0)) }),
                    ])
                }
                console.line(
                    JSON.object(["runs": .array(runs), "best": best?.id.map(JSON.string) ?? .null]).prettyText)
                return
            }
            let keys = axes.compactMap { $0.split(separator: "=", maxSplits: 1).first.map(String.init) }
            let rows = results.map { result -> [String] in
                let values = result.overrides.map { String($0.split(separator: "=", maxSplits: 1).last ?? "") }
                let mark = best.map { $0.id == result.id } == true ? "*" : ""
                return [mark, result.id ?? "-"] + values
                    + shown.map { result.metrics[$0].map(MetricsFile.text) ?? "-" }
                    + [result.status]
            }
            console.line("")
            TablePrinter(console: console).print(header: ["", "run"] + keys + shown + ["status"], rows: rows)
            if let best, let id = best.id {
                console.line(
                    "best by \(lowerIsBetter ? "lowest" : "highest") \(goal): run \(id); 'lepton checkout \(id)' puts its outputs in place"
                )
            }
        }

        /// An axis's values: split at commas outside brackets and braces, so a list value
        /// (`[128,64]`) stays whole: `model.hidden=[64],[128,64]` is two values.
        static func values(_ text: Substring) -> [Substring] {
            var values: [Substring] = []
            var depth = 0
            var start = text.startIndex
            for index in text.indices {
                switch text[index] {
                case "[", "{": depth += 1
                case "]", "}": depth -= 1
                case "," where depth == 0:
                    values.append(text[start..<index])
                    start = text.index(after: index)
                default: break
                }
            }
            return values + [text[start...]]
        }

        /// The cartesian product of the axes, as lists of KEY=VALUE, in the order given.
        static func grid(_ axes: [String]) throws -> [[String]] {
            var combinations: [[String]] = [[]]
            for axis in axes {
                guard let equals = axis.firstIndex(of: "="), equals != axis.startIndex else {
                    throw ValidationError("--set '\(axis)' is not KEY=V1,V2,….")
                }
                let key = axis[..<equals]
                let values = Sweep.values(axis[axis.index(after: equals)...])
                combinations = combinations.flatMap { prefix in values.map { prefix + ["\(key)=\($0)"] } }
            }
            return combinations
        }
    }
}
