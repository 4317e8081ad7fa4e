import LeptonSystem
import Testing

/// `RelativePath.normalize` against the plain definition: split by `Character`, drop empty and
/// `.` components, resolve `..` lexically.
struct RelativePathTests {
    private func reference(_ path: String) -> String? {
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

    @Test func randomPathsNormaliseAsTheDefinitionSays() {
        var random = SplitMix(seed: 7)
        let pieces = ["a", "b", "data", ".", "..", "...", ".a", "a.", "é", "\u{301}", " ", "/", "//", "x/\u{301}"]
        for _ in 0..<20_000 {
            let count = Int(random.next() % 6)
            let path = (0..<count).map { _ in pieces[Int(random.next() % UInt64(pieces.count))] }
                .joined(separator: random.next() % 4 == 0 ? "//" : "/")
            #expect(RelativePath.normalize(path) == reference(path), "\(path.debugDescription)")
        }
        for path in ["", ".", "..", "a/", "a//b", "./a", "a/./b", "a/../b", "...", "a/...", ".../a"] {
            #expect(RelativePath.normalize(path) == reference(path), "\(path.debugDescription)")
        }
    }
}
