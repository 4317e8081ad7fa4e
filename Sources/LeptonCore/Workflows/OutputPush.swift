import LeptonSystem

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

    /// Pushes each stage in turn; `pushed` is told of each as it is done.
    public func push(_ records: [(String, StageRecord)], pushed: (String, Outcome) -> Void) {
        let local = ArtifactCache(directory: workspace.cacheDirectory)
        for (name, record) in records {
            guard record.outputs.values.allSatisfy(local.contains) else {
                pushed(name, .notInLocalCache)
                continue
            }
            let entry =
                local.runEntry(for: record.key)
                ?? RunCacheEntry(
                    key: record.key, stage: name, outputs: record.outputs,
                    created: Int(clock.fileTimeNow() / 1_000_000_000))
            do throws(RemoteError) {
                let before = remote.stats.uploadedBytes
                try remote.upload(entry)
                pushed(name, .pushed(bytes: remote.stats.uploadedBytes - before))
            } catch {
                pushed(name, .failed(error.message))
            }
        }
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
