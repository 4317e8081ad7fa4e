import ArgumentParser
import LeptonCore
import LeptonSystem
import Synchronization

extension LeptonCommand {
    /// `lepton push [STAGE…]`: uploads what Lepton.lock records to the remote cache.
    struct Push: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Upload the outputs and run-cache entries of built stages to the remote cache.",
            discussion: """
                Uploads, for each stage recorded in Lepton.lock (or the named ones), the blobs the server \
                lacks and then the stage's run-cache entry, so another clone or CI job restores the stage \
                instead of running it. Pushing is an explicit write: it needs no --remote-upload.
                """)

        @OptionGroup var global: GlobalOptions
        @OptionGroup var remoteOptions: RemoteOptions
        @Argument(help: "Stages or tracked data paths to push (default: all in Lepton.lock and Lepton.data).")
        var stages: [String] = []

        func run() throws {
            let console = Console()
            let workspace = try PackageSession.findWorkspace(global)
            let records = try LockRecords.select(stages, workspace: workspace, console: console)
            let remote = try remoteOptions.choice.openForTransfers(
                workspace: workspace, console: console, uploads: true)
            let counts = Mutex((pushed: 0, failed: 0))
            OutputPush(workspace: workspace, remote: remote).push(records) { name, outcome in
                switch outcome {
                case .pushed(let bytes):
                    counts.withLock { $0.pushed += 1 }
                    console.line("  pushed   \(name) \(console.dim("(\(Format.bytes(bytes)) sent)"))")
                case .notInLocalCache:
                    counts.withLock { $0.failed += 1 }
                    console.line(
                        "  \(console.yellow("skipped"))  \(name) \(console.dim("(its outputs are not in the local cache; build it first)"))"
                    )
                case .failed(let message):
                    counts.withLock { $0.failed += 1 }
                    console.line("  \(console.red("FAILED"))   \(name): \(message)")
                }
            }
            let (pushed, failed) = counts.withLock { $0 }
            console.line(console.dim(RemoteReport.line(remote)))
            console.line("pushed \(pushed) of \(records.count) stage\(records.count == 1 ? "" : "s")")
            try remoteOptions.choice.checkStillAvailable(remote, console: console)
            if failed > 0 { throw ExitCodes.failure }
        }
    }

    /// `lepton pull [STAGE…]`: downloads what Lepton.lock records and puts it in the workspace.
    struct Pull: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Download the outputs Lepton.lock records from the remote cache into the workspace.",
            discussion: """
                Downloads the blobs the local cache lacks (each verified against its digest) for every \
                stage recorded in Lepton.lock (or the named ones), then restores the outputs whose content \
                differs; an output you edited is kept in the local cache before it is replaced.
                """)

        @OptionGroup var global: GlobalOptions
        @OptionGroup var remoteOptions: RemoteOptions
        @Argument(help: "Stages or tracked data paths to pull (default: all in Lepton.lock and Lepton.data).")
        var stages: [String] = []

        func run() throws {
            let console = Console()
            let workspace = try PackageSession.findWorkspace(global)
            let records = try LockRecords.select(stages, workspace: workspace, console: console)
            let remote = try remoteOptions.choice.openForTransfers(workspace: workspace, console: console)
            let result: OutputPull.Result
            do throws(LeptonError) {
                result = try OutputPull(workspace: workspace, remote: remote, events: .printing(to: console))
                    .pull(records)
            } catch {
                console.error(console.red("error: ") + error.message)
                throw ExitCodes.failure
            }
            for (name, message) in result.failed { console.line("  \(console.red("FAILED"))     \(name): \(message)") }
            OutputChanges.print(
                result.changes, unchanged: result.unchanged, console: console, verbose: global.verbose, dryRun: false)
            let changed = result.changes.count
            let failed = result.failed.count
            let available = result.pulled
            console.line(console.dim(RemoteReport.line(remote)))
            console.line(
                "pulled \(available.count) of \(records.count) stage\(records.count == 1 ? "" : "s"): \(changed) output\(changed == 1 ? "" : "s") changed"
            )
            try remoteOptions.choice.checkStillAvailable(remote, console: console)
            if failed > 0 { throw ExitCodes.failure }
        }
    }
}
