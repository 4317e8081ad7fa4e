import LeptonSystem
import Synchronization

extension NoOpSnapshot {
    /// Whether the snapshot of the last complete build still holds (the no-op fast path of
    /// `lepton build` and `lepton status`).
    ///
    /// - Parameters:
    ///   - workspace: The package.
    ///   - context: The current context for the snapshot's environment names (see
    ///     ``context(loaderKey:environment:targets:)``); throws or returns nil when it cannot
    ///     be known (the Leptonfile cannot be read), which is a miss.
    /// - Returns: The number of stages when it holds, else why not (for `--verbose`).
    public static func check(workspace: Workspace, context: ([String]) throws -> String?) -> Swift.Result<Int, Miss> {
        guard let bytes = try? PosixFileSystem().read(workspace.noOpSnapshotFile) else {
            return .failure(Miss("none from the last build"))
        }
        guard let snapshot = NoOpSnapshot(bytes: bytes) else { return .failure(Miss("damaged or of another version")) }
        let current: String?
        do {
            current = try context(snapshot.environmentNames)
        } catch {
            return .failure(Miss("the SwiftPM target list cannot be read (\(error))"))
        }
        guard let current else { return .failure(Miss("the Leptonfile cannot be read")) }
        guard current == snapshot.context else {
            return .failure(Miss("the Leptonfile, the environment or the SwiftPM targets changed"))
        }
        guard let scan = snapshot.scan(root: workspace.root) else {
            return .failure(Miss("the package root cannot be read"))
        }
        guard let changed = scan.changed.first else { return .success(snapshot.stageCount) }
        // The build that follows decides only the stages these changes reach, from this scan.
        if let status = PosixFileSystem().status(workspace.noOpSnapshotFile) {
            recentScan.withLock { $0 = RecentScan(file: workspace.noOpSnapshotFile, status: status, result: scan) }
        }
        return .failure(Miss("'\(changed)' changed"))
    }

    /// The scan of the last miss in this process, for ``CertifiedStages``: the same snapshot
    /// file (by path and status) need not be scanned twice.
    struct RecentScan: Sendable {
        var file: String
        var status: FileStatus
        var result: (changed: [String], unchanged: [(path: String, status: FileStatus)])
    }

    static let recentScan = Mutex<RecentScan?>(nil)

    /// The recent scan of `file` if it is still the same file, else a new scan.
    func scan(file: String, root: String, fileSystem: any FileSystem) -> (
        changed: [String], unchanged: [(path: String, status: FileStatus)]
    )? {
        if let recent = NoOpSnapshot.recentScan.withLock({ $0 }), recent.file == file,
            fileSystem.status(file) == recent.status
        {
            return recent.result
        }
        return scan(root: root, fileSystem: fileSystem)
    }

    /// Why the snapshot does not hold.
    public struct Miss: Error, Sendable {
        public var reason: String
        public init(_ reason: String) { self.reason = reason }
    }
}
