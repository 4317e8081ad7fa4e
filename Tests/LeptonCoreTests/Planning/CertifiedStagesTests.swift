import LeptonCore
import LeptonSystem
import Testing
import _LeptonTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A small deterministic generator, so a failing sequence of edits can be replayed.
private struct SplitMix {
    var state: UInt64
    mutating func next(_ bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(bound))
    }
}

/// One package of the comparison: a harness whose builds read (and write) the no-op snapshot,
/// or one whose builds never do and so decide every stage by content.
private func package(certifying: Bool) -> (EngineHarness, BuildOptions) {
    let path = { (path: String) in PathSpec(kind: .path, path: path) }
    var stages = [
        stage("prepare", inputs: ["raw.csv"], outputs: ["clean.csv"]),
        StageDescription(
            name: "features", command: .shell("fake features"), inputs: [path("clean.csv"), path("data")],
            outputs: [path("features.txt")]),
        stage("train", inputs: ["features.txt"], code: ["train.py"], params: ["lr"], outputs: ["model.bin"]),
        StageDescription(
            name: "shards", command: .shell("fake shards"), inputs: [PathSpec(kind: .glob, path: "shards/*.txt")],
            outputs: [path("shards.txt")]),
        stage("report", inputs: ["model.bin", "shards.txt"], outputs: ["report.txt"]),
        stage("lint", inputs: ["notes.txt"], outputs: ["lint.txt"]),
        // A glob with no fixed folder: any change at the root can concern it.
        StageDescription(
            name: "docs", command: .shell("fake docs"), inputs: [PathSpec(kind: .glob, path: "*.md")],
            outputs: [path("docs.txt")]),
    ]
    for index in 0..<6 { stages.append(stage("w\(index)", inputs: ["w/\(index).txt"], outputs: ["out/w\(index).txt"])) }
    let harness = EngineHarness(stages: stages)
    let files = harness.package
    files.write("raw.csv", "1\n")
    files.write("data/a.txt", "a\n")
    files.write("shards/0.txt", "s0\n")
    files.write("train.py", "v1\n")
    files.write("params.yaml", "lr: 0.1\n")
    files.write("notes.txt", "n\n")
    files.write("README.md", "r\n")
    for index in 0..<6 { files.write("w/\(index).txt", "w\(index)\n") }
    // Outputs follow the inputs' bytes, so early cutoff and restores happen as they would.
    harness.runner.on("prepare", harness.transforms("raw.csv", to: "clean.csv") { $0.uppercased() })
    harness.runner.on("features") { _ in
        let names = ((try? PosixFileSystem().list(files.root + "/data")) ?? []).map(\.name).sorted()
        files.write("features.txt", (files.read("clean.csv") ?? "") + names.joined(separator: ","))
        return 0
    }
    harness.runner.on("train", harness.transforms("features.txt", to: "model.bin") { "model of \($0)" })
    harness.runner.on("shards") { _ in
        let names = ((try? PosixFileSystem().list(files.root + "/shards")) ?? []).map(\.name)
            .filter { $0.hasSuffix(".txt") }.sorted()
        files.write("shards.txt", names.map { files.read("shards/\($0)") ?? "" }.joined())
        return 0
    }
    harness.runner.on("report") { _ in
        files.write("report.txt", (files.read("model.bin") ?? "") + (files.read("shards.txt") ?? ""))
        return 0
    }
    harness.runner.on("lint", harness.transforms("notes.txt", to: "lint.txt"))
    harness.runner.on("docs") { _ in
        let names = ((try? PosixFileSystem().list(files.root)) ?? []).map(\.name).filter { $0.hasSuffix(".md") }
        files.write("docs.txt", names.sorted().joined(separator: ","))
        return 0
    }
    for index in 0..<6 { harness.runner.on("w\(index)", harness.transforms("w/\(index).txt", to: "out/w\(index).txt")) }
    var options = BuildOptions()
    if certifying { options.snapshotContext = "context" }
    return (harness, options)
}

/// One random edit, applied the same way to each package.
private func edit(_ files: [TemporaryPackage], _ random: inout SplitMix) -> String {
    let choice = random.next(14)
    let value = random.next(3)
    func each(_ body: (TemporaryPackage) -> Void) { files.forEach(body) }
    switch choice {
    case 0:
        each { $0.write("raw.csv", "\(value)\n") }
        return "raw.csv = \(value)"
    case 1:
        each { $0.write("data/\(value).txt", "d\(value)\n") }
        return "data/\(value).txt written"
    case 2:
        each { $0.remove("data/\(value).txt") }
        return "data/\(value).txt removed"
    case 3:
        let content = "s\(value)\(random.next(2))\n"
        each { $0.write("shards/\(value).txt", content) }
        return "shards/\(value).txt written"
    case 4:
        each { $0.remove("shards/\(value).txt") }
        return "shards/\(value).txt removed"
    case 5:
        each { $0.write("shards/\(value).bin", "not matched\n") }
        return "shards/\(value).bin written"
    case 6:
        each { $0.write("params.yaml", "lr: 0.\(value + 1)\n") }
        return "lr = 0.\(value + 1)"
    case 7:
        each { $0.write("train.py", "v\(value)\n") }
        return "train.py = v\(value)"
    case 8:
        let output = ["clean.csv", "model.bin", "lint.txt", "out/w1.txt"][random.next(4)]
        if value == 0 {
            each { $0.remove(output) }
            return "\(output) deleted"
        }
        each { $0.write(output, "tampered \(value)\n") }
        return "\(output) edited"
    case 9:
        let index = random.next(6)
        each { $0.write("w/\(index).txt", "w\(index) \(value)\n") }
        return "w/\(index).txt = \(value)"
    case 10:
        each { $0.touch("notes.txt") }
        return "notes.txt touched"
    case 11:
        each { $0.write("\(value).md", "m\(value)\n") }
        return "\(value).md written"
    case 12:
        each { $0.remove("\(value).md") }
        return "\(value).md removed"
    default:
        each { $0.write("notes.txt", "n\(value)\n") }
        return "notes.txt = \(value)"
    }
}

/// Each stage's record in the run the history would keep of `summary`, as written and read back.
private func history(of summary: BuildSummary, in harness: EngineHarness) throws -> [String: StageRecord?]? {
    let recorder = RunRecorder(workspace: Workspace(root: harness.package.root), pipeline: harness.pipeline)
    guard let run = recorder.run(of: summary, overrides: [:], started: 0) else { return nil }
    let read = try #require(RunRecord(json: try JSON.parse(run.compactBytes)))
    return read.stages.mapValues(\.record)
}

private func outcomes(_ summary: BuildSummary) -> [String: StageOutcome] {
    Dictionary(uniqueKeysWithValues: summary.outcomes.map { ($0.stage, $0.outcome) })
}

struct CertifiedStagesTests {
    /// The stages the snapshot vouches for are decided without hashing; the rest as usual. On
    /// random edits, plans and builds decide exactly what builds that ignore the snapshot decide,
    /// with the same reasons, and leave the same lock.
    @Test(arguments: [1, 2, 3, 4])
    func decidingOnlyWhatChangedMatchesDecidingEverything(seed: UInt64) throws {
        let (certifying, withSnapshot) = package(certifying: true)
        let (full, everything) = package(certifying: false)
        try certifying.build(withSnapshot)
        try full.build(everything)
        var random = SplitMix(state: seed)
        var certifiedBuilds = 0
        for step in 0..<24 {
            let change = edit([certifying.package, full.package], &random)
            usleep(10_000)  // edits lie in an earlier timestamp tick than the build that reads them
            var plan = withSnapshot
            plan.dryRun = true
            var fullPlan = everything
            fullPlan.dryRun = true
            let forecast = outcomes(try certifying.build(plan))
            #expect(forecast == outcomes(try full.build(fullPlan)), "step \(step) (\(change)): the plans differ")
            let built = try certifying.build(withSnapshot)
            if built.phases.contains(where: { $0.name.hasPrefix("check the snapshot") }) { certifiedBuilds += 1 }
            let fullBuilt = try full.build(everything)
            #expect(outcomes(built) == outcomes(fullBuilt), "step \(step) (\(change))")
            // The run history holds the same records, though the certified build left most of
            // them undecoded in the lock.
            #expect(
                try history(of: built, in: certifying) == history(of: fullBuilt, in: full),
                "step \(step) (\(change)): the run records differ")
            let lock = (certifying.package.read("Lepton.lock") ?? "").split(separator: "\n")
            let fullLock = (full.package.read("Lepton.lock") ?? "").split(separator: "\n")
            let differing = zip(lock, fullLock).filter { $0 != $1 }.prefix(3).map { "\($0) | \($1)" }
            #expect(
                lock == fullLock,
                "step \(step) (\(change)): the locks differ: \(lock.count) \(fullLock.count) \(differing)")
        }
        // Not vacuous: most builds took the certified path.
        #expect(certifiedBuilds > 12, "\(certifiedBuilds) of 24 builds read the snapshot")
    }
}
