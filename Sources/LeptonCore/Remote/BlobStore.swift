/// The two namespaces of the HTTP cache protocol Bazel's remote caches speak.
public enum BlobNamespace: String, Sendable {
    /// Content by SHA-256: `cas/<sha256-hex>`.
    case cas
    /// Run-cache entries by stage key: `ac/<key-hex>`.
    case ac
}

/// A remote blob store: `GET`, `PUT` and `HEAD` of `<base>/cas/<digest>` and `<base>/ac/<key>`.
///
/// Implementations perform single requests and classify failures; retries, verification and
/// parallelism belong to ``RemoteCache``, so they are tested once against fakes.
public protocol BlobStore: Sendable {
    /// Where the store is, for messages (never with credentials).
    var location: String { get }

    /// The blob's size in bytes, nil when the store does not have it.
    func size(of namespace: BlobNamespace, _ key: String) throws(RemoteError) -> Int64?

    /// Streams a blob into `sink` (which returns false to abort); false when the store does not
    /// have it. A retried call starts over with a fresh sink.
    func get(
        _ namespace: BlobNamespace, _ key: String, into sink: (UnsafeRawBufferPointer) -> Bool
    ) throws(RemoteError) -> Bool

    /// Stores a file's content (streamed, never read into memory).
    func put(_ namespace: BlobNamespace, _ key: String, file path: String, size: Int64) throws(RemoteError)

    /// Stores a small blob.
    func put(_ namespace: BlobNamespace, _ key: String, bytes: [UInt8]) throws(RemoteError)

    /// Every blob of a namespace (for `lepton remote gc`); a store that cannot list throws.
    func list(_ namespace: BlobNamespace) throws(RemoteError) -> [RemoteBlob]

    /// Removes a blob; one that is already gone is no error. A store that cannot delete throws.
    func delete(_ namespace: BlobNamespace, _ key: String) throws(RemoteError)
}

/// One blob a store's listing found.
public struct RemoteBlob: Sendable, Equatable {
    public var key: String
    public var size: Int64
    /// When the store last wrote it, in seconds since 1970, if it says.
    public var modified: Int?

    public init(key: String, size: Int64, modified: Int?) {
        self.key = key
        self.size = size
        self.modified = modified
    }
}

extension BlobStore {
    public func list(_ namespace: BlobNamespace) throws(RemoteError) -> [RemoteBlob] {
        throw RemoteError(.other, "the remote cache at \(location) cannot list what it holds")
    }

    public func delete(_ namespace: BlobNamespace, _ key: String) throws(RemoteError) {
        throw RemoteError(.other, "the remote cache at \(location) cannot delete blobs")
    }
}

/// Why a remote request failed.
public struct RemoteError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// No connection, a timeout or a connection lost mid-transfer (retried).
        case unreachable
        /// The server answered 5xx other than 507 (retried).
        case server
        /// A download's bytes do not match its digest (retried, then a miss).
        case corrupt
        /// 401 or 403: credentials missing or refused.
        case denied
        /// 507: the server is out of storage.
        case full
        /// Anything else (another status, a local file error).
        case other
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// Whether trying again may help.
    public var isRetryable: Bool { kind == .unreachable || kind == .server || kind == .corrupt }

    public var description: String { message }
}
