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
        let snapshot: NoOpSnapshot
        switch load(workspace.noOpSnapshotFile) {
        case .success(let loaded): snapshot = loaded
        case .failure(let miss): return .failure(miss)
        }
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
        let fileSystem = PosixFileSystem()
        guard let scan = snapshot.scan(file: workspace.noOpSnapshotFile, root: workspace.root, fileSystem: fileSystem)
        else {
            return .failure(Miss("the package root cannot be read"))
        }
        guard let changed = scan.changed.first else { return .success(snapshot.stageCount) }
        // The build that follows decides only the stages these changes reach, from this scan.
        return .failure(Miss("'\(changed)' changed"))
    }

    /// The snapshot file last read in this process, with its scan once one was made: `lepton
    /// build` checks before and after parsing its arguments and then decides from the scan,
    /// and the file need not be read, parsed or scanned more than once.
    struct Recent: Sendable {
        var file: String
        var status: FileStatus
        var snapshot: NoOpSnapshot
        var scan: (changed: [String], unchanged: [(path: String, status: FileStatus)])?
    }

    static let recent = Mutex<Recent?>(nil)

    /// The snapshot in `file`, from this process's last reading while the file is unchanged.
    static func load(_ file: String, fileSystem: any FileSystem = PosixFileSystem()) -> Swift.Result<NoOpSnapshot, Miss>
    {
        guard let status = fileSystem.status(file) else { return .failure(Miss("none from the last build")) }
        // Only a process that runs one command may keep a reading: a scan describes one moment.
        let reuse = ProcessLifetime.runsOneCommand
        if reuse, let known = recent.withLock({ $0 }), known.file == file, known.status == status {
            return .success(known.snapshot)
        }
        guard let bytes = try? fileSystem.read(file) else { return .failure(Miss("none from the last build")) }
        guard let snapshot = NoOpSnapshot(bytes: bytes) else { return .failure(Miss("damaged or of another version")) }
        if reuse { recent.withLock { $0 = Recent(file: file, status: status, snapshot: snapshot, scan: nil) } }
        return .success(snapshot)
    }

    /// The scan of `file`'s snapshot (this one), made once per process while the file is unchanged.
    func scan(file: String, root: String, fileSystem: any FileSystem) -> (
        changed: [String], unchanged: [(path: String, status: FileStatus)]
    )? {
        let reuse = ProcessLifetime.runsOneCommand
        if reuse, let known = NoOpSnapshot.recent.withLock({ $0 }), known.file == file, let scan = known.scan,
            fileSystem.status(file) == known.status
        {
            return scan
        }
        guard let scan = scan(root: root, fileSystem: fileSystem) else { return nil }
        if reuse, let status = fileSystem.status(file) {
            NoOpSnapshot.recent.withLock { $0 = Recent(file: file, status: status, snapshot: self, scan: scan) }
        }
        return scan
    }

    /// Why the snapshot does not hold.
    public struct Miss: Error, Sendable {
        public var reason: String
        public init(_ reason: String) { self.reason = reason }
    }
}
