import LeptonSystem

extension NoOpSnapshot {
    /// Certifies the state a complete, successful build left: every status its decisions used
    /// (inputs, listed folders, params files, the lock). Writes nothing if any was unstable or
    /// racy, so a doubtful state never gets a certificate.
    static func certify(
        context: String, graph: BuildGraph, hasher: ContentHasher, params: ParamsStore, lockStatus: FileStatus?,
        to file: String
    ) {
        guard var entries = hasher.observations?.entries(), let lockStatus else { return }
        for (path, status) in params.statuses {
            guard let status else { return }
            entries.append((path, status))
        }
        entries.append((LockFile.fileName, lockStatus))
        let snapshot = NoOpSnapshot(
            context: context, environmentNames: graph.pipeline.environmentNames,
            stageCount: graph.pipeline.stages.count, entries: entries)
        try? PosixFileSystem().writeAtomically(snapshot.bytes, to: file, durable: false)
    }
}
