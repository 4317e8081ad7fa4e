import LeptonCore
import LeptonSystem
import Testing
import _LeptonTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A clone of the same project: prepare -> train (a folder) -> evaluate (metrics).
private func clone(_ label: String) -> TemporaryPackage {
    let package = TemporaryPackage(label)
    package.write("raw.csv", "b\na\nc\n")
    package.write("params.yaml", "train:\n  lr: 0.01\n")
    package.write(
        "Leptonfile",
        """
        import LeptonDescription
        let pipeline = Pipeline(stages: [
            .stage(name: "prepare", command: "sort raw.csv > clean.csv", inputs: ["raw.csv"], outputs: ["clean.csv"]),
            .stage(name: "train", command: "mkdir -p model && cat clean.csv params.yaml > model/weights.bin && echo v1 > model/config",
                   inputs: ["clean.csv"], params: ["train.lr"], outputs: ["model"]),
            .stage(name: "evaluate", command: "wc -l < model/weights.bin | tr -d ' ' | sed 's/^/{\\"lines\\": /; s/$/}/' > metrics.json",
                   inputs: ["model"], metrics: ["metrics.json"]),
        ])
        """)
    return package
}

@Suite(.serialized)
struct RemoteCacheEndToEndTests {
    @Test func aSecondCloneRestoresEverythingAndRunsNothing() throws {
        let server = try RemoteServer()
        let first = clone("first")
        let add = LeptonBinary.run(["remote", "add", "team", server.url()], in: first.root)
        #expect(add.status == 0, "\(add.output)")
        let built = LeptonBinary.run(["build", "--remote-upload"], in: first.root)
        #expect(built.status == 0, "\(built.output)")
        #expect(stagesThatRan(built.output) == ["prepare", "train", "evaluate"])
        #expect(built.output.contains("uploaded"))

        let second = clone("second")
        second.write("Lepton.config", first.read("Lepton.config") ?? "")
        server.reset()
        let restored = LeptonBinary.run(["build", "--summary-json", second.root + "/summary.json"], in: second.root)
        #expect(restored.status == 0, "\(restored.output)")
        #expect(stagesThatRan(restored.output).isEmpty, "\(restored.output)")
        #expect(restored.output.contains("build succeeded: 3 stages (3 restored)"))
        #expect(!restored.output.contains("\u{1B}") && !restored.output.contains("\r"), "plain output off a terminal")
        #expect(restored.output.contains("restored    prepare from remote (left on the server)"))
        #expect(second.read("metrics.json") == first.read("metrics.json"))
        // Lazy: the intermediate outputs were not downloaded, and nothing was uploaded.
        #expect(!second.exists("clean.csv") && !second.exists("model"))
        let stats = server.stats()
        #expect(stats["PUT cas"] == nil && stats["PUT ac"] == nil, "\(stats)")
        #expect(stats["GET cas"] == 2, "the train manifest and metrics.json only: \(stats)")
        let summary = try JSON.parse(Array((second.read("summary.json") ?? "").utf8))
        #expect(summary["status"]?.stringValue == "succeeded")
        #expect(summary["remote"]?["hits"]?.intValue == 3)
        #expect(summary["stages"]?.arrayValue?.allSatisfy { $0["source"]?.stringValue == "remote" } == true)

        // A change downstream of the intermediates downloads exactly what the stage needs.
        second.write("params.yaml", "train:\n  lr: 0.02\n")
        let rerun = LeptonBinary.run(["build"], in: second.root)
        #expect(stagesThatRan(rerun.output) == ["train", "evaluate"], "\(rerun.output)")
        #expect(second.read("clean.csv") == first.read("clean.csv"))

        // pull brings every recorded output; status shows both caches.
        let pull = LeptonBinary.run(["pull"], in: second.root)
        #expect(pull.status == 0, "\(pull.output)")
        let status = LeptonBinary.run(["remote", "status"], in: second.root)
        #expect(status.output.contains("can be pushed"), "\(status.output)")
        let push = LeptonBinary.run(["push", "train", "evaluate"], in: second.root)
        #expect(push.status == 0 && push.output.contains("pushed 2 of 2 stages"), "\(push.output)")
        #expect(LeptonBinary.run(["remote", "status"], in: second.root).status == 0)
    }

    @Test func credentialsComeFromTheEnvironmentAndBadOnesAreNamed() throws {
        let server = try RemoteServer()
        let package = clone("auth")
        let url = server.url("basic", proxy: false)
        let anonymous = LeptonBinary.run(["build", "--remote", url, "--remote-upload"], in: package.root)
        #expect(anonymous.status == 0, "a refused remote must not fail the build: \(anonymous.output)")
        #expect(anonymous.output.contains("401 Unauthorized"))
        #expect(anonymous.output.contains("LEPTON_REMOTE_USER"))
        package.remove(".lepton")
        let environment = [
            "LEPTON_REMOTE_USER": "lepton", "LEPTON_REMOTE_PASSWORD": "pa55word", "LEPTON_REMOTE_UPLOAD": "1",
        ]
        let allowed = LeptonBinary.run(["build", "--remote", url], in: package.root, environment: environment)
        #expect(allowed.status == 0 && allowed.output.contains("uploaded"), "\(allowed.output)")
        #expect(!allowed.output.contains("pa55word"))
        let config = LeptonBinary.run(
            ["remote", "add", "x", "http://lepton:pa55word@127.0.0.1/cache"], in: package.root)
        #expect(config.status == 2 && config.output.contains("never stores them"), "\(config.output)")
    }

    @Test func anUnreachableRemoteWarnsUnlessRequired() throws {
        let package = clone("down")
        let degraded = LeptonBinary.run(
            ["build", "--remote", "http://127.0.0.1:1/cache"], in: package.root,
            environment: ["LEPTON_REMOTE_RETRY_DELAY": "0"])
        #expect(degraded.status == 0, "\(degraded.output)")
        #expect(degraded.output.contains("warning: the remote cache http://127.0.0.1:1/cache is not usable"))
        #expect(stagesThatRan(degraded.output) == ["prepare", "train", "evaluate"])
        let required = LeptonBinary.run(
            ["build", "--remote", "http://127.0.0.1:1/cache", "--remote-required"], in: package.root,
            environment: ["LEPTON_REMOTE_RETRY_DELAY": "0"])
        #expect(required.status == 4, "\(required.output)")
        #expect(required.output.contains("--remote-required"))
        let push = LeptonBinary.run(["push"], in: package.root)
        #expect(push.status == 2 && push.output.contains("no remote cache is configured"), "\(push.output)")
    }

    @Test func corruptDownloadsAreDiscardedAndNeverRestored() throws {
        let server = try RemoteServer()
        let first = clone("source")
        #expect(LeptonBinary.run(["build", "--remote", server.url(), "--remote-upload"], in: first.root).status == 0)
        let second = clone("victim")
        server.inject("corrupt", matching: "/cas/", method: "GET", count: 1000)
        let result = LeptonBinary.run(
            ["build", "--remote", server.url(), "--remote-download-all"], in: second.root,
            environment: ["LEPTON_REMOTE_RETRY_DELAY": "0"])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("corrupt or truncated"))
        // Every stage ran here instead, so the outputs are right.
        #expect(stagesThatRan(result.output) == ["prepare", "train", "evaluate"], "\(result.output)")
        #expect(second.read("metrics.json") == first.read("metrics.json"))
    }

    /// A fresh clone's remote restore writes file outputs once, straight into the workspace (held,
    /// not copied into the local cache); a rerun and a revert after it still need no network.
    @Test func downloadsAreHeldInTheWorkspaceAndGoingBackNeedsNoNetwork() throws {
        let server = try RemoteServer()
        let first = clone("held-first")
        #expect(LeptonBinary.run(["build", "--remote", server.url(), "--remote-upload"], in: first.root).status == 0)
        let second = clone("held-second")
        let restored = LeptonBinary.run(["build", "--remote", server.url(), "--remote-download-all"], in: second.root)
        #expect(restored.output.contains("build succeeded: 3 stages (3 restored)"), "\(restored.output)")
        let metrics = ContentHash.of(text: second.read("metrics.json") ?? "")
        let cache = ArtifactCache(directory: second.workspace.cacheDirectory)
        #expect(!cache.hasStoredObject(metrics), "the download was written into objects/ as well")
        #expect(cache.heldFile(metrics) == second.root + "/metrics.json")
        #expect(cache.allHeld().count == 2, "clean.csv and metrics.json")

        // A change reruns here; the held metrics.json goes into the local cache as it is replaced.
        second.write("params.yaml", "train:\n  lr: 0.02\n")
        let changed = LeptonBinary.run(["build", "--no-remote"], in: second.root)
        #expect(stagesThatRan(changed.output) == ["train", "evaluate"], "\(changed.output)")
        #expect(cache.hasStoredObject(metrics))
        second.write("params.yaml", "train:\n  lr: 0.01\n")
        let reverted = LeptonBinary.run(["build", "--no-remote"], in: second.root)
        #expect(reverted.status == 0 && stagesThatRan(reverted.output).isEmpty, "\(reverted.output)")
        #expect(second.read("metrics.json") == first.read("metrics.json"))

        // An edited held output is no longer the object: it is rebuilt, never handed back edited.
        second.write("clean.csv", "edited\n")
        let repaired = LeptonBinary.run(["build", "--no-remote"], in: second.root)
        #expect(repaired.status == 0, "\(repaired.output)")
        #expect(second.read("clean.csv") == first.read("clean.csv"))
        #expect(LeptonBinary.run(["cache", "gc"], in: second.root).status == 0)
        #expect(second.read("clean.csv") == first.read("clean.csv"))
    }

    /// `lepton remote gc` against nginx (its JSON autoindex lists the folders): an earlier
    /// generation goes, what the lock references stays, and a fresh clone still restores it all.
    @Test func remoteGCRemovesWhatNothingKeptReferencesAndAFreshCloneStillRestores() throws {
        let server = try RemoteServer()
        let first = clone("gc-first")
        let url = server.url(proxy: false)
        #expect(LeptonBinary.run(["remote", "add", "team", url], in: first.root).status == 0)
        #expect(LeptonBinary.run(["build", "--remote-upload"], in: first.root).status == 0)
        first.write("params.yaml", "train:\n  lr: 0.02\n")
        #expect(LeptonBinary.run(["build", "--remote-upload"], in: first.root).status == 0)
        let entries = { (try? PosixFileSystem().list(server.dataDirectory + "/cache/ac"))?.count ?? -1 }
        #expect(entries() == 5, "prepare once, train and evaluate twice")
        let preview = LeptonBinary.run(["remote", "gc", "-n", "--keep-days", "0"], in: first.root)
        #expect(preview.status == 0, "\(preview.output)")
        #expect(preview.output.contains("would remove 2 run-cache entries and "), "\(preview.output)")
        #expect(entries() == 5, "a dry run removes nothing")
        // Runs of the last 30 days (the default) keep the first generation too.
        let kept = LeptonBinary.run(["remote", "gc"], in: first.root)
        #expect(kept.output.contains("removed 0 run-cache entries and 0 blobs"), "\(kept.output)")
        let collected = LeptonBinary.run(["remote", "gc", "--keep-days", "0"], in: first.root)
        #expect(
            collected.status == 0 && collected.output.contains("removed 2 run-cache entries"), "\(collected.output)")
        #expect(entries() == 3)

        let second = clone("gc-second")
        second.write("Lepton.config", first.read("Lepton.config") ?? "")
        second.write("params.yaml", "train:\n  lr: 0.02\n")
        let restored = LeptonBinary.run(["build", "--remote-download-all"], in: second.root)
        #expect(restored.output.contains("build succeeded: 3 stages (3 restored)"), "\(restored.output)")
        #expect(second.read("model/weights.bin") == first.read("model/weights.bin"))
        second.write("params.yaml", "train:\n  lr: 0.01\n")
        let gone = LeptonBinary.run(["build"], in: second.root)
        #expect(stagesThatRan(gone.output) == ["train", "evaluate"], "the removed generation runs again")

        // A server that cannot list its folders: a clear error, nothing removed.
        let plain = server.url("plain", proxy: false)
        #expect(LeptonBinary.run(["push", "--remote", plain], in: first.root).status == 0)
        let unlisted = LeptonBinary.run(["remote", "gc", "--remote", plain], in: first.root)
        #expect(unlisted.status == 1, "\(unlisted.output)")
        #expect(
            unlisted.output.contains("cannot list what it holds") && unlisted.output.contains("nothing was removed"))
    }
}
