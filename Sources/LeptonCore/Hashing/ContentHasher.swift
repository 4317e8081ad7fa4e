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

    public init(kind: Kind, digest: String, executable: Bool = false) {
        self.kind = kind
        self.digest = digest
        self.executable = executable
    }
}

/// Hashes files and folders under the package root, consulting and feeding the ``StatCache``
/// so that unchanged files are never read twice.
public struct ContentHasher: Sendable {
    public let root: String
    public let statCache: StatCache
    let clock: any Clock
    let fileSystem: FileSystem

    /// Folders never descended into when hashing a folder or expanding a glob.
    static let ignoredFolders: Set<String> = [".lepton", ".git", ".build", ".swiftpm"]

    public init(root: String, statCache: StatCache, clock: any Clock = SystemClock(), fileSystem: FileSystem = FileSystem()) {
        self.root = root
        self.statCache = statCache
        self.clock = clock
        self.fileSystem = fileSystem
    }

    /// The digest of a file or folder (following symlinks at `path` itself), nil when missing.
    public func digest(of path: String) throws(LeptonError) -> PathDigest? {
        let absolute = RelativePath.join(root, path)
        guard let status = fileSystem.statusFollowingLinks(absolute) else { return nil }
        if status.kind == .directory {
            return PathDigest(kind: .folder, digest: try manifest(ofFolder: path).digest)
        }
        return PathDigest(kind: .file, digest: try fileDigest(path, status: status), executable: status.isExecutable)
    }

    /// The digest of a file, from the stat cache when it is still valid.
    public func fileDigest(_ path: String, status: FileStatus) throws(LeptonError) -> String {
        if let known = statCache.digest(for: path, status: status) { return known }
        let recordedAt = clock.fileTimeNow()
        let absolute = RelativePath.join(root, path)
        // Stat again after taking the time: a write between the two readings must not be missed.
        guard let before = fileSystem.statusFollowingLinks(absolute) else {
            throw LeptonError(.io, "'\(path)' disappeared while Lepton was reading it")
        }
        let digest = try ContentHash.ofFile(absolute)
        if let after = fileSystem.statusFollowingLinks(absolute), after == before {
            statCache.record(path, status: after, digest: digest, recordedAt: recordedAt)
        }
        return digest
    }

    /// The tree manifest of a folder, hashing only files the stat cache does not vouch for.
    public func manifest(ofFolder path: String) throws(LeptonError) -> TreeManifest {
        var entries: [TreeManifest.Entry] = []
        try walk(folder: path, prefix: "", into: &entries)
        return TreeManifest(entries: entries)
    }

    private func walk(folder: String, prefix: String, into entries: inout [TreeManifest.Entry]) throws(LeptonError) {
        let absolute = RelativePath.join(root, folder)
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
                let target = readLink(RelativePath.join(root, child)) ?? ""
                entries.append(.init(kind: .symlink, digest: ContentHash.of(text: target), path: relative))
            case .other:
                continue
            }
        }
    }

    /// The target text of a symlink.
    func readLink(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count >= 0 else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
