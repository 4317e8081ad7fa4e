import LeptonCore
import LeptonSystem
import Testing
import _LeptonTestSupport

/// A package whose "training" writes its learning rate into the model and the metrics, so each
/// run's outputs are told apart.
private func fixture() -> TemporaryPackage {
    let package = TemporaryPackage("runs")
    package.write("params.yaml", "train:\n  lr: 0.01\n")
    package.write("train.sh", "echo \"model $1\" > model.bin\necho \"{\\\"accuracy\\\": $1}\" > m.json\n")
    package.write(
        "Leptonfile",
        """
        import LeptonDescription
        let pipeline = Pipeline(params: "params.yaml", stages: [
            .stage(name: "train", command: "sh train.sh {param:train.lr}", code: ["train.sh"], params: ["train.lr"],
                   outputs: ["model.bin"], metrics: ["m.json"]),
        ])
        """)
    return package
}

private func runs(_ package: TemporaryPackage, _ arguments: [String] = []) -> [JSON] {
    let result = InProcess.run(["runs", "--json"] + arguments, in: package.root)
    return (try? JSON.parse(result.output))?["runs"]?.arrayValue ?? []
}

@Suite(.serialized)
struct RunHistoryTests {
    @Test func buildsThatChangeSomethingAreRecordedNewestFirst() {
        let package = fixture()
        #expect(InProcess.run(["build"], in: package.root).output.contains("recorded"))
        let second = InProcess.run(["build", "--set", "train.lr=0.5"], in: package.root)
        #expect(package.read("model.bin") == "model 0.5\n", "\(second.output)")
        #expect(!InProcess.run(["build", "--set", "train.lr=0.5"], in: package.root).output.contains("recorded"))
        let all = runs(package)
        #expect(all.count == 2)
        #expect(all.first?["overrides"]?["train.lr"]?.doubleValue == 0.5)
        #expect(all.first?["metrics"]?["m.json"]?["accuracy"]?.doubleValue == 0.5)
        #expect(all.last?["stages"]?["train"]?["outcome"]?.stringValue == "ran")
        #expect(runs(package, ["--limit", "1"]).count == 1)
        #expect(runs(package, ["--stage", "nosuch"]).isEmpty)
        let show = InProcess.run(["runs", "show", "latest"], in: package.root)
        #expect(show.output.contains("--set    train.lr=0.5"), "\(show.output)")
        #expect(show.output.contains("model.bin"))
        let table = InProcess.run(["runs", "--metric", "accuracy"], in: package.root)
        #expect(table.output.contains("succeeded  1 ran"), "\(table.output)")
    }

    @Test func diffsCompareTheWorkspaceWithARun() {
        let package = fixture()
        _ = InProcess.run(["build"], in: package.root)
        let first = runs(package).first?["id"]?.stringValue ?? ""
        _ = InProcess.run(["build", "--set", "train.lr=0.5"], in: package.root)
        let metrics = InProcess.run(["metrics", "diff"], in: package.root)
        #expect(metrics.output.contains("m.json  accuracy  0.01"), "\(metrics.output)")
        #expect(metrics.output.contains("+0.49 (+4900%)"), "\(metrics.output)")
        // The latest run had --set train.lr=0.5; the file still says 0.01.
        let params = InProcess.run(["params", "diff"], in: package.root)
        #expect(params.output.contains("train.lr  0.5"), "\(params.output)")
        #expect(InProcess.run(["params", "diff", first], in: package.root).output.contains("no parameter differs"))
        let json = InProcess.run(["metrics", "diff", first, "--json"], in: package.root)
        let change = (try? JSON.parse(json.output))?["metrics"]?.arrayValue?.first?["change"]?.doubleValue
        #expect(change == 0.49, "\(json.output)")
    }

    @Test func checkoutRestoresATaggedRunAndKeepsWhatItReplaces() throws {
        let package = fixture()
        _ = InProcess.run(["build"], in: package.root)
        #expect(InProcess.run(["tag", "latest", "good"], in: package.root).output.contains("as good"))
        _ = InProcess.run(["build", "--set", "train.lr=0.5"], in: package.root)
        package.write("model.bin", "edited by hand\n")
        let checkout = InProcess.run(["checkout", "good"], in: package.root)
        #expect(checkout.status == 0, "\(checkout.output)")
        #expect(checkout.output.contains("restored   model.bin"), "\(checkout.output)")
        #expect(package.read("model.bin") == "model 0.01\n")
        #expect(package.read("m.json") == "{\"accuracy\": 0.01}\n")
        let edited = ArtifactCache(directory: package.root + "/.lepton/cache").hasObject(
            ContentHash.of(text: "edited by hand\n"))
        #expect(edited, "the replaced content must stay in the cache")
        // The lock now describes the checked-out run, whose parameters are the file's: nothing is stale.
        #expect(InProcess.run(["status"], in: package.root).status == 0)
    }

    @Test func checkoutChangesNothingWhenAnObjectIsMissing() throws {
        let package = fixture()
        _ = InProcess.run(["build"], in: package.root)
        let first = runs(package).first?["id"]?.stringValue ?? ""
        _ = InProcess.run(["build", "--set", "train.lr=0.5"], in: package.root)
        let cache = ArtifactCache(directory: package.root + "/.lepton/cache")
        let object = cache.objectPath(ContentHash.of(text: "model 0.01\n"))
        try PosixFileSystem().remove(object)
        let checkout = InProcess.run(["checkout", first], in: package.root)
        #expect(checkout.status == 1)
        #expect(checkout.output.contains("the cache no longer holds model.bin (stage 'train'); nothing was changed"))
        #expect(package.read("model.bin") == "model 0.5\n")
    }

    @Test func garbageCollectionKeepsWhatTaggedRunsNeed() {
        let package = fixture()
        _ = InProcess.run(["build", "--set", "train.lr=0.5"], in: package.root)
        _ = InProcess.run(["tag", "latest", "experiment"], in: package.root)
        _ = InProcess.run(["build", "--set", "train.lr=0.7"], in: package.root)
        _ = InProcess.run(["build"], in: package.root)
        let gc = InProcess.run(["cache", "gc", "--workspace-only"], in: package.root)
        #expect(gc.status == 0, "\(gc.output)")
        let cache = ArtifactCache(directory: package.root + "/.lepton/cache")
        #expect(cache.hasObject(ContentHash.of(text: "model 0.5\n")))
        #expect(!cache.hasObject(ContentHash.of(text: "model 0.7\n")))
        #expect(InProcess.run(["checkout", "experiment"], in: package.root).status == 0)
        #expect(package.read("model.bin") == "model 0.5\n")
    }
}
