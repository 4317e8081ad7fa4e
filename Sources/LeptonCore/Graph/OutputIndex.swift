import LeptonSystem

/// Finds which declared outputs an input path touches, in O(depth + log n) per path instead of
/// a scan of every output: an exact match, an output folder containing the path (by walking the
/// path's ancestors), or outputs inside the path (a range of the sorted output paths).
struct OutputIndex: Sendable {
    /// Output path -> producing stage.
    let producers: [String: Int]
    /// Output paths sorted by their UTF-8 bytes, for prefix ranges.
    private let sorted: [String]
    /// Every folder above an output: only these can have outputs inside them.
    private let folders: Set<String>
    /// The first component of every output path: an output at, above or inside a path starts
    /// with the path's own first component, so most inputs (`data/…` when outputs are `out/…`)
    /// need one look-up, not one per ancestor.
    private let tops: Set<String>

    init(producers: [String: Int]) {
        self.producers = producers
        sorted = producers.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var folders = Set<String>()
        for path in producers.keys {
            var ancestor = path
            while let parent = RelativePath.parent(ancestor), folders.insert(parent).inserted { ancestor = parent }
        }
        self.folders = folders
        tops = Set(producers.keys.map(OutputIndex.top))
    }

    /// The path's first component.
    private static func top(_ path: String) -> String {
        guard let slash = path.utf8.firstIndex(of: UInt8(ascii: "/")) else { return path }
        return String(path[..<slash])
    }

    /// The stages whose outputs equal, contain, or lie inside `path`.
    func producers(touching path: String) -> Set<Int> {
        var found = Set<Int>()
        if let exact = producers[path] { found.insert(exact) }
        guard tops.contains(OutputIndex.top(path)) else { return found }
        var ancestor = path
        while let parent = RelativePath.parent(ancestor) {
            if let stage = producers[parent] { found.insert(stage) }
            ancestor = parent
        }
        // Most inputs are files no output lies in: skip the search for them.
        guard folders.contains(path) else { return found }
        for inside in paths(inside: path) {
            if let stage = producers[inside] { found.insert(stage) }
        }
        return found
    }

    /// The output paths strictly inside folder `path`.
    func paths(inside path: String) -> ArraySlice<String> {
        let prefix = Array((path + "/").utf8)
        var low = 0
        var high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle].utf8.lexicographicallyPrecedes(prefix) { low = middle + 1 } else { high = middle }
        }
        var end = low
        while end < sorted.count, sorted[end].utf8.starts(with: prefix) { end += 1 }
        return sorted[low..<end]
    }

    /// The stages whose outputs an input reads (glob patterns match output paths).
    func producers(of input: PathSpec) -> Set<Int> {
        switch input.kind {
        case .target: return []
        case .glob:
            var found = Set<Int>()
            for (path, stage) in producers where Glob.matches(path, pattern: input.path) { found.insert(stage) }
            return found
        case .path, .file, .folder:
            return producers(touching: input.path)
        }
    }
}
