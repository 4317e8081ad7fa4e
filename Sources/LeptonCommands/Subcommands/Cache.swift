import ArgumentParser
import LeptonCore

#if canImport(Glibc)
    import Glibc
#endif

extension LeptonCommand {
    /// `lepton cache …`: the local content-addressed cache.
    struct Cache: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Manage the local cache (.lepton/cache).", subcommands: [GC.self])
    }
}

extension LeptonCommand.Cache {
    /// `lepton cache gc`: drops objects that no lock entry or kept run references.
    struct GC: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "gc",
            abstract: "Remove cache objects that neither Lepton.lock nor a kept run references.",
            discussion: """
                Objects referenced by Lepton.lock or by a tagged run (`lepton tag`) are always kept. Run-cache entries (which let a reverted \
                change restore instead of rerun) are kept for --keep-days days; older ones are dropped \
                with the objects only they referenced. --workspace-only keeps just what Lepton.lock needs.
                """)

        @OptionGroup var global: GlobalOptions

        @Option(help: "Keep run-cache entries written within this many days.")
        var keepDays: Int = 30

        @Flag(help: "Keep only what Lepton.lock references.")
        var workspaceOnly = false

        @Flag(name: [.customShort("n"), .long], help: "Show what would be removed.")
        var dryRun = false

        func validate() throws {
            if keepDays < 0 { throw ValidationError("Please specify --keep-days of at least 0.") }
        }

        func run() throws {
            let console = Console()
            let workspace = try PackageSession.findWorkspace(global)
            let report = try GarbageCollector(workspace: workspace, events: .printing(to: console))
                .collect(keepDays: keepDays, workspaceOnly: workspaceOnly, dryRun: dryRun)
            let verb = dryRun ? "would remove" : "removed"
            if report.damagedObjects > 0 {
                let count = report.damagedObjects
                console.line(
                    "\(verb) \(count) damaged object\(count == 1 ? "" : "s") (content that does not hash to its name)")
            }
            let removed = report.removedObjects
            let dropped = report.droppedRunEntries
            console.line(
                "\(verb) \(removed) object\(removed == 1 ? "" : "s") (\(Format.bytes(report.freedBytes))) and \(dropped) run-cache entr\(dropped == 1 ? "y" : "ies"); kept \(report.keptObjects) object\(report.keptObjects == 1 ? "" : "s")"
            )
        }
    }
}
