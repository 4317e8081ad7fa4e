import LeptonSystem

/// The commit a git work tree is at, read from `.git` files (no `git` process: recording a run
/// must stay cheap). Handles `.git` files of worktrees and submodules and packed refs.
public enum GitHead {
    /// The full commit id, or nil outside a git repository (or on a ref git has not written).
    public static func commit(of root: String) -> String? {
        let fileSystem = PosixFileSystem()
        var directory = root
        var gitDirectory: String?
        while true {
            let candidate = directory + "/.git"
            if let status = fileSystem.status(candidate) {
                if status.kind == .directory {
                    gitDirectory = candidate
                } else if let text = try? fileSystem.readText(candidate), text.hasPrefix("gitdir: ") {
                    let path = String(text.dropFirst("gitdir: ".count)).trimmedLine
                    gitDirectory = path.hasPrefix("/") ? path : directory + "/" + path
                }
                break
            }
            guard let parent = RelativePath.parent(directory), parent != directory, !parent.isEmpty else { return nil }
            directory = parent
        }
        guard let git = gitDirectory, let head = try? fileSystem.readText(git + "/HEAD") else { return nil }
        let line = head.trimmedLine
        guard line.hasPrefix("ref: ") else { return line.count == 40 ? line : nil }
        let ref = String(line.dropFirst("ref: ".count))
        // A worktree keeps HEAD privately but refs in the common directory.
        let common = (try? fileSystem.readText(git + "/commondir")).map {
            let path = $0.trimmedLine
            return path.hasPrefix("/") ? path : git + "/" + path
        }
        for base in [git, common].compactMap({ $0 }) {
            if let text = try? fileSystem.readText(base + "/" + ref) {
                return text.trimmedLine
            }
            if let packed = try? fileSystem.readText(base + "/packed-refs") {
                for entry in packed.split(separator: "\n") where entry.hasSuffix(" " + ref) {
                    return String(entry.prefix(40))
                }
            }
        }
        return nil
    }
}

extension String {
    /// Without leading and trailing spaces and line breaks.
    fileprivate var trimmedLine: String {
        var text = Substring(self)
        while let first = text.first, first.isWhitespace { text.removeFirst() }
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return String(text)
    }
}
