import LeptonSystem

/// `Lepton.lock` read without decoding it: each stage's record is decoded only when asked for,
/// and an unchanged record can be written back by copying its bytes.
///
/// A build or `lepton status` after a one-file edit needs the records of the few stages it
/// decides again; decoding all 1,000 of a large pipeline's was the largest part of its cost. A
/// lock that is not shaped as Lepton writes it (a key with escapes) is not indexed: the caller
/// reads it whole (``LockFile/init(bytes:path:)``).
struct LockIndex {
    /// The file's bytes, which the spans index.
    let bytes: [UInt8]
    /// Each stage's record, as a range of `bytes`.
    let spans: [String: Range<Int>]

    /// Indexes a lock's bytes; nil when it is not shaped as Lepton writes it or has another
    /// version.
    init?(bytes: [UInt8]) {
        guard let spans = LockFile.spans(of: bytes),
            (try? JSON.parse(bytes[spans.version]))?.intValue == LockFile.version
        else { return nil }
        self.bytes = bytes
        self.spans = spans.records
    }

    /// The index of the workspace's lock; nil when there is none, it is not indexable, or a
    /// journal holds records of an interrupted build.
    static func read(_ workspace: Workspace, fileSystem: any FileSystem = PosixFileSystem()) -> LockIndex? {
        guard let bytes = try? fileSystem.read(workspace.lockFile), let index = LockIndex(bytes: bytes) else {
            return nil
        }
        let recovered = Journal.replay(
            path: workspace.journalFile, lockDigest: ContentHash.of(bytes), fileSystem: fileSystem)
        guard recovered.isEmpty else { return nil }
        return index
    }

    /// The stage's record; nil when the lock has none or it is damaged.
    func record(_ stage: String) -> StageRecord? {
        guard let span = spans[stage], let json = try? JSON.parse(bytes[span]) else { return nil }
        return StageRecord(json: json)
    }

    /// The stage's record as the file holds it (JSON), without decoding it.
    func recordBytes(_ stage: String) -> ArraySlice<UInt8>? { spans[stage].map { bytes[$0] } }
}
