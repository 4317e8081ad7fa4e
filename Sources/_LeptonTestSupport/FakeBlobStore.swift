import LeptonCore
import LeptonSystem
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// An in-memory ``BlobStore`` that records every request and injects faults on demand: the
/// remote-cache equivalent of ``FakeProcessRunner``.
public final class FakeBlobStore: BlobStore {
    public enum Fault: Sendable {
        /// The next matching requests fail with this error.
        case fail(RemoteError)
        /// The next matching downloads deliver their bytes with the first one flipped.
        case corrupt
        /// The next matching downloads deliver only their first half (and no error).
        case truncate
    }

    private struct State {
        var blobs: [String: [UInt8]] = [:]
        var modified: [String: Int] = [:]
        var log: [String] = []
        var faults: [(match: String, fault: Fault, remaining: Int)] = []
    }
    private let state = Mutex(State())

    public init() {}

    public var location: String { "fake://cache" }

    /// Requests so far, as `METHOD ns/key`.
    public var log: [String] { state.withLock { $0.log } }

    public func clearLog() { state.withLock { $0.log.removeAll() } }

    /// Stored blob keys (`ns/key`).
    public var keys: [String] { state.withLock { Array($0.blobs.keys).sorted() } }

    public func blob(_ namespace: BlobNamespace, _ key: String) -> [UInt8]? {
        state.withLock { $0.blobs["\(namespace.rawValue)/\(key)"] }
    }

    public func setBlob(_ namespace: BlobNamespace, _ key: String, _ bytes: [UInt8]?) {
        state.withLock {
            $0.blobs["\(namespace.rawValue)/\(key)"] = bytes
            $0.modified["\(namespace.rawValue)/\(key)"] = bytes == nil ? nil : Int(time(nil))
        }
    }

    /// Backdates (or forward-dates) when the store says it wrote a blob.
    public func setModified(_ namespace: BlobNamespace, _ key: String, _ seconds: Int) {
        state.withLock { $0.modified["\(namespace.rawValue)/\(key)"] = seconds }
    }

    /// Sets every blob's modification time.
    public func setAllModified(_ seconds: Int) {
        state.withLock { state in for key in state.blobs.keys { state.modified[key] = seconds } }
    }

    public func list(_ namespace: BlobNamespace) throws(RemoteError) -> [RemoteBlob] {
        if case .fail(let error) = take("LIST \(namespace.rawValue)/") { throw error }
        let prefix = namespace.rawValue + "/"
        return state.withLock { state in
            state.blobs.filter { $0.key.hasPrefix(prefix) }.map {
                RemoteBlob(
                    key: String($0.key.dropFirst(prefix.count)), size: Int64($0.value.count),
                    modified: state.modified[$0.key])
            }.sorted { $0.key < $1.key }
        }
    }

    public func delete(_ namespace: BlobNamespace, _ key: String) throws(RemoteError) {
        if case .fail(let error) = take("DELETE \(namespace.rawValue)/\(key)") { throw error }
        setBlob(namespace, key, nil)
    }

    /// Injects `fault` into the next `count` requests whose `METHOD ns/key` contains `match`.
    public func inject(_ fault: Fault, matching match: String = "", count: Int = 1) {
        state.withLock { $0.faults.append((match, fault, count)) }
    }

    private func take(_ request: String) -> Fault? {
        state.withLock { state in
            state.log.append(request)
            guard let index = state.faults.firstIndex(where: { $0.remaining > 0 && request.contains($0.match) }) else {
                return nil
            }
            state.faults[index].remaining -= 1
            return state.faults[index].fault
        }
    }

    public func size(of namespace: BlobNamespace, _ key: String) throws(RemoteError) -> Int64? {
        if case .fail(let error) = take("HEAD \(namespace.rawValue)/\(key)") { throw error }
        return blob(namespace, key).map { Int64($0.count) }
    }

    public func get(
        _ namespace: BlobNamespace, _ key: String, into sink: (UnsafeRawBufferPointer) -> Bool
    ) throws(RemoteError) -> Bool {
        let fault = take("GET \(namespace.rawValue)/\(key)")
        if case .fail(let error) = fault { throw error }
        guard var bytes = blob(namespace, key) else { return false }
        switch fault {
        case .corrupt where !bytes.isEmpty: bytes[0] ^= 0xFF
        case .truncate: bytes = Array(bytes.prefix(bytes.count / 2))
        default: break
        }
        // Two chunks, as a network would deliver them.
        let half = bytes.count / 2
        for chunk in [bytes[..<half], bytes[half...]] where !chunk.isEmpty {
            let accepted = Array(chunk).withUnsafeBytes { sink($0) }
            if !accepted { throw RemoteError(.other, "the sink refused the bytes") }
        }
        return true
    }

    public func put(_ namespace: BlobNamespace, _ key: String, file path: String, size: Int64) throws(RemoteError) {
        if case .fail(let error) = take("PUT \(namespace.rawValue)/\(key)") { throw error }
        guard let bytes = try? PosixFileSystem().read(path) else { throw RemoteError(.other, "cannot read \(path)") }
        setBlob(namespace, key, bytes)
    }

    public func put(_ namespace: BlobNamespace, _ key: String, bytes: [UInt8]) throws(RemoteError) {
        if case .fail(let error) = take("PUT \(namespace.rawValue)/\(key)") { throw error }
        setBlob(namespace, key, bytes)
    }
}

/// Collects a ``RemoteCache``'s warnings.
public final class RecordingRemoteObserver: RemoteObserver {
    private let state = Mutex<([String], [TransferProgress])>(([], []))
    public init() {}
    public var warnings: [String] { state.withLock { $0.0 } }
    public var progress: [TransferProgress] { state.withLock { $0.1 } }
    public func remoteWarning(_ message: String) { state.withLock { $0.0.append(message) } }
    public func transferProgress(_ progress: TransferProgress) { state.withLock { $0.1.append(progress) } }
}
