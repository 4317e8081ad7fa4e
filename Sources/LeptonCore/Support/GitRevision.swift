import LeptonSystem

#if canImport(Glibc)
    import Glibc
#endif

/// Reads files of git revisions (`git show REV:PATH`) for comparisons with earlier revisions.
enum GitRevision {
    /// Whether `revision` can be passed to git as a revision and nothing else: no option, no
    /// shell syntax.
    private static func isSafe(_ revision: String) -> Bool {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-~^./@{}")
        return !revision.isEmpty && revision.allSatisfy(allowed.contains) && !revision.hasPrefix("-")
    }

    /// The `Lepton.lock` of a git revision; nil when git, the revision or the file is missing.
    ///
    /// - Throws: ``LeptonError`` naming `REV:Lepton.lock` when the file is there but damaged.
    static func lockFile(_ revision: String, root: String) throws(LeptonError) -> LockFile? {
        guard let bytes = show(revision, path: LockFile.fileName, root: root) else { return nil }
        return try LockFile(bytes: bytes, path: "\(revision):\(LockFile.fileName)")
    }

    /// `git show REV:./PATH` in `root`; nil when git, the revision or the file is missing, or
    /// either argument holds a character that is not safe to pass.
    static func show(_ revision: String, path: String, root: String) -> [UInt8]? {
        guard isSafe(revision), !path.contains("'"), !root.contains("'") else { return nil }
        let command = "git -C '\(root)' show '\(revision):./\(path)' 2>/dev/null"
        guard let pipe = popen(command, "r") else { return nil }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = fread(&buffer, 1, buffer.count, pipe)
            if count <= 0 { break }
            bytes.append(contentsOf: buffer[0..<count])
        }
        return pclose(pipe) == 0 ? bytes : nil
    }
}
