import ArgumentParser
import LeptonCore
import LeptonSystem

extension LeptonCommand {
    /// `lepton clean`: removes outputs Lepton produced, never anything else.
    struct Clean: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove the outputs Lepton produced (they stay in the cache).",
            discussion: """
                Only outputs recorded in Lepton.lock whose content is still what Lepton wrote are removed, \
                and only after making sure the cache holds them, so `lepton build` restores them in an \
                instant. An output edited since is kept and reported.
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "Stages whose outputs to remove (default: all).")
        var stages: [String] = []

        @Flag(name: [.customShort("n"), .long], help: "Show what would be removed.")
        var dryRun = false

        func run() throws {
            let console = Console()
            let workspace = try PackageSession.findWorkspace(global)
            guard PosixFileSystem().exists(workspace.lockFile) else {
                console.line("nothing to clean: no \(LockFile.fileName)")
                return
            }
            // Like every command that changes the workspace, clean waits for a running build,
            // and reads the lock under the build lock.
            let cleaner = OutputCleaner(workspace: workspace)
            let unknown = cleaner.unknownStages(stages)
            if !unknown.isEmpty {
                throw ValidationError(
                    "no outputs recorded for stage(s) \(unknown.map { "'\($0)'" }.joined(separator: ", "))")
            }
            let (items, done) = try cleaner.clean(stages: stages, dryRun: dryRun, events: .printing(to: console))
            for item in items where item.action == .keepModified {
                console.line(
                    "  kept     \(item.path) \(console.dim("(\(item.stage): modified since Lepton wrote it)"))")
            }
            if dryRun {
                for item in items where item.action == .remove { console.line("  would remove \(item.path)") }
            }
            for item in done { console.line("  removed  \(item.path)") }
            let removed = done.count
            console.line(
                dryRun
                    ? "dry run: nothing removed"
                    : "removed \(removed) output\(removed == 1 ? "" : "s"); `lepton build` restores them from the cache"
            )
        }
    }
}
