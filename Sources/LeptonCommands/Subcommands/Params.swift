import ArgumentParser
import LeptonCore

extension LeptonCommand {
    /// `lepton params show`: the parameters stages declare and their current values.
    struct Params: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the parameters the stages read.",
            subcommands: [Show.self],
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
    }
}
