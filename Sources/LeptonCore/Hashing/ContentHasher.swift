import LeptonSystem
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The digest of whatever is at a path: a file's content digest or a folder's tree digest.
public struct PathDigest: Sendable, Equatable {
    public enum Kind: String, Sendable { case file, folder }
    public var kind: Kind
    public var digest: String
    /// Whether a file output carries an execute bit (folders record it per file).
    public var executable: Bool
    /// A file's permission bits (`0o600`), restored with it; nil for folders (their files keep
    /// only the execute bit, the rest follows the umask). Not part of the identity: a file
    /// whose mode alone changed is up to date.
    public var mode: UInt32?

    public init(kind: Kind, digest: String, executable: Bool = false, mode: UInt32? = nil) {
        self.kind = kind
        self.digest = digest
        self.executable = executable
        self.mode = mode
    }

    public static func == (left: PathDigest, right: PathDigest) -> Bool {
        left.kind == right.kind && left.digest == right.digest && left.executable == right.executable
    }
}

/// The statuses a build's decisions were based on: for each file the status its digest was
/// computed from, for each listed folder its status before listing. A nil status marks a path
/// that changed while being read: no ``NoOpSnapshot`` may then be written.
public final class ObservationLog: Sendable {
    private let state = Mutex<[String: FileStatus?]>([:])

    public init() {}

    func record(_ path: String, _ status: FileStatus?) { state.withLock { $0[path] = status } }

    /// Everything observed, sorted by path; a path that was unstable, racy or missing has
    /// ``NoOpSnapshot/unsettled``, which no real status equals.
    public func entries() -> [(path: String, status: FileStatus)] {
        state.withLock { $0 }.map { ($0.key, $0.value ?? NoOpSnapshot.unsettled) }
            .sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
    }
}

/// An open descriptor of the package root, closed when the last hasher copy goes: paths under
/// the root are looked up relative to it (fewer components to walk than an absolute path), or
/// by their absolute path when the root cannot be opened.
final class RootFolder: Sendable {
    let path: String
    private let folder: FileDescriptor?
    /// The descriptor for `*at` calls; -1 when the root cannot be opened (absolute paths then).
    var descriptor: Int32 { folder?.raw ?? -1 }

    init(path: String) {
        self.path = path
        folder = try? PosixFileSystem().open(path, .directory)
    }

    /// `stat` of a path under the root, following symlinks.
    func statusFollowingLinks(_ relative: String, fileSystem: any FileSystem) -> FileStatus? {
        descriptor >= 0
            ? fileSystem.statusFollowingLinks(relative, relativeTo: descriptor)
            : fileSystem.statusFollowingLinks(RelativePath.join(path, relative))
    }

    /// `lstat` of a path under the root.
    func status(_ relative: String, fileSystem: any FileSystem) -> FileStatus? {
        descriptor >= 0
            ? fileSystem.status(relative, relativeTo: descriptor) : fileSystem.status(RelativePath.join(path, relative))
    }

    /// Opens a file under the root for reading.
    func open(_ relative: String, fileSystem: any FileSystem) throws(LeptonError) -> FileDescriptor {
        descriptor >= 0
            ? try fileSystem.open(relative, relativeTo: descriptor)
            : try fileSystem.open(RelativePath.join(path, relative), .read)
    }
}

/// Hashes files and folders under the package root, consulting and feeding the ``StatCache``
/// so that unchanged files are never read twice.
public struct ContentHasher: Sendable {
    public let root: String
    public let statCache: StatCache
    let clock: any Clock
    let fileSystem: any FileSystem
    private let rootFolder: RootFolder
    /// Where the statuses behind each digest are recorded, if anyone listens.
    public let observations: ObservationLog?

    /// Folders never descended into when hashing a folder or expanding a glob.
    static let ignoredFolders: Set<String> = [".lepton", ".git", ".build", ".swiftpm"]

    public init(
        root: String, statCache: StatCache, clock: any Clock = SystemClock(),
        fileSystem: any FileSystem = PosixFileSystem(),
        observations: ObservationLog? = nil
    ) {
        self.observations = observations
        self.root = root
        self.statCache = statCache
        self.clock = clock
        self.fileSystem = fileSystem
        self.rootFolder = RootFolder(path: root)
    }

    /// The digest of a file or folder (following symlinks at `path` itself), nil when missing.
    public func digest(of path: String) throws(LeptonError) -> PathDigest? {
        // Nothing remembered (a first build, a new file): it is read whatever its status, so
        // open it at once and take the status from the descriptor, one path lookup instead of
        // two.
        if !statCache.remembers(path) {
            switch try digestOpeningFirst(path) {
            case .digest(let digest): return digest
            case .missing: return nil
            case .other: break
            }
        }
        guard let status = rootFolder.statusFollowingLinks(path, fileSystem: fileSystem) else {
            observations?.record(path, nil)
            return nil
        }
        if status.kind == .directory {
            return PathDigest(kind: .folder, digest: try manifest(ofFolder: path).digest)
        }
        return PathDigest(
            kind: .file, digest: try fileDigest(path, status: status), executable: status.isExecutable,
            mode: status.mode & 0o777)
    }

    private enum OpenedFirst {
        case digest(PathDigest)
        case missing
        /// A folder, or a file that could not be opened: the path is looked at the usual way.
        case other
    }

    /// The digest of a file the stat cache knows nothing of, opened before anything else.
    private func digestOpeningFirst(_ path: String) throws(LeptonError) -> OpenedFirst {
        let recordedAt = clock.fileTimeNow()
        let file: FileDescriptor
        do throws(LeptonError) {
            file = try rootFolder.open(path, fileSystem: fileSystem)
        } catch {
            if error.errno == .noEntry || error.errno == Errno(ENOTDIR) {
                observations?.record(path, nil)
                return .missing
            }
            return .other
        }
        guard let before = file.status(), before.kind == .file else { return .other }
        let digest = try hash(file, path: path, before: before, recordedAt: recordedAt)
        return .digest(
            PathDigest(
                kind: .file, digest: digest, executable: before.isExecutable, mode: before.mode & 0o777))
    }

    /// The digest of an open file whose status was `before` (read after `recordedAt`),
    /// recorded in the stat cache when reading it changed nothing.
    private func hash(_ file: FileDescriptor, path: String, before: FileStatus, recordedAt: Int64) throws(LeptonError)
        -> String
    {
        let digest = try ContentHash.ofFile(file, size: before.size, path: path)
        if let after = file.status(), after == before {
            statCache.record(path, status: after, digest: digest, recordedAt: recordedAt)
            // A status within its own tick may hide a later write: not a basis for a snapshot.
            let racy = StatCache.isRacy(mtime: after.mtime, recordedAt: recordedAt)
            observations?.record(path, racy ? nil : after)
        } else {
            observations?.record(path, nil)
        }
        return digest
    }

    /// The digest of a file, from the stat cache when it is still valid.
    public func fileDigest(_ path: String, status: FileStatus) throws(LeptonError) -> String {
        if let known = statCache.digest(for: path, status: status) {
            observations?.record(path, status)
            return known
        }
        let recordedAt = clock.fileTimeNow()
        // Read the status through the descriptor after taking the time, and again after the
        // content: a write between the readings must not be missed. The path's own status
        // (`status`) came before the time, so it cannot stand in for the first reading.
        let file: FileDescriptor
        do throws(LeptonError) {
            file = try rootFolder.open(path, fileSystem: fileSystem)
        } catch {
            if error.errno == .noEntry {
                throw LeptonError(.io, "'\(path)' disappeared while Lepton was reading it")
            }
            throw error
        }
        guard let before = file.status() else {
            throw LeptonError.io("cannot read '\(path)'", .current)
        }
        return try hash(file, path: path, before: before, recordedAt: recordedAt)
    }

    /// The tree manifest of a folder, hashing only files the stat cache does not vouch for.
    public func manifest(ofFolder path: String) throws(LeptonError) -> TreeManifest {
        var entries: [TreeManifest.Entry] = []
        try walk(folder: path, prefix: "", into: &entries)
        return TreeManifest(entries: entries)
    }

    private func walk(folder: String, prefix: String, into entries: inout [TreeManifest.Entry]) throws(LeptonError) {
        let absolute = RelativePath.join(root, folder)
        if let observations { observations.record(folder, fileSystem.status(absolute)) }
        for entry in try fileSystem.list(absolute) {
            if ContentHasher.ignoredFolders.contains(entry.name) { continue }
            let child = folder + "/" + entry.name
            let relative = prefix.isEmpty ? entry.name : prefix + "/" + entry.name
            switch entry.kind {
            case .directory:
                try walk(folder: child, prefix: relative, into: &entries)
            case .file:
                guard let status = fileSystem.status(RelativePath.join(root, child)) else { continue }
                let digest = try fileDigest(child, status: status)
                entries.append(.init(kind: status.isExecutable ? .executable : .file, digest: digest, path: relative))
            case .symlink:
                if let observations { observations.record(child, fileSystem.status(RelativePath.join(root, child))) }
                let target = fileSystem.readLink(RelativePath.join(root, child)) ?? ""
                entries.append(.init(kind: .symlink, digest: ContentHash.of(text: target), path: relative))
            case .other:
                continue
            }
        }
    }

}
