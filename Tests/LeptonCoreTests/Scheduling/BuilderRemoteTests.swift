import Dispatch
import LeptonCore
import Synchronization
import Testing
import _LeptonTestSupport

/// prepare -> train -> evaluate on one "machine" (a package with its own local cache).
private func machine() -> EngineHarness {
    let harness = EngineHarness(stages: [
        stage("prepare", inputs: ["raw.csv"], outputs: ["clean.csv"]),
        stage("train", inputs: ["clean.csv"], params: ["train.lr"], outputs: ["model.bin"]),
        stage("evaluate", inputs: ["model.bin"], outputs: ["report.txt"]),
    ])
    let package = harness.package
    package.write("raw.csv", "b\na\n")
    package.write("params.yaml", "train:\n  lr: 0.01\n")
    harness.runner.on("prepare", harness.transforms("raw.csv", to: "clean.csv") { String($0.sorted()) })
    harness.runner.on("train") { _ in
        guard let clean = package.read("clean.csv"), let params = package.read("params.yaml") else { return 1 }
        package.write("model.bin", "model(\(clean), \(params))")
        return 0
    }
    harness.runner.on("evaluate", harness.transforms("model.bin", to: "report.txt") { "size \($0.count)" })
    return harness
}

private func options(_ store: FakeBlobStore, _ harness: EngineHarness, uploads: Bool) -> BuildOptions {
    var options = BuildOptions()
    options.remote = RemoteCache(
        store: store, local: ArtifactCache(directory: harness.package.workspace.cacheDirectory), uploads: uploads,
        retry: RetryPolicy(attempts: 2, initialDelay: 0))
    return options
}

struct BuilderRemoteTests {
    @Test func aSecondMachineRestoresEverythingAndDownloadsOnlyWhatItNeeds() throws {
        let store = FakeBlobStore()
        let first = machine()
        #expect(try first.ranStages(options(store, first, uploads: true)) == ["prepare", "train", "evaluate"])
        #expect(store.keys.filter { $0.hasPrefix("ac/") }.count == 3)
        store.clearLog()

        let second = machine()
        let summary = try second.build(options(store, second, uploads: false))
        #expect(second.runner.ran.isEmpty)
        #expect(
            summary.outcome(of: "prepare") == .restored(reasons: [.newStage], from: .remote(bytes: 0, deferred: true)))
        guard case .restored(_, .remote(_, deferred: false))? = summary.outcome(of: "evaluate") else {
            Issue.record("evaluate was not downloaded: \(String(describing: summary.outcome(of: "evaluate")))")
            return
        }
        #expect(second.package.read("report.txt") == first.package.read("report.txt"))
        // Intermediates nothing needed stayed on the server.
        #expect(!second.package.exists("clean.csv") && !second.package.exists("model.bin"))
        #expect(!store.log.contains { $0.hasPrefix("PUT") })
    }

    @Test func aStageThatRunsFirstDownloadsTheInputsLeftOnTheServer() throws {
        let store = FakeBlobStore()
        let first = machine()
        try first.build(options(store, first, uploads: true))
        let second = machine()
        second.package.write("params.yaml", "train:\n  lr: 0.02\n")
        #expect(try second.ranStages(options(store, second, uploads: false)) == ["train", "evaluate"])
        #expect(second.package.read("clean.csv") == first.package.read("clean.csv"))
        #expect(second.package.read("model.bin")?.contains("0.02") == true)
    }

    @Test func forcedStagesRunAndDownloadAllDownloadsEverything() throws {
        let store = FakeBlobStore()
        let first = machine()
        try first.build(options(store, first, uploads: true))
        let second = machine()
        var all = options(store, second, uploads: false)
        all.remoteDownloadAll = true
        all.force = ["evaluate"]
        #expect(try second.ranStages(all) == ["evaluate"])
        #expect(second.package.exists("clean.csv") && second.package.exists("model.bin"))
    }

    @Test func aTransientlyCorruptBlobIsDownloadedAgain() throws {
        let store = FakeBlobStore()
        let first = machine()
        try first.build(options(store, first, uploads: true))
        let second = machine()
        store.inject(.corrupt, matching: "GET cas/", count: 1)
        let observer = RecordingObserver()
        try second.build(options(store, second, uploads: false), observer: observer)
        #expect(second.runner.ran.isEmpty)
        #expect(second.package.read("report.txt") == first.package.read("report.txt"))
    }

    @Test func aBlobThatStaysCorruptNeverReachesTheWorkspace() throws {
        let store = FakeBlobStore()
        let first = machine()
        try first.build(options(store, first, uploads: true))
        let second = machine()
        store.inject(.corrupt, matching: "GET cas/", count: 1000)
        let observer = RecordingObserver()
        let summary = try second.build(options(store, second, uploads: false), observer: observer)
        // evaluate's own output and then its input (left on the server by train) cannot be had
        // intact: it fails with a clear message, and nothing corrupt is in the workspace.
        guard case .failed(let failure)? = summary.outcome(of: "evaluate") else {
            Issue.record("evaluate did not fail: \(String(describing: summary.outcome(of: "evaluate")))")
            return
        }
        #expect(failure.message.contains("from stage 'train' could not be downloaded"))
        #expect(observer.warnings.contains { $0.contains("corrupt or truncated") })
        #expect(!second.package.exists("report.txt") && !second.package.exists("model.bin"))
        #expect(second.runner.ran.isEmpty)
    }

    @Test func anUnreachableRemoteBuildsLocally() throws {
        let store = FakeBlobStore()
        store.inject(.fail(RemoteError(.unreachable, "connection refused")), count: 1000)
        let harness = machine()
        let observer = RecordingObserver()
        var options = options(store, harness, uploads: true)
        options.remote = RemoteCache(
            store: store, local: ArtifactCache(directory: harness.package.workspace.cacheDirectory), uploads: true,
            retry: RetryPolicy(attempts: 2, initialDelay: 0), observer: nil)
        let summary = try harness.build(options, observer: observer)
        #expect(!summary.failed)
        #expect(harness.runner.ran.count == 3)
        #expect(options.remote?.unavailable != nil)
    }
}

/// A store whose entry uploads wait (up to 5 s) until `release()`: shows whether a build waits
/// for uploads before running the next stage.
private final class GatedStore: BlobStore {
    let inner = FakeBlobStore()
    let gate = DispatchSemaphore(value: 0)
    let events = Mutex<[String]>([])

    var location: String { inner.location }
    func release() {
        events.withLock { $0.append("released") }
        gate.signal()
    }
    func size(of namespace: BlobNamespace, _ key: String) throws(RemoteError) -> Int64? {
        try inner.size(of: namespace, key)
    }
    func get(
        _ namespace: BlobNamespace, _ key: String, into sink: (UnsafeRawBufferPointer) -> Bool
    ) throws(RemoteError) -> Bool {
        try inner.get(namespace, key, into: sink)
    }
    func put(_ namespace: BlobNamespace, _ key: String, file path: String, size: Int64) throws(RemoteError) {
        try inner.put(namespace, key, file: path, size: size)
    }
    func put(_ namespace: BlobNamespace, _ key: String, bytes: [UInt8]) throws(RemoteError) {
        if events.withLock({ $0.isEmpty }) {
            _ = gate.wait(timeout: .now() + 5)
        }
        events.withLock { $0.append("uploaded entry") }
        try inner.put(namespace, key, bytes: bytes)
    }
}

struct BuilderUploadTests {
    @Test func dependentsDoNotWaitForUploadsButTheBuildDoes() throws {
        let store = GatedStore()
        let harness = machine()
        harness.runner.on("train") { _ in
            store.release()
            harness.package.write("model.bin", "model")
            return 0
        }
        var options = BuildOptions(jobs: 1)
        options.remote = RemoteCache(
            store: store, local: ArtifactCache(directory: harness.package.workspace.cacheDirectory), uploads: true,
            retry: RetryPolicy(attempts: 1, initialDelay: 0))
        let summary = try harness.build(options)
        #expect(!summary.failed)
        // train ran while prepare's upload was still waiting; all three entries were uploaded
        // before build() returned.
        #expect(store.events.withLock { $0 }.first == "released")
        #expect(store.inner.keys.filter { $0.hasPrefix("ac/") }.count == 3)
    }
}
