import LeptonSystem

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
        if let changed = snapshot.firstChange(root: workspace.root) { return .failure(Miss("'\(changed)' changed")) }
        return .success(snapshot.stageCount)
    }

    /// Why the snapshot does not hold.
    public struct Miss: Error, Sendable {
        public var reason: String
        public init(_ reason: String) { self.reason = reason }
    }
}
