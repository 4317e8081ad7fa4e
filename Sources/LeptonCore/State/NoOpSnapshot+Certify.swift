import LeptonSystem

extension NoOpSnapshot {
    /// Certifies the state a complete, successful build left: every status its decisions used
    /// (inputs, listed folders, params files, the lock). A path whose status was unstable or
    /// racy is recorded as ``unsettled``: it never matches, so the next build decides the
    /// stages that read it again (by content) while the rest stay certified.
    ///
    /// `carried` are the last snapshot's entries that had not changed when this build started
    /// (see ``CertifiedStages``): the paths of stages it did not decide again keep them. A path
    /// this build observed takes the new status; a changed path it did not observe is dropped,
    /// since no stage that was decided reads it any more.
    static func certify(
        context: String, graph: BuildGraph, hasher: ContentHasher, params: ParamsStore, lockStatus: FileStatus?,
        carried: [(path: String, status: FileStatus)] = [], to file: String
    ) {
        guard var entries = hasher.observations?.entries(), let lockStatus else { return }
        for (path, status) in params.statuses { entries.append((path, status ?? unsettled)) }
        entries.append((LockFile.fileName, lockStatus))
        var observed = Set(entries.map(\.path))
        entries += carried.filter { !observed.contains($0.path) }
        observed.formUnion(carried.map(\.path))
        // An output this build never saw on disk (one left on the remote server until a later
        // stage needs it) vouches for nothing: its stage is decided again next time.
        for stage in graph.pipeline.stages {
            for output in stage.allOutputs where observed.insert(output.path).inserted {
                entries.append((output.path, unsettled))
            }
        }
        entries.sort { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        let snapshot = NoOpSnapshot(
            context: context, environmentNames: graph.pipeline.environmentNames,
            stageCount: graph.pipeline.stages.count, entries: entries)
        try? PosixFileSystem().writeAtomically(snapshot.bytes, to: file, durable: false)
    }
}
