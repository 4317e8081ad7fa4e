import LeptonCore
import Testing
import _LeptonTestSupport

/// prepare -> train, and lint beside them; outputs follow the inputs' bytes.
private func pipeline() -> EngineHarness {
    let harness = EngineHarness(stages: [
        stage("prepare", inputs: ["raw.csv"], outputs: ["clean.csv"]),
        stage("train", inputs: ["clean.csv"], params: ["lr"], outputs: ["model.bin"]),
        stage("lint", inputs: ["notes.txt"], outputs: ["lint.txt"]),
    ])
    harness.package.write("raw.csv", "1\n")
    harness.package.write("notes.txt", "n\n")
    harness.package.write("params.yaml", "lr: 0.1\n")
    harness.runner.on("prepare", harness.transforms("raw.csv", to: "clean.csv"))
    harness.runner.on("train", harness.transforms("clean.csv", to: "model.bin") { "model of \($0)" })
    harness.runner.on("lint", harness.transforms("notes.txt", to: "lint.txt"))
    return harness
}

/// What a forecast turns into when the build does it.
private func done(_ forecast: StageOutcome) -> String {
    switch forecast {
    case .upToDate: return "up to date"
    case .wouldRun, .ran: return "ran"
    case .wouldRestore, .restored: return "restored"
    case .failed: return "failed"
    case .skipped: return "skipped"
    }
}

struct PlanTests {
    /// `lepton status` and `build --dry-run` print the plan; the build then does exactly that.
    @Test(arguments: ["new data", "reverted data", "edited output", "deleted output", "param"])
    func theBuildDoesWhatThePlanForecast(edit: String) throws {
        let harness = pipeline()
        try harness.build()
        harness.package.write("raw.csv", "2\n")
        try harness.build()
        switch edit {
        case "new data": harness.package.write("raw.csv", "3\n")
        case "reverted data": harness.package.write("raw.csv", "1\n")
        case "edited output": harness.package.write("model.bin", "tampered")
        case "deleted output": harness.package.remove("lint.txt")
        default: harness.package.write("params.yaml", "lr: 0.2\n")
        }
        let lockBefore = harness.package.read("Lepton.lock")
        let runsBefore = harness.runner.ran.count
        let plan = try harness.build(BuildOptions(dryRun: true))
        #expect(harness.package.read("Lepton.lock") == lockBefore, "a plan writes nothing")
        #expect(harness.runner.ran.count == runsBefore, "a plan runs nothing")
        let built = try harness.build()
        // Stages finish in any order when they run in parallel; compare stage by stage.
        let forecast = Dictionary(uniqueKeysWithValues: plan.outcomes.map { ($0.stage, done($0.outcome)) })
        let did = Dictionary(uniqueKeysWithValues: built.outcomes.map { ($0.stage, done($0.outcome)) })
        #expect(forecast == did, "\(edit)")
        #expect(plan.outcomes.contains { $0.outcome.isStale })
    }
}
