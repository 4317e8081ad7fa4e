/// Path arithmetic on `/`-separated strings, relative to the package root.
public enum RelativePath {
    /// Normalises a path written in a Leptonfile: removes `.` and empty components and resolves
    /// `..` lexically. Returns nil when the path is absolute or climbs out of the root.
    public static func normalize(_ path: String) -> String? {
        isNormal(path) ? path : resolve(path)
    }

    /// ``normalize(_:)`` by its definition, for every path: split by `Character`, drop empty and
    /// `.` components, resolve `..` lexically.
    static func resolve(_ path: String) -> String? {
        if path.hasPrefix("/") { return nil }
        var parts: [Substring] = []
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            if component == "." { continue }
            if component == ".." {
                if parts.isEmpty { return nil }
                parts.removeLast()
                continue
            }
            parts.append(component)
        }
        return parts.isEmpty ? nil : parts.joined(separator: "/")
    }

    /// Whether `path` is already what ``resolve(_:)`` makes of it: not empty, every component
    /// between single slashes non-empty and neither `.` nor `..`. On the UTF-8 bytes: splitting
    /// by `Character` (grapheme breaking) made normalising the paths of a pipeline a few percent
    /// of a small pipeline's status. A `/` the slow path would not split at (one followed by a
    /// combining mark) cannot make a component empty, `.` or `..`, so both agree.
    static func isNormal(_ path: String) -> Bool {
        var length = 0  // of the current component
        var dots = 0  // of its bytes, while they are all dots
        for byte in path.utf8 {
            if byte == UInt8(ascii: "/") {
                guard length > 0, dots != length || dots > 2 else { return false }
                length = 0
                dots = 0
            } else {
                if byte == UInt8(ascii: "."), dots == length { dots += 1 }
                length += 1
            }
        }
        return length > 0 && (dots != length || dots > 2)
    }

    /// Whether `path` equals `ancestor` or lies inside it.
    public static func isWithin(_ path: String, _ ancestor: String) -> Bool {
        path == ancestor
            || (path.hasPrefix(ancestor) && path.utf8.dropFirst(ancestor.utf8.count).first == UInt8(ascii: "/"))
    }

    /// Joins a root and a relative path.
    public static func join(_ root: String, _ path: String) -> String {
        if path.isEmpty { return root }
        return root.hasSuffix("/") ? root + path : root + "/" + path
    }

    /// The parent of a relative path, or nil at the top.
    public static func parent(_ path: String) -> String? {
        // On the UTF-8 bytes: a search by Character breaks graphemes, several times slower on
        // the ten thousand input paths a large pipeline's graph looks up.
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return nil }
        return String(path[..<slash])
    }
}
