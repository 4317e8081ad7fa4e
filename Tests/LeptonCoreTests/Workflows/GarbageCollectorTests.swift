import LeptonCore
import LeptonSystem
import Testing
import _LeptonTestSupport

#if canImport(Glibc)
    import Glibc
#endif

struct GarbageCollectorTests {
    /// The engine's clock decides an entry's age: builds on day 0, 20 and 40, gc on day 45 with
    /// `--keep-days 30` drops only day 0's entry, so going back to day 0's inputs runs the stage
    /// and going back to day 20's restores it.
    @Test func keepDaysDropsRunCacheEntriesOlderThanTheWindowByTheEnginesClock() throws {
        let harness = EngineHarness(stages: [
            stage("train", inputs: ["data.csv"], params: ["lr"], outputs: ["model.bin"])
        ])
        let clock = ManualClock()
        harness.clock = clock
        let day: Int64 = 86_400 * 1_000_000_000
        let start = Int64(time(nil)) * 1_000_000_000
        harness.package.write("data.csv", "1\n")
        harness.runner.on("train", harness.transforms("data.csv", to: "model.bin") { "model of \($0)" })
        for (offset, lr) in [(0, "0.1"), (20, "0.2"), (40, "0.3")] {
            clock.set(start + Int64(offset) * day)
            harness.package.write("params.yaml", "lr: \(lr)\n")
            #expect(try harness.ranStages() == ["train"])
        }
        let report = try GarbageCollector(workspace: harness.package.workspace)
            .collect(keepDays: 30, workspaceOnly: false, dryRun: false, now: Int((start + 45 * day) / 1_000_000_000))
        #expect(report.droppedRunEntries == 1)
        harness.package.write("params.yaml", "lr: 0.2\n")
        let restored = try harness.build()
        #expect(restored.outcome(of: "train").map { if case .restored = $0 { true } else { false } } == true)
        harness.package.write("params.yaml", "lr: 0.1\n")
        #expect(try harness.ranStages() == ["train"], "day 0's entry was dropped: the stage runs again")
    }
}
