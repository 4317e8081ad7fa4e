import ArgumentParser
import LeptonCore
import LeptonSystem

extension LeptonCommand {
    /// `lepton plots [show|diff]`: a self-contained HTML report with SVG charts.
    struct Plots: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Draw the declared plots, training curves, metrics across runs and the stage graph as HTML.",
            discussion: """
                Self-contained (inline SVG and images, no scripts, no network), so it opens offline and in CI \
                artifacts. Each chart is also written as its own .svg file beside index.html. Declare plots in \
                the Leptonfile with `Pipeline(plots:)` or a stage's `.plots(...)`: templates linear, simple, \
                scatter, smooth, confusion, confusion_normalized, bar_horizontal, bar_horizontal_sorted, and images.
                """,
            subcommands: [Show.self, Diff.self], defaultSubcommand: Show.self)
    }
}

extension LeptonCommand.Plots {
    /// `lepton plots show`: the whole report for the workspace.
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the report for the workspace (the default: `lepton plots`).")

        @OptionGroup var global: GlobalOptions

        @Option(name: [.customShort("o"), .long], help: "The folder to write (default: .lepton/plots).")
        var output: String?

        @Flag(help: "Print the declared plots' data as JSON instead of writing the report.")
        var json = false

        func run() throws {
            let console = Console()
            let session = try PackageSession.open(global, console: console)
            let revisions = [RevisionFiles.current(session.workspace)]
            if json {
                console.line(LeptonCommand.Plots.data(session.pipeline.plots, revisions: revisions).prettyText)
                return
            }
            let report = PlotReport(
                session: session, runs: RunHistory(workspace: session.workspace).all(), revisions: revisions)
            let rendered = report.rendered()
            try LeptonCommand.Plots.write(
                rendered.files, notes: rendered.notes, output: output, default: "plots", session, console)
        }
    }

    /// `lepton plots diff [REV…]`: the declared plots of several revisions overlaid.
    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Overlay the declared plots of runs or git revisions (and the workspace).",
            discussion: """
                Each REV is a run (id, prefix, tag, `latest`) or a git revision; a run's files come from the cache by \
                the digests it recorded, a git revision's from its Lepton.lock (outputs) or from git (committed \
                files). With no REV: HEAD (else the latest run) against the workspace; with one: that against the \
                workspace; with more: just those. Curves and bars are overlaid, confusion matrices and images side \
                by side. Without declared plots, the training histories are compared.
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "Runs, tags or git revisions to compare.")
        var revisions: [String] = []

        @Option(name: [.customShort("o"), .long], help: "The folder to write (default: .lepton/plots/diff).")
        var output: String?

        @Flag(help: "Print the plots' data per revision as JSON instead of writing the report.")
        var json = false

        func run() throws {
            let console = Console()
            let session = try PackageSession.open(global, console: console)
            let workspace = session.workspace
            var sides: [RevisionFiles] = []
            switch revisions.count {
            case 0:
                let old =
                    (try? RevisionFiles.resolve("HEAD", workspace: workspace))
                    ?? (try? RevisionFiles.resolve("latest", workspace: workspace))
                guard let old else {
                    throw LeptonError(
                        .usage,
                        "Nothing to compare with: no git HEAD with a Lepton.lock and no run yet; name a run or revision."
                    )
                }
                sides = [old, .current(workspace)]
            case 1: sides = [try RevisionFiles.resolve(revisions[0], workspace: workspace), .current(workspace)]
            default:
                sides = try revisions.map { name throws(LeptonError) in
                    try RevisionFiles.resolve(name, workspace: workspace)
                }
            }
            let plots =
                session.pipeline.plots.isEmpty
                ? PlotReport(session: session, runs: [], revisions: sides).historySpecs() : session.pipeline.plots
            if json {
                console.line(LeptonCommand.Plots.data(plots, revisions: sides).prettyText)
                return
            }
            let drawn = plots.map { DeclaredPlot($0, revisions: sides) }
            let report = PlotReport(session: session, runs: [], revisions: sides)
            let files = report.comparisonFiles(drawn)
            try LeptonCommand.Plots.write(
                files, notes: drawn.flatMap(\.notes), output: output, default: "plots/diff", session, console)
        }
    }

    /// Writes the report's files into `output` (or `.lepton/<default>`) and says where.
    static func write(
        _ files: [String: String], notes: [String], output: String?, default name: String, _ session: PackageSession,
        _ console: Console
    ) throws {
        let folder =
            output.map { $0.hasPrefix("/") ? $0 : session.workspace.absolute($0) }
            ?? session.workspace.stateDirectory + "/" + name
        let fileSystem = PosixFileSystem()
        try fileSystem.createDirectories(folder)
        for (name, text) in files.sorted(by: { $0.key < $1.key }) {
            try fileSystem.writeAtomically(text, to: folder + "/" + name)
        }
        for note in notes { console.error("warning: \(note)") }
        console.line("wrote \(folder)/index.html")
    }

    /// `{"plots": [{"name", "template", "x", "data": [{"revision", "file", "rows": [...]}]}]}`: every
    /// plot's rows as each revision has them, images by size and digest.
    static func data(_ plots: [PlotSpec], revisions: [RevisionFiles]) -> JSON {
        let items = plots.map { plot -> JSON in
            var data: [JSON] = []
            for revision in revisions {
                for file in plot.files {
                    var entry: [String: JSON] = ["revision": .string(revision.label), "file": .string(file)]
                    if let bytes = revision.read(file) {
                        if plot.template == .image {
                            entry["bytes"] = .number(String(bytes.count))
                            entry["sha256"] = .string(ContentHash.of(bytes))
                        } else if let table = try? PlotTable.parse(path: file, bytes: bytes) {
                            entry["rows"] = .array(
                                table.rows.map { row in
                                    .object(
                                        row.mapValues { value in
                                            switch value {
                                            case .number(let number): return .number(MetricsFile.text(number))
                                            case .text(let text): return .string(text)
                                            }
                                        })
                                })
                        }
                    } else {
                        entry["missing"] = .bool(true)
                    }
                    data.append(.object(entry))
                }
            }
            var object: [String: JSON] = [
                "name": .string(plot.name), "template": .string(plot.template.rawValue), "data": .array(data),
                "y": .array(
                    plot.sources.map {
                        .object(["file": .string($0.file), "field": $0.field.map(JSON.string) ?? .null])
                    }),
            ]
            object["x"] = plot.x.map(JSON.string) ?? .null
            if let stage = plot.stage { object["stage"] = .string(stage) }
            return .object(object)
        }
        return .object(["plots": .array(items)])
    }
}
