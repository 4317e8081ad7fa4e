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
            let fileSystem = FileSystem()
            try workspace.prepare()
            let lockHandle = try WorkspaceLock(workspace: workspace, command: "lepton cache gc", outputs: []) {
                holder in
                console.error("waiting for \(holder) to finish: it holds the build lock of this package")
            }
            let cache = ArtifactCache(directory: workspace.cacheDirectory)
            // Damaged objects (torn by a power cut, tampered with) go first, so that no entry
            // that needs one is kept.
            let damaged = cache.allObjects().filter {
                (try? ContentHash.ofFile(cache.objectPath($0.digest))) != $0.digest
            }
            if !dryRun { for object in damaged { cache.removeObject(object.digest) } }
            let damagedSet = Set(damaged.map(\.digest))
            var keep = Set<String>()
            if let bytes = try? fileSystem.read(workspace.lockFile) {
                let lock = try LockFile(bytes: bytes, path: LockFile.fileName)
                for record in lock.stages.values {
                    for digest in record.outputs.values { keep.formUnion(cache.objects(of: digest)) }
                }
            }
            // Tagged runs (`lepton tag`) keep every object their outputs need, and their
            // run-cache entries, whatever their age.
            var taggedKeys = Set<String>()
            for run in RunHistory(workspace: workspace).taggedRuns() {
                for stage in run.stages.values {
                    guard let record = stage.record else { continue }
                    taggedKeys.insert(record.key)
                    for digest in record.outputs.values { keep.formUnion(cache.objects(of: digest)) }
                }
            }
            let cutoff = Int(time(nil)) - keepDays * 86_400
            var droppedRuns = 0
            for entry in cache.allRunEntries() {
                let intact = !entry.outputs.isEmpty || entry.stage != ""
                let tagged = taggedKeys.contains(entry.key)
                if (tagged || (!workspaceOnly && intact && entry.created >= cutoff))
                    && entry.outputs.values.allSatisfy(cache.contains)
                    && !cache.objects(of: entry.outputs.values).contains(where: damagedSet.contains)
                {
                    for digest in entry.outputs.values { keep.formUnion(cache.objects(of: digest)) }
                } else {
                    droppedRuns += 1
                    if !dryRun { cache.removeRunEntry(entry.key) }
                }
            }
            var freed: Int64 = 0
            var removed = 0
            for object in cache.allObjects() where !keep.contains(object.digest) && !damagedSet.contains(object.digest)
            {
                removed += 1
                freed += object.size
                if !dryRun { cache.removeObject(object.digest) }
            }
            withExtendedLifetime(lockHandle) {}
            let verb = dryRun ? "would remove" : "removed"
            if !damaged.isEmpty {
                console.line(
                    "\(verb) \(damaged.count) damaged object\(damaged.count == 1 ? "" : "s") (content that does not hash to its name)"
                )
            }
            console.line(
                "\(verb) \(removed) object\(removed == 1 ? "" : "s") (\(Format.bytes(freed))) and \(droppedRuns) run-cache entr\(droppedRuns == 1 ? "y" : "ies"); kept \(keep.count) object\(keep.count == 1 ? "" : "s")"
            )
        }
    }
}
