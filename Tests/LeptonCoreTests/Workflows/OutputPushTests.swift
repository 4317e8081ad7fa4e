import LeptonCore
import LeptonSystem
import Synchronization
import Testing
import _LeptonTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A store whose blob uploads take a while, counting how many are under way at once.
private final class SlowStore: BlobStore {
    let inner = FakeBlobStore()
    private let inFlight = Mutex((now: 0, most: 0))

    var location: String { inner.location }
    var mostAtOnce: Int { inFlight.withLock { $0.most } }

    func size(of namespace: BlobNamespace, _ key: String) throws(RemoteError) -> Int64? {
        try inner.size(of: namespace, key)
    }

    func get(
        _ namespace: BlobNamespace, _ key: String, into sink: (UnsafeRawBufferPointer) -> Bool
    ) throws(RemoteError) -> Bool { try inner.get(namespace, key, into: sink) }

    func put(_ namespace: BlobNamespace, _ key: String, file path: String, size: Int64) throws(RemoteError) {
        inFlight.withLock {
            $0.now += 1
            $0.most = max($0.most, $0.now)
        }
        defer { inFlight.withLock { $0.now -= 1 } }
        usleep(20_000)
        try inner.put(namespace, key, file: path, size: size)
    }

    func put(_ namespace: BlobNamespace, _ key: String, bytes: [UInt8]) throws(RemoteError) {
        try inner.put(namespace, key, bytes: bytes)
    }

    func list(_ namespace: BlobNamespace) throws(RemoteError) -> [RemoteBlob] { try inner.list(namespace) }

    func delete(_ namespace: BlobNamespace, _ key: String) throws(RemoteError) { try inner.delete(namespace, key) }
}

/// `lepton push` uploads several stages at once (issue 15: pushes ran one blob at a time, 0.61x of
/// `curl -T --parallel`) and still reports them in order.
struct OutputPushTests {
    @Test func stagesUploadSeveralAtOnceAndAreReportedInOrderWithTheirOwnBytes() throws {
        let package = TemporaryPackage("push")
        let cache = ArtifactCache(directory: package.workspace.cacheDirectory)
        var records: [(String, StageRecord)] = []
        for index in 0..<12 {
            let text = String(repeating: "x", count: index + 1)
            let digest = try cache.storeBytes(Array(text.utf8))
            let key = ContentHash.of(text: "key \(index)")
            records.append(
                (
                    "s\(index)",
                    StageRecord(key: key, command: "c", outputs: ["out/\(index)": .init(kind: .file, digest: digest)])
                ))
        }
        // One stage whose output this machine never had.
        records.insert(
            (
                "missing",
                StageRecord(
                    key: ContentHash.of(text: "missing"), command: "c",
                    outputs: ["m": .init(kind: .file, digest: ContentHash.of(text: "never stored"))])
            ), at: 5)
        let store = SlowStore()
        let remote = RemoteCache(store: store, local: cache, uploads: true, width: 8)
        let heard = Mutex<[(String, OutputPush.Outcome)]>([])
        OutputPush(workspace: package.workspace, remote: remote).push(records) { name, outcome in
            heard.withLock { $0.append((name, outcome)) }
        }
        let outcomes = heard.withLock { $0 }
        #expect(outcomes.map(\.0) == records.map(\.0))
        for (name, outcome) in outcomes {
            if name == "missing" {
                #expect(outcome == .notInLocalCache)
            } else {
                let index = try #require(Int(name.dropFirst()))
                #expect(outcome == .pushed(bytes: Int64(index + 1)), "\(name)")
            }
        }
        #expect(store.inner.keys.filter { $0.hasPrefix("ac/") }.count == 12)
        #expect(store.mostAtOnce > 1, "one blob at a time")
        #expect(store.mostAtOnce <= 8, "more transfers than the remote's width")
    }
}
