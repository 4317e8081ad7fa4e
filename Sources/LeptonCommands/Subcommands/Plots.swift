import ArgumentParser
import LeptonCore
import LeptonSystem

extension LeptonCommand {
    /// `lepton plots`: a self-contained HTML report with SVG charts.
    struct Plots: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write an HTML report: training curves, metrics across runs, the runs table, the stage graph.",
            discussion: """
                Self-contained (inline SVG, no scripts, no network), so it opens offline and in CI artifacts. \
                Each chart is also written as its own .svg file beside index.html.
                """)

        @OptionGroup var global: GlobalOptions

        @Option(name: [.customShort("o"), .long], help: "The folder to write (default: .lepton/plots).")
        var output: String?

        func run() throws {
            let console = Console()
            let session = try PackageSession.open(global, console: console)
            let folder =
                output.map { $0.hasPrefix("/") ? $0 : session.workspace.absolute($0) }
                ?? session.workspace.stateDirectory + "/plots"
            let report = PlotReport(session: session, runs: RunHistory(workspace: session.workspace).all())
            let fileSystem = PosixFileSystem()
            try fileSystem.createDirectories(folder)
            for (name, text) in report.files().sorted(by: { $0.key < $1.key }) {
                try fileSystem.writeAtomically(text, to: folder + "/" + name)
            }
            console.line("wrote \(folder)/index.html")
        }
    }
}
