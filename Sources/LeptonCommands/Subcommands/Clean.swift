import ArgumentParser
import LeptonCore

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
            let fileSystem = FileSystem()
            guard let bytes = try? fileSystem.read(workspace.lockFile) else {
                console.line("nothing to clean: no \(LockFile.fileName)")
                return
            }
            let lock = try LockFile(bytes: bytes, path: LockFile.fileName)
            let unknown = stages.filter { lock.stages[$0] == nil }
            if !unknown.isEmpty {
                throw ValidationError(
                    "no outputs recorded for stage(s) \(unknown.map { "'\($0)'" }.joined(separator: ", "))")
            }
            // Like every command that changes the workspace, clean waits for a running build.
            let buildLock =
                dryRun
                ? nil
                : try WorkspaceLock(
                    workspace: workspace, command: "lepton clean",
                    outputs: lock.stages.values.flatMap { Array($0.outputs.keys) }
                ) { holder in
                    console.error("waiting for \(holder) to finish: it holds the build lock of this package")
                }
            defer { withExtendedLifetime(buildLock) {} }
            for message in buildLock?.recovery.messages ?? [] {
                console.error(console.yellow("warning: ") + message)
            }
            let hasher = ContentHasher(root: workspace.root, statCache: StatCache.load(from: workspace.statCacheFile))
            let cache = ArtifactCache(directory: workspace.cacheDirectory)
            var removed = 0
            for (stage, record) in lock.stages.sorted(by: { $0.key < $1.key })
            where stages.isEmpty || stages.contains(stage) {
                for (path, recorded) in record.outputs.sorted(by: { $0.key < $1.key }) {
                    guard let current = try hasher.digest(of: path) else { continue }
                    guard current == recorded else {
                        console.line("  kept     \(path) \(console.dim("(\(stage): modified since Lepton wrote it)"))")
                        continue
                    }
                    if dryRun {
                        console.line("  would remove \(path)")
                        continue
                    }
                    // Stored (or verified, and re-stored over a damaged object) before removal:
                    // the cache must really hold the only copy's bytes.
                    let manifest = recorded.kind == .folder ? try hasher.manifest(ofFolder: path) : nil
                    try cache.storeOutput(at: workspace.absolute(path), digest: recorded, manifest: manifest)
                    try fileSystem.remove(workspace.absolute(path))
                    console.line("  removed  \(path)")
                    removed += 1
                }
            }
            try? hasher.statCache.save(to: workspace.statCacheFile)
            console.line(
                dryRun
                    ? "dry run: nothing removed"
                    : "removed \(removed) output\(removed == 1 ? "" : "s"); `lepton build` restores them from the cache"
            )
        }
    }
}
