import LeptonSystem

/// The lock as a build changes it: the records of `Lepton.lock` (plus any an interrupted build
/// left in the journal), updated stage by stage and saved at the end.
///
/// The file is indexed, not decoded (``LockIndex``): a record is decoded when a stage is
/// decided, and one the build did not change is written back by copying its bytes. A build
/// after a one-file edit in a 1,000-stage pipeline decodes the few records it decides again,
/// not all of them. A lock not shaped as Lepton writes it is decoded whole instead.
struct LockState {
    /// The lock's status when read or last written.
    private(set) var status: FileStatus?
    private var changed = false
    private let workspace: Workspace
    private let journal: Journal?
    private let observer: any BuildObserver
    private let fileSystem = PosixFileSystem()
    /// The file as read, when it could be indexed.
    private var index: LockIndex?
    /// Records decoded when the file was read: all of them for a lock that could not be
    /// indexed, else none.
    private var decoded: [String: StageRecord] = [:]
    /// Records recovered from the journal and those this build changed.
    private var updated: [String: StageRecord] = [:]
    /// Indexed records that did not decode: never copied back.
    private let damaged = DamagedRecords()

    /// Loads the lock and replays the journal. A damaged lock is discarded with a warning.
    static func load(workspace: Workspace, observer: any BuildObserver, writeRecovered: Bool) throws(LeptonError)
        -> LockState
    {
        let fileSystem = PosixFileSystem()
        let journal = writeRecovered ? Journal(path: workspace.journalFile) : nil
        var state = LockState(workspace: workspace, observer: observer, journal: journal)
        var lockDigest = "none"
        state.status = fileSystem.status(workspace.lockFile)
        if let bytes = try? fileSystem.read(workspace.lockFile) {
            lockDigest = ContentHash.of(bytes)
            if let index = LockIndex(bytes: bytes) {
                state.index = index
            } else {
                do {
                    state.decoded = try LockFile(bytes: bytes, path: LockFile.fileName).stages
                } catch {
                    observer.warning(error.message)
                }
            }
        }
        state.updated = Journal.replay(path: workspace.journalFile, lockDigest: lockDigest, fileSystem: fileSystem)
        guard let journal else { return state }
        if !state.updated.isEmpty {
            observer.warning("recovered \(state.updated.count) finished stage(s) from an interrupted build")
            let bytes = state.bytes(names: state.names)
            try fileSystem.writeAtomically(bytes, to: workspace.lockFile)
            lockDigest = ContentHash.of(bytes)
            state.status = fileSystem.status(workspace.lockFile)
        }
        try journal.start(lockDigest: lockDigest, fileSystem: fileSystem)
        return state
    }

    private init(workspace: Workspace, observer: any BuildObserver, journal: Journal?) {
        self.workspace = workspace
        self.observer = observer
        self.journal = journal
    }

    /// The stage's record; nil when the lock has none. A record that does not decode is
    /// reported once and treated as absent: the stage is decided as a new one.
    func record(_ stage: String) -> StageRecord? {
        if let record = updated[stage] ?? decoded[stage] { return record }
        guard let index, index.spans[stage] != nil else { return nil }
        if let record = index.record(stage) { return record }
        if damaged.names.insert(stage).inserted {
            observer.warning(
                "'\(LockFile.fileName)': the entry of stage '\(stage)' is damaged; Lepton will decide the stage again")
        }
        return nil
    }

    /// The stage's record as the file holds it (JSON), when this build has not changed it.
    func recordBytes(_ stage: String) -> ArraySlice<UInt8>? {
        guard updated[stage] == nil, decoded[stage] == nil, !damaged.names.contains(stage) else { return nil }
        return index?.recordBytes(stage)
    }

    /// Records a stage's new record and journals it if it changed.
    mutating func update(_ stage: String, _ record: StageRecord) {
        guard self.record(stage) != record else { return }
        updated[stage] = record
        changed = true
        journal?.append(stage: stage, record: record)
    }

    /// Writes the lock (dropping stages no longer in the pipeline) and restarts the journal.
    mutating func save(keeping stages: Set<String>) throws(LeptonError) {
        let all = names
        let kept = all.intersection(stages)
        guard changed || kept.count != all.count || !fileSystem.exists(workspace.lockFile) else { return }
        let bytes = self.bytes(names: kept)
        try fileSystem.writeAtomically(bytes, to: workspace.lockFile)
        // What was written is what the next load reads; records stay decodable from it.
        index = LockIndex(bytes: bytes)
        decoded = index == nil ? decoded.merging(updated) { $1 }.filter { kept.contains($0.key) } : [:]
        updated = [:]
        damaged.names = []
        try journal?.start(lockDigest: ContentHash.of(bytes), fileSystem: fileSystem)
        status = fileSystem.status(workspace.lockFile)
        changed = false
    }

    /// Every stage with a record, except indexed ones that did not decode.
    private var names: Set<String> {
        var names = Set(updated.keys).union(decoded.keys)
        if let index {
            for name in index.spans.keys where !damaged.names.contains(name) { names.insert(name) }
        }
        return names
    }

    /// The lock holding the records of `names`: each one this build did not change copied from
    /// the file as read.
    private func bytes(names: Set<String>) -> [UInt8] {
        LockFile.bytes(stages: names) { name, stream in
            if let record = updated[name] ?? decoded[name] {
                record.write(to: &stream)
            } else if let bytes = index?.recordBytes(name) {
                stream.raw(bytes)
            }
        }
    }

    /// Keeps everything decoded alive to the process's exit (freeing 1,000 records costs time
    /// a build does not need to spend).
    func retainToExit() {
        if let index { ProcessLifetime.retain(index) }
        ProcessLifetime.retain(decoded)
        ProcessLifetime.retain(updated)
    }
}

/// Names of indexed records that did not decode, found while deciding stages (reads of a
/// ``LockState`` do not mutate it).
private final class DamagedRecords {
    var names = Set<String>()
}
