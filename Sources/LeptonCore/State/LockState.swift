import LeptonSystem

/// The lock as a build changes it: the records loaded from `Lepton.lock` (plus any an
/// interrupted build left in the journal), updated stage by stage and saved at the end.
struct LockState {
    var lock: LockFile
    /// The lock file's status when read or last written.
    private(set) var status: FileStatus?
    private var changed = false
    private let workspace: Workspace
    private let journal: Journal?
    private let fileSystem = PosixFileSystem()
    /// What was read, for writing unchanged records back as they were.
    private var read: LockFile.Read?

    /// Loads the lock and replays the journal. A damaged lock is discarded with a warning.
    static func load(workspace: Workspace, observer: any BuildObserver, writeRecovered: Bool) throws(LeptonError)
        -> LockState
    {
        let fileSystem = PosixFileSystem()
        var lock = LockFile()
        var read: LockFile.Read?
        var lockDigest = "none"
        let status = fileSystem.status(workspace.lockFile)
        if let bytes = try? fileSystem.read(workspace.lockFile) {
            lockDigest = ContentHash.of(bytes)
            do {
                lock = try LockFile(bytes: bytes, path: LockFile.fileName)
                read = LockFile.Read(bytes: bytes, records: lock.stages)
            } catch {
                observer.warning(error.message)
            }
        }
        let recovered = Journal.replay(path: workspace.journalFile, lockDigest: lockDigest, fileSystem: fileSystem)
        for (name, record) in recovered { lock.stages[name] = record }
        guard writeRecovered else {
            return LockState(lock: lock, status: status, workspace: workspace, journal: nil, read: read)
        }
        if !recovered.isEmpty {
            observer.warning("recovered \(recovered.count) finished stage(s) from an interrupted build")
            let bytes = lock.bytes(reusing: read)
            try fileSystem.writeAtomically(bytes, to: workspace.lockFile)
            lockDigest = ContentHash.of(bytes)
        }
        let journal = Journal(path: workspace.journalFile)
        try journal.start(lockDigest: lockDigest, fileSystem: fileSystem)
        return LockState(
            lock: lock, status: fileSystem.status(workspace.lockFile), workspace: workspace, journal: journal,
            read: read)
    }

    private init(lock: LockFile, status: FileStatus?, workspace: Workspace, journal: Journal?, read: LockFile.Read?) {
        self.read = read
        self.lock = lock
        self.status = status
        self.workspace = workspace
        self.journal = journal
    }

    /// Records a stage's new record and journals it if it changed.
    mutating func update(_ stage: String, _ record: StageRecord) {
        guard lock.stages[stage] != record else { return }
        lock.stages[stage] = record
        changed = true
        journal?.append(stage: stage, record: record)
    }

    /// Writes the lock (dropping stages no longer in the pipeline) and restarts the journal.
    mutating func save(keeping stages: Set<String>) throws(LeptonError) {
        let before = lock.stages.count
        lock.stages = lock.stages.filter { stages.contains($0.key) }
        guard changed || lock.stages.count != before || !fileSystem.exists(workspace.lockFile) else { return }
        let bytes = lock.bytes(reusing: read)
        try fileSystem.writeAtomically(bytes, to: workspace.lockFile)
        read = nil  // the file is what was just written
        try journal?.start(lockDigest: ContentHash.of(bytes), fileSystem: fileSystem)
        status = fileSystem.status(workspace.lockFile)
        changed = false
    }
}
