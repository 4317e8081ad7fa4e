import Testing

@testable import LeptonSystem

/// `RelativePath.normalize`, which returns a path already normal as it is (checked on its bytes),
/// against `RelativePath.resolve`, the definition it stands for.
struct RelativePathTests {
    @Test func randomPathsNormaliseAsTheDefinitionSays() {
        var random = SplitMix(seed: 7)
        let pieces = ["a", "b", "data", ".", "..", "...", ".a", "a.", "é", "\u{301}", " ", "/", "//", "x/\u{301}"]
        for _ in 0..<20_000 {
            let count = Int(random.next() % 6)
            let path = (0..<count).map { _ in pieces[Int(random.next() % UInt64(pieces.count))] }
                .joined(separator: random.next() % 4 == 0 ? "//" : "/")
            #expect(RelativePath.normalize(path) == RelativePath.resolve(path), "\(path.debugDescription)")
        }
        for path in ["", ".", "..", "a/", "a//b", "./a", "a/./b", "a/../b", "...", "a/...", ".../a"] {
            #expect(RelativePath.normalize(path) == RelativePath.resolve(path), "\(path.debugDescription)")
        }
    }
}
