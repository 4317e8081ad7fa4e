import LeptonSystem

#if canImport(Glibc)
    import Glibc
#endif

/// `lepton cache gc`: removes damaged cache objects, then every object that neither
/// `Lepton.lock`, `Lepton.data`, a tagged run nor a kept run-cache entry references.
///
/// Records of objects held in the workspace (``HeldObject``) that no longer hold or are not
/// needed go too. It takes the build lock itself. Damaged objects (content that does not hash to the name:
/// torn by a power cut, tampered with) go first, so that no entry needing one is kept.
public struct GarbageCollector: Sendable {
    public let workspace: Workspace
    public let events: WorkflowEvents
    let fileSystem: any FileSystem

    public init(
        workspace: Workspace, events: WorkflowEvents = WorkflowEvents(), fileSystem: any FileSystem = PosixFileSystem()
    ) {
        self.workspace = workspace
        self.events = events
        self.fileSystem = fileSystem
    }

    /// What was (or would be) removed and kept.
    public struct Report: Sendable, Equatable {
        public var damagedObjects = 0
        public var removedObjects = 0
        public var freedBytes: Int64 = 0
        public var droppedRunEntries = 0
        public var keptObjects = 0
    }

    /// Collects, holding the build lock.
    ///
    /// - Parameters:
    ///   - keepDays: Run-cache entries written within this many days are kept with their objects.
    ///   - workspaceOnly: Keep only what `Lepton.lock` (and tagged runs) reference.
    ///   - dryRun: Count, remove nothing.
    ///   - now: The time, in seconds since the epoch.
    /// - Returns: What was removed and kept.
    /// - Throws: ``LeptonError`` when `Lepton.lock` is damaged (nothing is removed then).
    public func collect(keepDays: Int, workspaceOnly: Bool, dryRun: Bool, now: Int = Int(time(nil)))
        throws(LeptonError) -> Report
    {
        try WorkspaceLock.holding(workspace, command: "lepton cache gc", events: events) { () throws(LeptonError) in
            try collectHoldingLock(keepDays: keepDays, workspaceOnly: workspaceOnly, dryRun: dryRun, now: now)
        }
    }

    private func collectHoldingLock(keepDays: Int, workspaceOnly: Bool, dryRun: Bool, now: Int) throws(LeptonError)
        -> Report
    {
        let cache = ArtifactCache(directory: workspace.cacheDirectory, fileSystem: fileSystem)
        var report = Report()
        var keep = Set<String>()
        if let bytes = try? fileSystem.read(workspace.lockFile) {
            let lock = try LockFile(bytes: bytes, path: LockFile.fileName)
            for record in lock.stages.values { keep.formUnion(cache.objects(of: record.outputs.values)) }
        }
        // Tracked raw data (`lepton add`) may exist nowhere else.
        for (_, record) in try TrackedData.load(workspace, fileSystem: fileSystem).records {
            keep.formUnion(cache.objects(of: record.outputs.values))
        }
        // One listing of the objects serves both passes: damaged ones, then unreferenced ones.
        let listed = cache.allObjects()
        let damaged = Set(
            listed.filter { (try? ContentHash.ofFile(cache.objectPath($0.digest))) != $0.digest }.map(\.digest))
        report.damagedObjects = damaged.count
        if !dryRun { for digest in damaged { cache.removeObject(digest) } }
        // Tagged runs (`lepton tag`) keep every object their outputs need, and their run-cache
        // entries, whatever their age.
        var taggedKeys = Set<String>()
        for run in RunHistory(workspace: workspace).taggedRuns() {
            for stage in run.stages.values {
                guard let record = stage.record else { continue }
                taggedKeys.insert(record.key)
                keep.formUnion(cache.objects(of: record.outputs.values))
            }
        }
        let cutoff = now - keepDays * 86_400
        var dropped = Set<String>()
        for entry in cache.allRunEntries() {
            let intact = !entry.outputs.isEmpty || entry.stage != ""
            let wanted = taggedKeys.contains(entry.key) || (!workspaceOnly && intact && entry.created > cutoff)
            let objects = cache.objects(of: entry.outputs.values)
            if wanted && entry.outputs.values.allSatisfy(cache.contains) && !objects.contains(where: damaged.contains) {
                keep.formUnion(objects)
            } else {
                report.droppedRunEntries += 1
                dropped.insert(entry.key)
            }
        }
        if !dryRun { try cache.removeRunEntries(dropped) }
        for object in listed where !keep.contains(object.digest) && !damaged.contains(object.digest) {
            report.removedObjects += 1
            report.freedBytes += object.size
            if !dryRun { cache.removeObject(object.digest) }
        }
        // A held record goes once its file changed, its object is stored, or nothing needs it; the
        // workspace file itself is never touched.
        if !dryRun {
            for digest in cache.allHeld()
            where !keep.contains(digest) || cache.hasStoredObject(digest) || cache.heldFile(digest) == nil {
                cache.removeHeld(digest)
            }
        }
        report.keptObjects = keep.subtracting(damaged).count
        return report
    }
}
