import LeptonSystem
import Synchronization

/// The one confined path by which cached outputs are written into the workspace: builds,
/// `checkout`, `pull` and remote downloads all restore through it.
///
/// Before any byte is written, every output of the set is checked: its path is relative with
/// no `..` (as a manifest or lock from elsewhere could say), no existing component of it is a
/// symlink that leads out of the package, and a folder's manifest is intact in the cache and
/// safe (no entry leaves the folder or lies under another entry, see
/// ``TreeManifest/hasSafePaths``). Only then are the outputs restored: all assembled beside their
/// targets first (a failed download leaves the workspace as it was), then each renamed over its
/// target.
public struct WorkspaceRestorer: Sendable {
    public let workspace: Workspace
    public let cache: ArtifactCache
    let fileSystem: any FileSystem
    let clock: any Clock
    /// The package root with every symlink resolved.
    let realRoot: String
    /// The root opened, for path checks relative to it.
    private let rootFolder: RootFolder

    public init(
        workspace: Workspace, cache: ArtifactCache, fileSystem: any FileSystem = PosixFileSystem(),
        clock: any Clock = SystemClock()
    ) {
        self.workspace = workspace
        self.cache = cache
        self.fileSystem = fileSystem
        self.clock = clock
        realRoot = fileSystem.realPath(workspace.root) ?? workspace.root
        rootFolder = RootFolder(path: workspace.root)
    }

    /// Checks that every output may be written where it says and the cache holds it: folder
    /// manifests intact and safe, every object present (its bytes are verified as it is copied).
    ///
    /// - Parameters:
    ///   - outputs: The outputs by path.
    ///   - stage: Their stage, for messages.
    ///   - fetchable: File outputs may be missing from the cache (a source fetches them).
    /// - Throws: ``LeptonError/Code/invalidPipeline`` for a path that leaves the package;
    ///   ``LeptonError/Code/cacheMiss`` for a missing, damaged or unsafe manifest or object.
    public func check(_ outputs: [String: PathDigest], stage: String, fetchable: Bool = false) throws(LeptonError) {
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
            } else if fetchable {
                continue
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
            path, root: workspace.root, realRoot: realRoot, fileSystem: fileSystem,
            rootFolder: rootFolder)
        {
            throw LeptonError(.invalidPipeline, PipelineValidator.escapingOutput(stage: stage, path: path, link: link))
        }
    }

    /// Restores the outputs whose workspace content differs (``check(_:stage:fetchable:)`` first,
    /// for all of them; every object is then hashed while it is copied).
    ///
    /// - Parameters:
    ///   - outputs: The outputs by path.
    ///   - stage: Their stage, for messages.
    ///   - trusted: Objects verified moments ago (remote downloads), copied without hashing again.
    ///   - source: Where file objects the cache lacks come from (the remote cache): written
    ///     straight to the workspace, verified, and recorded as held there.
    ///   - current: The digest now in the workspace, nil when absent (skipped when equal).
    ///   - restored: Called after each output is in place.
    /// - Throws: ``LeptonError`` from the checks or the assembly (nothing written), or from a rename.
    public func restore(
        _ outputs: [String: PathDigest], stage: String, trusted: Set<String> = [], source: (any ObjectSource)? = nil,
        current: (String) -> PathDigest?, restored: (String, PathDigest) throws(LeptonError) -> Void = { _, _ in }
    ) throws(LeptonError) {
        try check(outputs, stage: stage, fetchable: source != nil)
        var changed: [(path: String, digest: PathDigest, replaced: PathDigest?, fetched: Bool)] = []
        for (path, digest) in outputs.sorted(by: { $0.key < $1.key }) {
            let now = current(path)
            if let now, now == digest { continue }
            let fetched = source != nil && digest.kind == .file && !cache.hasObject(digest.digest)
            changed.append((path, digest, now, fetched))
        }
        let staged = try assemble(changed.map { ($0.path, $0.digest, $0.fetched) }, trusted: trusted, source: source)
        for (index, item) in changed.enumerated() {
            let absolute = workspace.absolute(item.path)
            do throws(LeptonError) {
                // A held file being replaced goes into the cache first, so going back to it needs
                // no network: by rename, or copied where the cache is on another file system.
                if let replaced = item.replaced, replaced.kind == .file,
                    !cache.takeOver(absolute, digest: replaced.digest),
                    cache.heldFile(replaced.digest) == absolute
                {
                    _ = try? cache.materialize(replaced.digest)
                }
                try cache.commit(staged[index], item.digest, to: absolute)
                if item.fetched {
                    try cache.hold(item.digest.digest, at: absolute, recordedAt: clock.fileTimeNow())
                }
                try restored(item.path, item.digest)
            } catch {
                for staging in staged[(index + 1)...] { try? fileSystem.remove(staging) }
                throw error
            }
        }
    }

    /// Assembles every output beside its target (``ArtifactCache/stage(_:beside:trusted:source:)``),
    /// fetching up to the source's width at once; on a failure every staged copy is removed.
    private func assemble(
        _ items: [(path: String, digest: PathDigest, fetched: Bool)], trusted: Set<String>,
        source: (any ObjectSource)?
    ) throws(LeptonError) -> [String] {
        let results = Mutex<[Int: Result<String, LeptonError>]>([:])
        let cache = self.cache
        let workspace = self.workspace
        let work: @Sendable (Int) -> Void = { index in
            let item = items[index]
            let result = Result { () throws(LeptonError) -> String in
                try cache.stage(
                    item.digest, beside: workspace.absolute(item.path), trusted: trusted,
                    source: item.fetched ? source : nil)
            }
            results.withLock { $0[index] = result }
        }
        let fetches = items.filter(\.fetched).count
        if let source, fetches > 1 {
            Parallel.forEachItem(count: items.count, width: source.width, work)
        } else {
            for index in items.indices { work(index) }
        }
        let all = results.withLock { $0 }
        var staged: [String] = []
        var failure: LeptonError?
        for index in items.indices {
            switch all[index] {
            case .success(let path): staged.append(path)
            case .failure(let error): failure = failure ?? error
            case nil: failure = failure ?? LeptonError(.io, "internal: output '\(items[index].path)' was not assembled")
            }
        }
        if let failure {
            for path in staged { try? fileSystem.remove(path) }
            throw failure
        }
        return staged
    }
}
