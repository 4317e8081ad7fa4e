import LeptonCore
import LeptonSystem
import Testing
import _LeptonTestSupport

@testable import LeptonCommands

/// Documented behaviours of the commands, run in-process (see ``InProcess``).
@Suite(.serialized)
struct CommandBehaviourTests {
    /// prepare -> train, and an independent lint; train reads a parameter.
    private func fixture() -> TemporaryPackage {
        let package = TemporaryPackage("commands")
        package.write("raw.csv", "b\na\n")
        package.write("notes.txt", "hi\n")
        package.write("params.yaml", "train:\n  lr: 0.01\n")
        package.write(
            "Leptonfile",
            """
            import LeptonDescription
            let pipeline = Pipeline(stages: [
                .stage(name: "prepare", command: "sort raw.csv > clean.csv", inputs: ["raw.csv"], outputs: ["clean.csv"]),
                .stage(name: "train", command: "cat clean.csv params.yaml > model.bin", inputs: ["clean.csv"],
                       params: ["train.lr"], outputs: ["model.bin"]),
                .stage(name: "lint", command: "echo ok > lint.txt", inputs: ["notes.txt"], outputs: ["lint.txt"]),
            ])
            """)
        return package
    }

    @Test func statusJSONListsEachStaleStageWithItsActionAndReasons() throws {
        let package = fixture()
        #expect(InProcess.run(["build"], in: package.root).status == 0)
        package.write("params.yaml", "train:\n  lr: 0.02\n")
        let result = InProcess.run(["status", "--json"], in: package.root)
        #expect(result.status == 1)
        let json = try JSON.parse(result.output)
        let stale = json["stale"]?.arrayValue ?? []
        #expect(stale.compactMap { $0["stage"]?.stringValue } == ["train"])
        #expect(stale.first?["action"]?.stringValue == "run")
        #expect(stale.first?["reasons"]?.arrayValue?.first?.stringValue == "param train.lr changed 0.01 -> 0.02")
        #expect(json["stages"]?.intValue == 3)
    }

    @Test func statusJSONTellsACertainRerunFromOneThatWaitsOnItsUpstreamsOutputs() throws {
        let package = fixture()
        #expect(InProcess.run(["build"], in: package.root).status == 0)
        func actions() throws -> [String: (String, [String])] {
            let json = try JSON.parse(InProcess.run(["status", "--json"], in: package.root).output)
            var found: [String: (String, [String])] = [:]
            for item in json["stale"]?.arrayValue ?? [] {
                found[item["stage"]?.stringValue ?? ""] = (
                    item["action"]?.stringValue ?? "", (item["reasons"]?.arrayValue ?? []).compactMap(\.stringValue)
                )
            }
            return found
        }
        // prepare's input changed; train's own ingredients did not: it runs only if clean.csv changes.
        package.write("raw.csv", "a\nb\n")
        var stale = try actions()
        #expect(stale["prepare"]?.0 == "run")
        #expect(stale["train"]?.0 == "run-if-upstream-changes", "\(stale)")
        // A parameter of train changed too: it runs whatever prepare writes, and says why.
        package.write("params.yaml", "train:\n  lr: 0.03\n")
        stale = try actions()
        #expect(stale["train"]?.0 == "run", "\(stale)")
        #expect(stale["train"]?.1.first == "param train.lr changed 0.01 -> 0.03", "\(stale)")
        // The forecast holds: the sorted input is the same, so early cutoff leaves train alone.
        package.write("params.yaml", "train:\n  lr: 0.01\n")
        let built = InProcess.run(["build"], in: package.root)
        #expect(stagesThatRan(built.output) == ["prepare"], "\(built.output)")
    }

    @Test func cleanOfOneStageAndItsDryRun() {
        let package = fixture()
        #expect(InProcess.run(["build"], in: package.root).status == 0)
        let dry = InProcess.run(["clean", "lint", "--dry-run"], in: package.root)
        #expect(dry.output.contains("would remove lint.txt"), "\(dry.output)")
        #expect(dry.output.contains("dry run: nothing removed"))
        #expect(package.exists("lint.txt"))
        let clean = InProcess.run(["clean", "lint"], in: package.root)
        #expect(clean.status == 0)
        #expect(clean.output.contains("removed 1 output"), "\(clean.output)")
        #expect(!package.exists("lint.txt") && package.exists("model.bin") && package.exists("clean.csv"))
        let rebuilt = InProcess.run(["build"], in: package.root)
        #expect(rebuilt.output.contains("restored    lint"), "\(rebuilt.output)")
        #expect(InProcess.run(["clean", "nope"], in: package.root).status == 64)
    }

    @Test func quietBuildsHideStageOutputButKeepTheLog() {
        let package = fixture()
        package.write(
            "Leptonfile",
            """
            import LeptonDescription
            let pipeline = Pipeline(stages: [
                .stage(name: "talk", command: "echo hello-from-the-stage; echo x > out.txt", outputs: ["out.txt"]),
            ])
            """)
        let quiet = InProcess.run(["build", "-q"], in: package.root)
        #expect(quiet.status == 0)
        #expect(!quiet.output.contains("hello-from-the-stage"), "\(quiet.output)")
        #expect(package.read(".lepton/logs/talk.log")?.contains("hello-from-the-stage") == true)
        package.remove("out.txt")
        let loud = InProcess.run(["build"], in: package.root)
        // Restored from the cache: the stage does not run, so it prints nothing either way.
        #expect(loud.output.contains("restored"), "\(loud.output)")
        let forced = InProcess.run(["build", "--force", "talk"], in: package.root)
        #expect(forced.output.contains("hello-from-the-stage"), "\(forced.output)")
    }

    @Test func runsFilterByStatusAndTagAndTagsCanBeDeleted() throws {
        let package = fixture()
        #expect(InProcess.run(["build"], in: package.root).status == 0)
        package.write(
            "Leptonfile", (package.read("Leptonfile") ?? "").replacingOccurrences("echo ok >", "exit 1; echo >"))
        package.write("notes.txt", "changed\n")
        #expect(InProcess.run(["build"], in: package.root).status == 1)
        let failed = try JSON.parse(InProcess.run(["runs", "--status", "failed", "--json"], in: package.root).output)
        #expect(failed["runs"]?.arrayValue?.count == 1)
        let succeeded = try JSON.parse(
            InProcess.run(["runs", "--status", "succeeded", "--json"], in: package.root).output)
        let good = try #require(succeeded["runs"]?.arrayValue?.first?["id"]?.stringValue)
        #expect(InProcess.run(["tag", good, "baseline"], in: package.root).status == 0)
        let tagged = try JSON.parse(InProcess.run(["runs", "--tag", "baseline", "--json"], in: package.root).output)
        #expect(tagged["runs"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [good])
        #expect(InProcess.run(["tag", "--delete", "baseline"], in: package.root).status == 0)
        let tags = try JSON.parse(InProcess.run(["tag", "--json"], in: package.root).output)
        #expect(tags["tags"]?.objectValue?.isEmpty == true)
    }

    @Test func gcKeepDaysZeroDropsEntriesTheLockDoesNotNeed() {
        let package = fixture()
        #expect(InProcess.run(["build"], in: package.root).status == 0)
        package.write("params.yaml", "train:\n  lr: 0.02\n")
        #expect(InProcess.run(["build"], in: package.root).status == 0)
        let kept = InProcess.run(["cache", "gc"], in: package.root)
        #expect(kept.output.contains("removed 0 objects"), "\(kept.output)")
        let dropped = InProcess.run(["cache", "gc", "--keep-days", "0"], in: package.root)
        #expect(
            dropped.output.contains("and 1 run-cache entry") || dropped.output.contains("run-cache entries"),
            "\(dropped.output)")
        // The lr=0.01 model is gone from the cache: going back retrains.
        package.write("params.yaml", "train:\n  lr: 0.01\n")
        #expect(stagesThatRan(InProcess.run(["build"], in: package.root).output) == ["train"])
    }

    @Test func noRemoteIgnoresAConfiguredRemote() {
        let package = fixture()
        package.write(
            "Lepton.config", "{\"remotes\": {\"ci\": {\"url\": \"http://127.0.0.1:9/lepton\"}}, \"default\": \"ci\"}\n")
        let result = InProcess.run(["build", "--no-remote"], in: package.root)
        #expect(result.status == 0, "\(result.output)")
        #expect(!result.output.contains("remote"), "\(result.output)")
    }

    /// What the SwiftPM plugin asks before building an optimized trainer: the loaded pipeline,
    /// not the Leptonfile's text (a comment naming `.train(` is no trainer stage).
    @Test func dagJSONSaysWhichStagesRunTheBuiltInTrainer() throws {
        let package = TemporaryPackage("commands")
        package.write("data/train.csv", "a,label\n0,0\n1,1\n")
        package.write(
            "Leptonfile",
            """
            import LeptonDescription
            // A shell stage; not a .train( stage.
            let shell = Stage.stage(name: "prepare", command: "cp data/train.csv data/clean.csv",
                                    inputs: ["data/train.csv"], outputs: ["data/clean.csv"])
            let pipeline = Pipeline(stages: [
                shell,
                .train(name: "fit", data: .csv("data/clean.csv", label: "label"), model: [.dense(2)],
                       epochs: 1, checkpoint: "model.safetensors"),
            ])
            """)
        let result = InProcess.run(["dag", "--format", "json"], in: package.root)
        #expect(result.status == 0, "\(result.output)")
        let stages = try JSON.parse(result.output)["stages"]?.arrayValue ?? []
        #expect(stages.compactMap { $0["name"]?.stringValue } == ["prepare", "fit"])
        #expect(stages.compactMap { $0["runsTrainer"]?.boolValue } == [false, true])
        #expect(stages.last?["after"]?.arrayValue?.compactMap(\.stringValue) == ["prepare"])

        package.write(
            "Leptonfile",
            """
            import LeptonDescription
            // Only shell stages here, though this comment says .train( and .evaluate(.
            let pipeline = Pipeline(stages: [.stage(name: "echo", command: "echo hi > out.txt", outputs: ["out.txt"])])
            """)
        let shellOnly = try JSON.parse(InProcess.run(["dag", "--format", "json"], in: package.root).output)
        #expect(shellOnly["stages"]?.arrayValue?.compactMap { $0["runsTrainer"]?.boolValue } == [false])
    }

    /// As make builds a file target: `lepton build PATH` builds the stage that produces it (and
    /// what it needs), `status PATH` checks it, and a path nothing produces is named.
    @Test func anOutputPathBuildsTheStageThatProducesIt() {
        let package = fixture()
        let build = InProcess.run(["build", "clean.csv"], in: package.root)
        #expect(build.status == 0, "\(build.output)")
        #expect(package.exists("clean.csv") && !package.exists("model.bin") && !package.exists("lint.txt"))
        package.write("raw.csv", "c\nb\na\n")
        let status = InProcess.run(["status", package.root + "/model.bin"], in: package.root)
        #expect(status.status == 1)
        #expect(status.output.contains("train:") && status.output.contains("prepare:"), "\(status.output)")
        #expect(!status.output.contains("lint"), "\(status.output)")
        let missing = InProcess.run(["build", "dist/model.tar"], in: package.root)
        #expect(missing.status == 64)
        #expect(missing.output.contains("unknown stage or output 'dist/model.tar'"), "\(missing.output)")
    }
}

extension String {
    fileprivate func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}

/// What the entry point runs without ArgumentParser as a plain build, and the job count it
/// reads (nil: not a plain build; `.some(nil)`: plain, no count).
struct PlainBuildArgumentTests {
    @Test(
        arguments: [
            (["build"], .some(nil)), (["build", "-j", "2"], 2), (["build", "-j2"], 2), (["build", "--jobs", "4"], 4),
            (["build", "--jobs=4"], 4), (["build", "-j", "2", "-j3"], 3), (["build", "-j0"], 0),
            (["build", "-j"], nil), (["build", "-jx"], nil), (["build", "train"], nil), (["build", "-v"], nil),
            (["build", "--jobs", "2", "-C", "x"], nil), (["status"], nil), ([], nil),
        ] as [([String], Int??)])
    func plainBuilds(arguments: [String], jobs: Int??) {
        #expect(LeptonCommand.plainBuildJobs(arguments) == jobs)
    }
}
