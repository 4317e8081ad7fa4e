import ArgumentParser
import LeptonCore
import LeptonSystem

extension LeptonCommand {
    /// `lepton tag RUN NAME`, `lepton tag --delete NAME`, `lepton tag`: names for runs.
    struct Tag: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Name a run (`lepton tag latest production`), list tags, or delete one.",
            discussion: """
                A tag can be used wherever a run is named. Tagged runs are kept by `lepton cache gc`: \
                every object their outputs need stays in the cache, so `lepton checkout TAG` keeps working.
                """)

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The run (id, unique prefix, tag or `latest`), then the tag name.") var arguments: [String] = []
        @Option(help: "Delete this tag.") var delete: String?
        @Flag(help: "List tags as JSON: {\"tags\": {NAME: RUN}}.") var json = false

        func validate() throws {
            if delete == nil && arguments.count != 0 && arguments.count != 2 {
                throw ValidationError("Give a run and a tag name: lepton tag RUN NAME.")
            }
            if arguments.count == 2, arguments[1].isEmpty || arguments[1].contains("/") || arguments[1] == "latest" {
                throw ValidationError("A tag name must be non-empty, without '/', and not 'latest'.")
            }
        }

        func run() throws {
            let console = Console()
            let history = RunHistory(workspace: try PackageSession.findWorkspace(global))
            if let delete {
                guard try history.untag(delete) else { throw ValidationError("There is no tag '\(delete)'.") }
                console.line("deleted tag \(delete)")
                return
            }
            guard arguments.count == 2 else {
                if json {
                    console.line(JSON.object(["tags": .object(history.tags().mapValues(JSON.string))]).prettyText)
                    return
                }
                let tags = history.tags().sorted { $0.key < $1.key }
                if tags.isEmpty { console.line("no tags") }
                TablePrinter(console: console).print(header: ["tag", "run"], rows: tags.map { [$0.key, $0.value] })
                return
            }
            let run: RunRecord
            do { run = try history.resolve(arguments[0]) } catch { throw ValidationError(error.message) }
            let previous = history.tags()[arguments[1]]
            try history.tag(arguments[1], run: run.id)
            console.line(
                "tagged \(run.id) as \(arguments[1])" + (previous.map { $0 == run.id ? "" : " (it was \($0))" } ?? ""))
        }
    }
}
