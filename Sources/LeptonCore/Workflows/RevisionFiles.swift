import LeptonSystem

/// The files of the workspace as one revision saw them, for `lepton plots diff`: the workspace
/// itself, a recorded run (its stages' outputs by digest, from the cache), or a git revision
/// (its `Lepton.lock`'s outputs from the cache, and committed files from git).
public struct RevisionFiles: Sendable {
    /// `workspace`, `run ID` or `git REV`; what a chart's legend names.
    public var label: String
    /// Output paths and their digests as the revision recorded them.
    let outputs: [String: PathDigest]
    /// The commit to read files that are not outputs from; nil for the workspace.
    let commit: String?
    let live: Bool
    let workspace: Workspace

    /// The workspace as it is now.
    public static func current(_ workspace: Workspace) -> RevisionFiles {
        RevisionFiles(label: "workspace", outputs: [:], commit: nil, live: true, workspace: workspace)
    }

    /// A run (id, prefix, tag, `latest`), else a git revision.
    ///
    /// - Throws: ``LeptonError`` ``LeptonError/Code/usage`` when it is neither.
    public static func resolve(_ name: String, workspace: Workspace) throws(LeptonError) -> RevisionFiles {
        if let run = try? RunHistory(workspace: workspace).resolve(name) {
            var outputs: [String: PathDigest] = [:]
            for stage in run.stages.values { outputs.merge(stage.record?.outputs ?? [:]) { $1 } }
            return RevisionFiles(
                label: "run \(run.id)", outputs: outputs, commit: run.commit, live: false, workspace: workspace)
        }
        guard let lock = (try? GitRevision.lockFile(name, root: workspace.root)) ?? nil else {
            throw LeptonError(
                .usage,
                "'\(name)' is neither a run nor a tag (see 'lepton runs') nor a git revision with a \(LockFile.fileName)."
            )
        }
        var outputs: [String: PathDigest] = [:]
        for record in lock.stages.values { outputs.merge(record.outputs) { $1 } }
        return RevisionFiles(label: name, outputs: outputs, commit: name, live: false, workspace: workspace)
    }

    /// The bytes of `path` (relative to the package root) in this revision: an output file, a
    /// file inside an output folder (through its manifest), else the committed file; nil when
    /// none has it or its bytes are not in the local cache.
    public func read(_ path: String) -> [UInt8]? {
        let fileSystem = PosixFileSystem()
        if live { return try? fileSystem.read(workspace.absolute(path)) }
        let cache = ArtifactCache(directory: workspace.cacheDirectory)
        if let digest = outputs[path], digest.kind == .file { return cache.verifiedBytes(digest.digest) }
        for (folder, digest) in outputs where digest.kind == .folder && path.hasPrefix(folder + "/") {
            let inside = String(path.dropFirst(folder.count + 1))
            if let entry = cache.manifest(digest.digest)?.entries.first(where: { $0.path == inside }) {
                return cache.verifiedBytes(entry.digest)
            }
        }
        return commit.flatMap { GitRevision.show($0, path: path, root: workspace.root) }
    }

    /// Whether `path` is one of the revision's outputs (or inside one), so a missing file means
    /// its bytes are not in the local cache.
    public func records(_ path: String) -> Bool {
        outputs[path] != nil || outputs.contains { $0.value.kind == .folder && path.hasPrefix($0.key + "/") }
    }
}
