import LeptonSystem

/// The stage records `Lepton.lock` holds, for commands that act on what was built (`push`,
/// `pull`).
public enum LockRecords {
    /// The named stages' records (all when none is named), sorted by name.
    ///
    /// - Throws: ``LeptonError`` ``LeptonError/Code/cacheMiss`` when there is no lock yet,
    ///   ``LeptonError/Code/corruptState`` when it cannot be read, and
    ///   ``LeptonError/Code/unknownStage`` naming stages it has no record of.
    public static func select(_ names: [String], workspace: Workspace) throws(LeptonError) -> [(String, StageRecord)] {
        let fileSystem = PosixFileSystem()
        guard fileSystem.status(workspace.lockFile) != nil else {
            throw LeptonError(.cacheMiss, "\(LockFile.fileName) does not exist yet: run `lepton build` first")
        }
        let lock: LockFile
        do throws(LeptonError) {
            lock = try LockFile(bytes: fileSystem.read(workspace.lockFile), path: LockFile.fileName)
        } catch {
            throw LeptonError(.corruptState, error.message)
        }
        let unknown = names.filter { lock.stages[$0] == nil }
        if !unknown.isEmpty {
            throw LeptonError(
                .unknownStage,
                "\(LockFile.fileName) has no record of " + unknown.map { "'\($0)'" }.joined(separator: ", ")
                    + " (it records: \(lock.stages.keys.sorted().joined(separator: ", "))); build it first")
        }
        return lock.stages.filter { names.isEmpty || names.contains($0.key) }.sorted { $0.key < $1.key }
    }
}
