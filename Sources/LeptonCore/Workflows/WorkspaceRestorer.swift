import LeptonSystem

/// The one confined path by which cached outputs are written into the workspace: builds,
/// `checkout`, `pull` and remote downloads all restore through it.
///
/// Before any byte is written, every output of the set is checked: its path is relative with
/// no `..` (as a manifest or lock from elsewhere could say), no existing component of it is a
/// symlink that leads out of the package, and a folder's manifest is intact in the cache and
/// safe (no entry leaves the folder or lies under another entry, see
/// ``TreeManifest/hasSafePaths``). Only then are the outputs restored, each assembled beside
/// its target and renamed over it.
public struct WorkspaceRestorer: Sendable {
    public let workspace: Workspace
    public let cache: ArtifactCache
    let fileSystem: any FileSystem
    /// The package root with every symlink resolved.
    let realRoot: String

    public init(workspace: Workspace, cache: ArtifactCache, fileSystem: any FileSystem = PosixFileSystem()) {
        self.workspace = workspace
        self.cache = cache
        self.fileSystem = fileSystem
        realRoot = fileSystem.realPath(workspace.root) ?? workspace.root
    }

    /// Checks that every output may be written where it says and the cache holds it: folder
    /// manifests intact and safe, every object present (its bytes are verified as it is copied).
    ///
    /// - Throws: ``LeptonError/Code/invalidPipeline`` for a path that leaves the package;
    ///   ``LeptonError/Code/cacheMiss`` for a missing, damaged or unsafe manifest or object.
    public func check(_ outputs: [String: PathDigest], stage: String) throws(LeptonError) {
        for (path, digest) in outputs.sorted(by: { $0.key < $1.key }) {
            try checkPath(path, stage: stage)
            var objects = [digest.digest]
            if digest.kind == .folder {
                guard let manifest = cache.manifest(digest.digest) else {
                    throw LeptonError(
                        .cacheMiss,
                        "stage '\(stage)': the cache has no intact, safe manifest \(digest.digest.prefix(12)) for '\(path)'"
                    )
                }
                objects = manifest.entries.map(\.digest)
            }
            for object in objects {
                if !cache.hasObject(object) {
                    throw LeptonError(
                        .cacheMiss,
                        "stage '\(stage)': the cache has no object \(object.prefix(12)) for '\(path)'")
                }
            }
        }
    }

    /// Refuses a path with `..`, an absolute path, or one under a symlink leaving the package.
    public func checkPath(_ path: String, stage: String) throws(LeptonError) {
        guard RelativePath.normalize(path) == path, !path.hasPrefix("/") else {
            throw LeptonError(
                .invalidPipeline,
                "stage '\(stage)': refusing to write '\(path)', which is not a plain relative path inside the package")
        }
        if let link = PipelineValidator.symlinkEscape(
            path, root: workspace.root, realRoot: realRoot, fileSystem: fileSystem)
        {
            throw LeptonError(.invalidPipeline, PipelineValidator.escapingOutput(stage: stage, path: path, link: link))
        }
    }

    /// Restores the outputs whose workspace content differs (``check(_:stage:)`` first, for all
    /// of them; every object is then hashed while it is copied).
    ///
    /// - Parameters:
    ///   - outputs: The outputs by path.
    ///   - stage: Their stage, for messages.
    ///   - trusted: Objects verified moments ago (remote downloads), copied without hashing again.
    ///   - current: The digest now in the workspace, nil when absent (skipped when equal).
    ///   - restored: Called after each output is in place.
    /// - Throws: ``LeptonError`` from the checks (nothing written) or from a restore.
    public func restore(
        _ outputs: [String: PathDigest], stage: String, trusted: Set<String> = [],
        current: (String) -> PathDigest?, restored: (String, PathDigest) throws(LeptonError) -> Void = { _, _ in }
    ) throws(LeptonError) {
        try check(outputs, stage: stage)
        for (path, digest) in outputs.sorted(by: { $0.key < $1.key }) {
            if let now = current(path), now == digest { continue }
            try cache.restore(digest, to: workspace.absolute(path), trusted: trusted)
            try restored(path, digest)
        }
    }
}
