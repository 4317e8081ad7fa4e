import LeptonCore
import Testing
import _LeptonTestSupport

/// Run ids stay unique when builds that hold separate locks (a sweep's copies) start in the same
/// millisecond: recording the second must not replace the first.
struct RunHistoryIDTests {
    @Test func aRunStartedInTheSameMillisecondGetsTheNextFreeID() throws {
        let package = TemporaryPackage("history-ids")
        let history = RunHistory(workspace: package.workspace)
        let id = RunHistory.newID(started: 1_764_633_600_123_000_000)
        #expect(id == "20251202-000000-123")
        var ids: [String] = []
        for number in 0..<3 {
            let run = RunRecord(
                id: history.unusedID(id), started: 1_764_633_600, seconds: 1, status: "succeeded", commit: nil,
                overrides: ["train.lr": "\(number)"], stages: [:], metrics: [:])
            try history.record(run)
            ids.append(run.id)
        }
        #expect(ids == [id, id + "-2", id + "-3"])
        #expect(history.all().map(\.overrides["train.lr"]) == ["2", "1", "0"])  // newest first, none lost
    }
}
