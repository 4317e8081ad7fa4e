import ArgumentParser
import LeptonCore

extension LeptonCommand {
    /// `lepton checkout RUN [--stage S…]`: puts an earlier run's outputs back (a model rollback).
    struct Checkout: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Restore the outputs of an earlier run from the cache, without running anything.",
            discussion: """
                Every object is checked first: if the cache lacks one, nothing changes and the missing \
                outputs are listed. An output whose current content the cache does not hold (you edited \
                it) is stored in the cache before it is replaced, so nothing is lost. Lepton.lock then \
                records the run's stages, so `lepton status` tells how the inputs differ from that run \
                and `lepton build` brings everything back to the current inputs.
                """)

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The run: an id, a unique id prefix, a tag, or `latest`.") var name: String
        @Option(help: "Only this stage's outputs (repeatable).") var stage: [String] = []
        @Flag(name: [.customShort("n"), .long], help: "Say what would change; change nothing.") var dryRun = false

        func run() throws {
            let console = Console()
            let workspace = try PackageSession.findWorkspace(global)
            let history = RunHistory(workspace: workspace)
            let record: RunRecord
            do { record = try history.resolve(name) } catch { throw ValidationError(error.message) }
            let unknown = stage.filter { record.stages[$0]?.record == nil }
            if !unknown.isEmpty {
                throw ValidationError(
                    "Run \(record.id) has no outputs of stage(s) \(unknown.map { "'\($0)'" }.joined(separator: ", ")); "
                        + "its stages: \(record.stages.keys.sorted().joined(separator: ", ")).")
            }
            let chosen = record.stages.filter { stage.isEmpty || stage.contains($0.key) }.compactMapValues(\.record)
            let cache = ArtifactCache(directory: workspace.cacheDirectory)
            // Checked under the lock: a concurrent `cache gc` cannot remove an object between
            // the check and the restore.
            let lock = try WorkspaceLock(
                workspace: workspace, command: "lepton checkout",
                outputs: chosen.values.flatMap { Array($0.outputs.keys) }
            ) { holder in
                console.error("waiting for \(holder) to finish: it holds the build lock of this package")
            }
            defer { withExtendedLifetime(lock) {} }
            for message in lock.recovery.messages { console.error(console.yellow("warning: ") + message) }
            let restorer = WorkspaceRestorer(workspace: workspace, cache: cache)
            let missing = chosen.flatMap { name, stageRecord in
                stageRecord.outputs.filter { output in
                    (try? restorer.check([output.key: output.value], stage: name)) == nil
                }.map { "\($0.key) (stage '\(name)')" }
            }
            guard missing.isEmpty else {
                console.error(
                    console.red("error: ")
                        + "cannot check out run \(record.id): the cache no longer holds \(missing.sorted().joined(separator: ", ")); "
                        + "nothing was changed (pull them from a remote cache, or rebuild that run's inputs)")
                throw ExitCodes.failure
            }
            let changed = try OutputRestorer(
                workspace: workspace, cache: cache, console: console, verbose: global.verbose, dryRun: dryRun
            )
            .restore(chosen)
            if dryRun {
                console.line("\(changed) output\(changed == 1 ? "" : "s") would change")
                return
            }
            try OutputRestorer.recordInLock(chosen, workspace: workspace)
            console.line("checked out run \(record.id): \(changed) output\(changed == 1 ? "" : "s") changed")
        }
    }
}
