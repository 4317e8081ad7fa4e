import LeptonSystem

/// The stage records `Lepton.lock` holds, and the tracked data `Lepton.data` records (each path
/// as a record of its own), for commands that move what was built or added (`push`, `pull`,
/// `remote status`).
public enum LockRecords {
    /// The named stages' and tracked paths' records (all when none is named): stages sorted by
    /// name, then tracked paths.
    ///
    /// - Throws: ``LeptonError`` ``LeptonError/Code/cacheMiss`` when there is neither a lock nor
    ///   tracked data yet, ``LeptonError/Code/corruptState`` when the lock cannot be read,
    ///   ``LeptonError/Code/invalidPipeline`` when `Lepton.data` cannot, and
    ///   ``LeptonError/Code/unknownStage`` naming what neither records.
    public static func select(_ names: [String], workspace: Workspace) throws(LeptonError) -> [(String, StageRecord)] {
        let fileSystem = PosixFileSystem()
        let tracked = try TrackedData.load(workspace, fileSystem: fileSystem).records
        let trackedPaths = Set(tracked.map(\.0))
        var stages: [String: StageRecord] = [:]
        if fileSystem.status(workspace.lockFile) != nil {
            do throws(LeptonError) {
                stages = try LockFile(bytes: fileSystem.read(workspace.lockFile), path: LockFile.fileName).stages
            } catch {
                throw LeptonError(.corruptState, error.message)
            }
        } else if tracked.isEmpty || names.contains(where: { !trackedPaths.contains($0) }) {
            throw LeptonError(.cacheMiss, "\(LockFile.fileName) does not exist yet: run `lepton build` first")
        }
        let unknown = names.filter { stages[$0] == nil && !trackedPaths.contains($0) }
        if !unknown.isEmpty {
            throw LeptonError(
                .unknownStage,
                "\(LockFile.fileName) has no record of " + unknown.map { "'\($0)'" }.joined(separator: ", ")
                    + " (it records: \(stages.keys.sorted().joined(separator: ", ")))"
                    + (trackedPaths.isEmpty ? "" : " and \(TrackedData.fileName) none either") + "; build it first")
        }
        return stages.filter { names.isEmpty || names.contains($0.key) }.sorted { $0.key < $1.key }
            + tracked.filter { names.isEmpty || names.contains($0.0) }
    }
}
