import LeptonSystem

/// `Lepton.lock` read for a plan: each stage's record is decoded only when asked for.
///
/// `lepton status` after a one-file edit needs the records of the few stages it decides again;
/// decoding all 1,000 of a large pipeline's was the largest part of its cost. A lock that is
/// not shaped as Lepton writes it, or a journal an interrupted build left, is not indexed: the
/// caller reads it whole (``LockState``).
struct LockIndex {
    private let bytes: [UInt8]
    private let spans: [String: Range<Int>]

    /// The index of the workspace's lock; nil when there is none, it is not indexable, or a
    /// journal holds records of an interrupted build.
    static func read(_ workspace: Workspace, fileSystem: any FileSystem = PosixFileSystem()) -> LockIndex? {
        guard let bytes = try? fileSystem.read(workspace.lockFile), let spans = LockFile.spans(of: bytes),
            (try? JSON.parse(bytes[spans.version]))?.intValue == LockFile.version
        else { return nil }
        let recovered = Journal.replay(
            path: workspace.journalFile, lockDigest: ContentHash.of(bytes), fileSystem: fileSystem)
        guard recovered.isEmpty else { return nil }
        return LockIndex(bytes: bytes, spans: spans.records)
    }

    /// The stage's record; nil when the lock has none or it is damaged.
    func record(_ stage: String) -> StageRecord? {
        guard let span = spans[stage], let json = try? JSON.parse(bytes[span]) else { return nil }
        return StageRecord(json: json)
    }
}
