import LeptonSystem

/// Raw data under version control (`lepton add`, DVC's `dvc add`): files and folders no stage
/// produces, recorded by digest in the committed `Lepton.data` beside the Leptonfile, their bytes
/// in the cache, pushed and pulled through the remote like stage outputs. Git holds the small
/// pointer; the bytes stay out of git (`lepton add` lists the paths in `.gitignore`).
///
/// ```json
/// {
///   "version": 1,
///   "data": {
///     "data/data.xml": {"kind": "file", "digest": "…", "size": 37891850},
///     "data/images": {"kind": "folder", "digest": "…", "files": 12000, "size": 893212}
///   }
/// }
/// ```
///
/// One file for every tracked path, one line each when pretty-printed, so two branches that
/// add different paths merge without a conflict.
public struct TrackedData: Sendable, Equatable {
    public static let fileName = "Lepton.data"
    public static let version = 1

    /// One tracked path.
    public struct Entry: Sendable, Equatable {
        public var digest: PathDigest
        /// Bytes (of every file, for a folder).
        public var size: Int64
        /// Files in a folder; 1 for a file.
        public var files: Int

        public init(digest: PathDigest, size: Int64, files: Int) {
            self.digest = digest
            self.size = size
            self.files = files
        }
    }

    /// By path, relative to the package root.
    public var entries: [String: Entry] = [:]

    public init(entries: [String: Entry] = [:]) { self.entries = entries }

    public static func path(in workspace: Workspace) -> String { workspace.absolute(fileName) }

    /// Reads `Lepton.data`; empty when there is none.
    ///
    /// - Throws: ``LeptonError`` naming the file when it is damaged (a bad merge, say).
    public static func load(_ workspace: Workspace, fileSystem: any FileSystem = PosixFileSystem()) throws(LeptonError)
        -> TrackedData
    {
        let path = path(in: workspace)
        guard fileSystem.exists(path) else { return TrackedData() }
        return try parse(fileSystem.read(path))
    }

    /// Parses the text of a `Lepton.data` (the workspace's, or a git revision's).
    ///
    /// - Throws: ``LeptonError`` naming the file when it is damaged.
    public static func parse(_ bytes: [UInt8]) throws(LeptonError) -> TrackedData {
        func damaged(_ why: String) -> LeptonError {
            LeptonError(
                .invalidPipeline,
                "\(fileName) is damaged: \(why). Fix it (a merge conflict?), or restore it from git and run `lepton add` again"
            )
        }
        let json: JSON
        do throws(JSONParseError) {
            json = try JSON.parse(bytes)
        } catch {
            throw damaged(error.description)
        }
        guard json["version"]?.intValue == version, let data = json["data"]?.objectValue else {
            throw damaged("it needs \"version\": \(version) and a \"data\" object")
        }
        var tracked = TrackedData()
        for (path, value) in data {
            guard RelativePath.normalize(path) == path, let kindText = value["kind"]?.stringValue,
                let kind = PathDigest.Kind(rawValue: kindText), let digest = value["digest"]?.stringValue,
                digest.count == 64, digest.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) })
            else { throw damaged("the entry of '\(path)' is not a path with a kind and a digest") }
            tracked.entries[path] = Entry(
                digest: PathDigest(kind: kind, digest: digest),
                size: Int64(value["size"]?.intValue ?? 0), files: value["files"]?.intValue ?? 1)
        }
        return tracked
    }

    /// Writes `Lepton.data` atomically (sorted, one entry per line).
    public func save(_ workspace: Workspace, fileSystem: any FileSystem = PosixFileSystem()) throws(LeptonError) {
        var lines = ["{", "  \"version\": \(TrackedData.version),", "  \"data\": {"]
        let sorted = entries.sorted { $0.key < $1.key }
        for (index, (path, entry)) in sorted.enumerated() {
            var members: [String: JSON] = [
                "kind": .string(entry.digest.kind.rawValue), "digest": .string(entry.digest.digest),
                "size": .int(Int(entry.size)),
            ]
            if entry.digest.kind == .folder { members["files"] = .int(entry.files) }
            let comma = index == sorted.count - 1 ? "" : ","
            lines.append("    \(JSON.string(path).compactText): \(JSON.object(members).compactText)\(comma)")
        }
        lines += ["  }", "}"]
        try fileSystem.writeAtomically(
            Array((lines.joined(separator: "\n") + "\n").utf8), to: TrackedData.path(in: workspace), durable: true)
    }

    /// Each tracked path as a record of its own, keyed by path and digest, for the workflows that
    /// move stage outputs: `push` (blobs and a run-cache entry), `pull` and checkout.
    public var records: [(String, StageRecord)] {
        entries.sorted { $0.key < $1.key }.map { path, entry in
            var record = StageRecord(command: "lepton add \(path)")
            record.key = ContentHash.of(
                text: "lepton-data\n\(path)\n\(entry.digest.kind.rawValue)\n\(entry.digest.digest)")
            record.outputs = [path: entry.digest]
            return (path, record)
        }
    }
}
