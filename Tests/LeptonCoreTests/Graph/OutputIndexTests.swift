import Testing

@testable import LeptonCore

/// The index answers what a scan of every output answers.
struct OutputIndexTests {
    @Test func producersTouchingAPathAreThoseAScanFinds() {
        let components = ["a", "b", "out", "in", "é"]
        var state: UInt64 = 7
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        func randomPath() -> String {
            (0...next(3)).map { _ in components[next(components.count)] }.joined(separator: "/")
        }
        for _ in 0..<50 {
            var producers: [String: Int] = [:]
            for stage in 0..<next(8) { producers[randomPath()] = stage }
            let index = OutputIndex(producers: producers)
            for _ in 0..<40 {
                let path = randomPath()
                let scanned = Set(
                    producers.filter { output, _ in
                        output == path || output.hasPrefix(path + "/") || path.hasPrefix(output + "/")
                    }.values)
                #expect(index.producers(touching: path) == scanned, "\(path) in \(producers.keys.sorted())")
            }
        }
    }
}
