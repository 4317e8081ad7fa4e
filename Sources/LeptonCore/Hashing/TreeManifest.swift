/// The Merkle description of a folder: one line per file, sorted by path.
///
/// Each line is `<kind> <digest> <path>`, where kind is `f` (regular file), `x` (executable
/// file) or `l` (symlink; the digest is that of the link's target text, stored as an object).
/// The folder's digest is the SHA-256 of this text. Empty folders are not recorded, as in git.
public struct TreeManifest: Sendable, Equatable {
    /// One file of the tree.
    public struct Entry: Sendable, Equatable {
        public enum Kind: String, Sendable { case file = "f", executable = "x", symlink = "l" }
        public var kind: Kind
        public var digest: String
        /// Relative to the tree's root.
        public var path: String

        public init(kind: Kind, digest: String, path: String) {
            self.kind = kind
            self.digest = digest
            self.path = path
        }
    }

    public var entries: [Entry]

    public init(entries: [Entry]) {
        self.entries = entries.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
    }

    /// The canonical text whose digest is the folder's digest.
    public var text: String {
        var out = ""
        for entry in entries { out += "\(entry.kind.rawValue) \(entry.digest) \(entry.path)\n" }
        return out
    }

    public var digest: String { ContentHash.of(text: text) }

    /// Whether every path stays inside the tree: relative, no empty, `.` or `..` component, and
    /// no entry inside another entry (`l <digest> evil` then `f <digest> evil/planted.txt` would
    /// write through the link). Every manifest, local or remote, is checked before anything is
    /// restored from it.
    public var hasSafePaths: Bool {
        let paths = Set(entries.map(\.path))
        guard paths.count == entries.count else { return false }
        return entries.allSatisfy { entry in
            let parts = entry.path.split(separator: "/", omittingEmptySubsequences: false)
            guard !entry.path.hasPrefix("/"), parts.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." }) else {
                return false
            }
            var prefix = ""
            for part in parts.dropLast() {
                prefix = prefix.isEmpty ? String(part) : prefix + "/" + part
                if paths.contains(prefix) { return false }
            }
            return true
        }
    }

    /// Parses the canonical text; nil when it is damaged.
    public init?(text: String) {
        var entries: [Entry] = []
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, let kind = Entry.Kind(rawValue: String(parts[0])),
                ContentHash.isDigest(String(parts[1])), !parts[2].isEmpty
            else { return nil }
            entries.append(Entry(kind: kind, digest: String(parts[1]), path: String(parts[2])))
        }
        self.entries = entries
    }
}
