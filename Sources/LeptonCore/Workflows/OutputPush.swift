import LeptonSystem
import Synchronization

/// `lepton push`: uploads, per stage `Lepton.lock` records, the blobs the server lacks and then
/// the stage's run-cache entry, so another clone or CI job restores the stage instead of
/// running it. Reads only the local cache; needs no build lock.
public struct OutputPush: Sendable {
    public let workspace: Workspace
    public let remote: RemoteCache
    let clock: any Clock

    public init(workspace: Workspace, remote: RemoteCache, clock: any Clock = SystemClock()) {
        self.workspace = workspace
        self.remote = remote
        self.clock = clock
    }

    /// What happened to one stage.
    public enum Outcome: Sendable, Equatable {
        /// Uploaded, sending this many bytes (blobs the server had are not sent).
        case pushed(bytes: Int64)
        /// Its outputs are not in the local cache (build it first).
        case notInLocalCache
        case failed(String)
    }

    /// Pushes the stages, several at once (as many as keep the transfers within the remote's
    /// width: 8 one-file stages, or one stage of 8 files or more, at a time), under one progress
    /// line; `pushed` is told of each in the order given, one call at a time, as soon as it and
    /// every stage before it are done.
    public func push(_ records: [(String, StageRecord)], pushed: @escaping @Sendable (String, Outcome) -> Void) {
        let local = ArtifactCache(directory: workspace.cacheDirectory)
        var entries: [RunCacheEntry?] = []
        var blobs: [[String]] = []
        for (name, record) in records {
            guard record.outputs.values.allSatisfy(local.contains) else {
                entries.append(nil)
                blobs.append([])
                continue
            }
            entries.append(
                local.runEntry(for: record.key)
                    ?? RunCacheEntry(
                        key: record.key, stage: name, outputs: record.outputs,
                        created: Int(clock.fileTimeNow() / 1_000_000_000)))
            blobs.append(Array(Set(local.objects(of: record.outputs.values))))
        }
        let fileSystem = PosixFileSystem()
        let meter = ProgressMeter(
            direction: .upload,
            totalBytes: blobs.joined().reduce(0) { total, digest in
                total + (local.objectFile(digest).flatMap { fileSystem.status($0.path)?.size } ?? 0)
            }, totalFiles: blobs.joined().count, observer: remote.observer, clock: remote.clock)
        let atOnce = max(1, remote.width / max(1, blobs.map(\.count).max() ?? 1))
        let report = Mutex<(done: [Int: Outcome], next: Int)>(([:], 0))
        let remote = self.remote
        let names = records.map(\.0)
        Parallel.forEachItem(count: records.count, width: atOnce) { [entries] index in
            var outcome = Outcome.notInLocalCache
            if let entry = entries[index] {
                do throws(RemoteError) {
                    outcome = .pushed(bytes: try remote.upload(entry, progress: meter))
                } catch {
                    outcome = .failed(error.message)
                }
            }
            report.withLock { report in
                report.done[index] = outcome
                while let ready = report.done.removeValue(forKey: report.next) {
                    pushed(names[report.next], ready)
                    report.next += 1
                }
            }
        }
        meter.finish()
    }

    /// Whether each stage's outputs are in the local cache and on the server (`lepton remote
    /// status`).
    public struct Availability: Sendable, Equatable {
        public var stage: String
        public var key: String
        public var local: Bool
        /// Whether the server has the stage's run-cache entry.
        public var remoteEntry: Bool
        /// How many of its blobs the server lacks (a folder whose manifest is not local counts
        /// its manifest only).
        public var remoteBlobsMissing: Int

        public var remote: Bool { remoteEntry && remoteBlobsMissing == 0 }
    }

    /// Where each stage's outputs are.
    ///
    /// - Throws: ``RemoteError`` when the server cannot be asked.
    public func availability(_ records: [(String, StageRecord)]) throws(RemoteError) -> [Availability] {
        let local = ArtifactCache(directory: workspace.cacheDirectory)
        var result: [Availability] = []
        for (name, record) in records {
            let outputs = Array(record.outputs.values)
            var missing = 0
            for digest in Set(outputs.flatMap(local.objects(of:))) where try remote.store.size(of: .cas, digest) == nil
            {
                missing += 1
            }
            result.append(
                Availability(
                    stage: name, key: record.key, local: outputs.allSatisfy(local.contains),
                    remoteEntry: try remote.hasEntry(record.key), remoteBlobsMissing: missing))
        }
        return result
    }
}
