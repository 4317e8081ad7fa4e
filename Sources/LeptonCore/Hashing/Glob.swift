import LeptonSystem

#if canImport(Glibc)
    import Glibc
#endif

/// Expands glob patterns against the package tree: `*`, `?` and `[…]` within a path
/// component (as `fnmatch` reads them) and `**` for any number of folders.
public struct Glob: Sendable {
    public let root: String
    let fileSystem: any FileSystem
    /// Records the status of each folder before it is listed (see ``NoOpSnapshot``).
    let observations: ObservationLog?

    public init(root: String, fileSystem: any FileSystem = PosixFileSystem(), observations: ObservationLog? = nil) {
        self.root = root
        self.fileSystem = fileSystem
        self.observations = observations
    }

    private func list(_ folder: String, absolute: String) -> [(name: String, kind: FileStatus.Kind)] {
        if let observations { observations.record(folder.isEmpty ? "." : folder, fileSystem.status(absolute)) }
        return (try? fileSystem.list(absolute)) ?? []
    }

    /// Whether a pattern has any glob characters.
    public static func isPattern(_ text: String) -> Bool {
        text.contains { $0 == "*" || $0 == "?" || $0 == "[" }
    }

    /// The files matching a pattern, relative to the root, sorted.
    public func files(matching pattern: String) -> [String] {
        let components = pattern.split(separator: "/").map(String.init)
        var results: [String] = []
        expand(components[...], folder: "", into: &results)
        return results.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// Whether a relative path matches a pattern (used to find which stage outputs a glob covers).
    public static func matches(_ path: String, pattern: String) -> Bool {
        matchComponents(
            path.split(separator: "/").map(String.init)[...], pattern.split(separator: "/").map(String.init)[...])
    }

    private static func matchComponents(_ path: ArraySlice<String>, _ pattern: ArraySlice<String>) -> Bool {
        guard let head = pattern.first else { return path.isEmpty }
        if head == "**" {
            var rest = path
            while true {
                if matchComponents(rest, pattern.dropFirst()) { return true }
                guard !rest.isEmpty else { return false }
                rest = rest.dropFirst()
            }
        }
        guard let first = path.first, fnmatch(head, first, 0) == 0 else { return false }
        return matchComponents(path.dropFirst(), pattern.dropFirst())
    }

    private func expand(_ pattern: ArraySlice<String>, folder: String, into results: inout [String]) {
        guard let head = pattern.first else { return }
        let rest = pattern.dropFirst()
        let absolute = folder.isEmpty ? root : RelativePath.join(root, folder)
        if head == "**" {
            expand(rest, folder: folder, into: &results)
            for entry in list(folder, absolute: absolute) where entry.kind == .directory {
                if ContentHasher.ignoredFolders.contains(entry.name) { continue }
                expand(pattern, folder: join(folder, entry.name), into: &results)
            }
            return
        }
        if !Glob.isPattern(head) {
            let child = join(folder, head)
            guard let status = fileSystem.statusFollowingLinks(RelativePath.join(root, child)) else {
                observations?.record(child, nil)
                return
            }
            if rest.isEmpty {
                if status.kind == .file { results.append(child) }
            } else if status.kind == .directory {
                expand(rest, folder: child, into: &results)
            }
            return
        }
        for entry in list(folder, absolute: absolute) where fnmatch(head, entry.name, FNM_PERIOD) == 0 {
            if ContentHasher.ignoredFolders.contains(entry.name) { continue }
            let child = join(folder, entry.name)
            let kind =
                entry.kind == .symlink
                ? fileSystem.statusFollowingLinks(RelativePath.join(root, child))?.kind : entry.kind
            if rest.isEmpty {
                if kind == .file { results.append(child) }
            } else if kind == .directory {
                expand(rest, folder: child, into: &results)
            }
        }
    }

    private func join(_ folder: String, _ name: String) -> String { folder.isEmpty ? name : folder + "/" + name }
}
