import LeptonCore
import LeptonSystem

/// The mark a build leaves while it has Slurm jobs out (`.lepton/slurm-jobs`): present only
/// between the first submission and the end of the last job, so a killed Lepton leaves it
/// behind and the next build looks for its jobs — by the tag in their comment — and cancels
/// them. A build with no job out never queries Slurm for leftovers.
struct SlurmLedger: Sendable {
    let path: String
    /// `lepton:<digest of the package root>`: the comment prefix of this package's jobs.
    let tag: String
    private let fileSystem = PosixFileSystem()

    init(workspace: Workspace) {
        path = workspace.stateDirectory + "/slurm-jobs"
        tag = "lepton:" + String(ContentHash.of(text: workspace.root).prefix(16))
    }

    var exists: Bool { fileSystem.exists(path) }

    /// Marks that jobs are out, before the first is submitted.
    func open() throws(LeptonError) {
        guard !exists else { return }
        try fileSystem.writeAtomically(Array("\(tag)\n".utf8), to: path, mode: 0o644, durable: true)
    }

    func clear() { try? fileSystem.remove(path) }
}
