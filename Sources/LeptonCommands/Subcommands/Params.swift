import ArgumentParser
import LeptonCore
import LeptonSystem

extension LeptonCommand {
    /// `lepton params show`: the parameters stages declare and their current values.
    struct Params: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the parameters the stages read.",
            subcommands: [Show.self, Diff.self],
            defaultSubcommand: Show.self)

        /// `lepton params show [--set KEY=VALUE] [--json]`.
        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Show every declared parameter, its current value and the stages that read it.")

            @OptionGroup var global: GlobalOptions

            @Option(name: .customLong("set"), help: "Show as if a parameter had this value: KEY=VALUE (repeatable).")
            var overrides: [String] = []

            @Flag(help: "Print JSON: {\"params\": [{\"key\", \"file\", \"value\", \"stages\"}]}.")
            var json = false

            func run() throws {
                let console = Console()
                let session = try PackageSession.open(global, console: console, overrides: overrides)
                var rows: [String: (file: String, value: String, stages: [String])] = [:]
                for stage in session.pipeline.stages {
                    for parameter in stage.params {
                        let file = parameter.inline != nil ? "(inline)" : parameter.file ?? session.pipeline.paramsFile
                        let label =
                            parameter.inline != nil ? "\(stage.name):\(parameter.key)" : "\(file):\(parameter.key)"
                        let value: String
                        if let inline = parameter.inline {
                            value = inline
                        } else {
                            switch session.params.lookup(parameter.key, in: file) {
                            case .success(let text): value = text
                            case .failure(let error): value = "error: \(error.message)"
                            }
                        }
                        rows[label, default: (file, value, [])].stages.append(stage.name)
                    }
                }
                let sorted = rows.sorted { $0.key < $1.key }
                if json {
                    let items = sorted.map { label, row -> JSON in
                        .object([
                            "key": .string(String(label.split(separator: ":").last ?? "")), "file": .string(row.file),
                            "value": (try? JSON.parse(row.value)) ?? .string(row.value),
                            "stages": .array(row.stages.map(JSON.string)),
                        ])
                    }
                    console.line(JSON.object(["params": .array(items)]).prettyText)
                    return
                }
                let table = sorted.map { label, row in
                    [
                        String(label.split(separator: ":").last ?? ""), row.value, row.file,
                        row.stages.joined(separator: ", "),
                    ]
                }
                TablePrinter(console: console).print(header: ["param", "value", "file", "read by"], rows: table)
            }
        }

        /// `lepton params diff [A [B]] [--set KEY=VALUE] [--all] [--json]`.
        struct Diff: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Compare the current parameters with a run's (default: the latest) or a git revision's.",
                discussion: """
                    With two, A is the old side and B the new, instead of the workspace: \
                    `lepton params diff HEAD~1 HEAD`, `lepton params diff baseline latest`.
                    """)

            @OptionGroup var global: GlobalOptions
            @Argument(help: "A run (id, prefix, tag, `latest`) or a git revision; a second instead of the workspace.")
            var revisions: [String] = []
            @Option(name: .customLong("set"), help: "Compare as if a parameter had this value (repeatable).")
            var overrides: [String] = []
            @Flag(help: "Also list parameters that did not change.") var all = false
            @Flag(help: "Print JSON: {\"old\": LABEL, \"params\": [{\"key\", \"old\", \"new\"}]}.") var json = false

            func validate() throws {
                if revisions.count > 2 { throw ValidationError("Compare at most two runs or revisions.") }
            }

            func run() throws {
                let console = Console()
                let session = try PackageSession.open(global, console: console, overrides: overrides)
                let old = try RunComparison.resolving(revisions.first, workspace: session.workspace)
                let new = try revisions.dropFirst().first.map {
                    try RunComparison.resolving($0, workspace: session.workspace)
                }
                var current: [String: String] = new?.params ?? [:]
                for stage in session.pipeline.stages where new == nil {
                    for parameter in stage.params where parameter.inline == nil {
                        let file = parameter.file ?? session.pipeline.paramsFile
                        let label = file == session.pipeline.paramsFile ? parameter.key : "\(file):\(parameter.key)"
                        if case .success(let value) = session.params.lookup(parameter.key, in: file) {
                            current[label] = value
                        }
                    }
                }
                let keys = Set(current.keys).union(old.params.keys).sorted()
                let rows = keys.compactMap { key -> [String]? in
                    let before = old.params[key] ?? "-"
                    let after = current[key] ?? "-"
                    return all || before != after ? [key, before, after] : nil
                }
                if json {
                    let items = rows.map {
                        JSON.object(["key": .string($0[0]), "old": .string($0[1]), "new": .string($0[2])])
                    }
                    var object: [String: JSON] = ["old": .string(old.label), "params": .array(items)]
                    if let new { object["new"] = .string(new.label) }
                    console.line(JSON.object(object).prettyText)
                    return
                }
                if rows.isEmpty {
                    console.line("no parameter differs between \(old.label) and \(new?.label ?? "the workspace")")
                    return
                }
                TablePrinter(console: console).print(header: ["param", old.label, new?.label ?? "now"], rows: rows)
            }
        }
    }
}

extension RunComparison {
    /// ``RunComparison/resolve(_:workspace:current:metricsFiles:)``, a name that matches nothing being a usage error.
    static func resolving(
        _ name: String?, workspace: Workspace, current: [String: [String: Double]]? = nil,
        metricsFiles: Set<String>? = nil
    ) throws -> RunComparison {
        do throws(LeptonError) {
            return try resolve(name, workspace: workspace, current: current, metricsFiles: metricsFiles)
        } catch {
            throw ValidationError(error.message)
        }
    }
}
