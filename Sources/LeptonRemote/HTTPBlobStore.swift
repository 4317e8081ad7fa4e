import CLeptonHTTP
import LeptonCore
import LeptonSystem
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A ``BlobStore`` over HTTP(S): the cache layout of Bazel's remote caches (bazel-remote,
/// nginx with WebDAV, …) at `<base>/cas/<digest>` and `<base>/ac/<key>`.
///
/// Requests go through libcurl, loaded on first use (see `docs/Design/RemoteCache.md` for why):
/// one handle per concurrent transfer, each keeping its connection alive between requests.
public final class HTTPBlobStore: BlobStore {
    public let base: String
    public let credentials: RemoteCredentials
    /// Seconds to establish a connection.
    public let connectTimeout: Double
    /// Seconds without a byte moving before a transfer is abandoned (and retried).
    public let stallTimeout: Int
    private let idle = Mutex<[HandleBox]>([])

    /// - Throws: ``RemoteError`` when libcurl cannot be loaded.
    public init(
        url: String, credentials: RemoteCredentials, connectTimeout: Double = 10, stallTimeout: Int = 30
    ) throws(RemoteError) {
        var error = [CChar](repeating: 0, count: 512)
        guard lepton_http_load(&error, error.count) == 0 else {
            let reason = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw RemoteError(
                .other,
                "the remote cache needs libcurl: \(reason). Install it (Debian/Ubuntu: apt-get install libcurl4)")
        }
        var trimmed = url
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        self.base = trimmed
        self.credentials = credentials
        self.connectTimeout = connectTimeout
        self.stallTimeout = stallTimeout
    }

    deinit {
        for box in idle.withLock({ $0 }) { lepton_http_handle_destroy(box.handle) }
    }

    public var location: String { base }

    public func size(of namespace: BlobNamespace, _ key: String) throws(RemoteError) -> Int64? {
        let result = try perform("HEAD", namespace, key) { _ in }
        if result.status == 404 { return nil }
        try check(result, "HEAD", namespace, key)
        return max(0, result.content_length)
    }

    public func get(
        _ namespace: BlobNamespace, _ key: String, into sink: (UnsafeRawBufferPointer) -> Bool
    ) throws(RemoteError) -> Bool {
        try withoutActuallyEscaping(sink) { escapable throws(RemoteError) -> Bool in
            let box = SinkBox(escapable)
            let context = Unmanaged.passUnretained(box).toOpaque()
            let result = try perform("GET", namespace, key) { request in
                request.sink = { data, size, context in
                    guard let context else { return 0 }
                    let box = Unmanaged<SinkBox>.fromOpaque(context).takeUnretainedValue()
                    return box.sink(UnsafeRawBufferPointer(start: data, count: size)) ? 1 : 0
                }
                request.sink_context = context
            }
            withExtendedLifetime(box) {}
            if result.status == 404 { return false }
            try check(result, "GET", namespace, key)
            return true
        }
    }

    public func put(_ namespace: BlobNamespace, _ key: String, file path: String, size: Int64) throws(RemoteError) {
        let file: FileDescriptor
        do throws(LeptonError) {
            file = try PosixFileSystem().open(path, .read)
        } catch {
            throw RemoteError(.other, error.message)
        }
        let result = try perform("PUT", namespace, key) { request in
            request.upload_fd = file.raw
            request.upload_size = size
        }
        try check(result, "PUT", namespace, key)
    }

    public func put(_ namespace: BlobNamespace, _ key: String, bytes: [UInt8]) throws(RemoteError) {
        let outcome = bytes.withUnsafeBytes { buffer in
            Result { () throws(RemoteError) in
                try perform("PUT", namespace, key) { request in
                    request.upload_bytes = buffer.baseAddress
                    request.upload_size = Int64(buffer.count)
                }
            }
        }
        try check(try outcome.get(), "PUT", namespace, key)
    }

    /// Lists a namespace folder: WebDAV `PROPFIND` (Depth 1), else nginx's JSON autoindex
    /// (`autoindex on; autoindex_format json;`). A folder not created yet is empty.
    ///
    /// - Throws: ``RemoteError`` saying what the server needs when it offers neither.
    public func list(_ namespace: BlobNamespace) throws(RemoteError) -> [RemoteBlob] {
        var body: [UInt8] = []
        let found = try collect("PROPFIND", namespace, header: "Depth: 1", into: &body)
        if found.status == 404 { return [] }
        if found.status == 207 { return RemoteListing.multistatus(String(decoding: body, as: UTF8.self)) }
        if found.status == 401 || found.status == 403 { try check(found, "PROPFIND", namespace, "") }
        body.removeAll()
        let index = try collect("GET", namespace, header: nil, into: &body)
        if index.status == 404 { return [] }
        if (200..<300).contains(index.status), let blobs = RemoteListing.autoindex(body) { return blobs }
        if index.status == 401 { try check(index, "GET", namespace, "") }
        throw RemoteError(
            .other,
            "the remote cache at \(base) cannot list what it holds: it answered PROPFIND with \(found.status) and GET \(namespace.rawValue)/ with \(index.status). Serve it with WebDAV listings (nginx's dav-ext module, Apache mod_dav) or nginx's `autoindex on; autoindex_format json;`; bazel-remote evicts by size itself (--max_size)"
        )
    }

    public func delete(_ namespace: BlobNamespace, _ key: String) throws(RemoteError) {
        let result = try perform("DELETE", namespace, key) { _ in }
        if result.status == 404 { return }
        try check(result, "DELETE", namespace, key)
    }

    /// One request whose 2xx body is collected (at most 256 MiB).
    private func collect(
        _ method: String, _ namespace: BlobNamespace, header: String?, into body: inout [UInt8]
    ) throws(RemoteError) -> lepton_http_result {
        final class Collected { var bytes: [UInt8] = [] }
        let collected = Collected()
        let context = Unmanaged.passUnretained(collected).toOpaque()
        let outcome = (header ?? "").withCString { line in
            Result { () throws(RemoteError) in
                try perform(method, namespace, "") { request in
                    if header != nil { request.extra_header = line }
                    request.sink = { data, size, context in
                        guard let context, let data else { return 0 }
                        let box = Unmanaged<Collected>.fromOpaque(context).takeUnretainedValue()
                        box.bytes.append(contentsOf: UnsafeRawBufferPointer(start: data, count: size))
                        return box.bytes.count <= 256 << 20 ? 1 : 0
                    }
                    request.sink_context = context
                }
            }
        }
        withExtendedLifetime(collected) {}
        let result = try outcome.get()
        body = collected.bytes
        return result
    }

    // MARK: Requests

    private func url(_ namespace: BlobNamespace, _ key: String) -> String { "\(base)/\(namespace.rawValue)/\(key)" }

    /// Performs one request on an idle handle (or a new one); transport failures throw.
    private func perform(
        _ method: String, _ namespace: BlobNamespace, _ key: String,
        configure: (inout lepton_http_request) -> Void
    ) throws(RemoteError) -> lepton_http_result {
        let box = idle.withLock { $0.popLast() } ?? HandleBox(lepton_http_handle_create())
        var result = lepton_http_result()
        let target = url(namespace, key)
        method.withCString { method in
            target.withCString { target in
                credentials.withCStrings { authorization, userPassword, netrc in
                    var request = lepton_http_request()
                    request.method = method
                    request.url = target
                    request.authorization = authorization
                    request.user_password = userPassword
                    request.netrc_file = netrc
                    request.use_netrc = credentials.useNetrc ? 1 : 0
                    request.upload_fd = -1
                    request.connect_timeout_ms = Int(connectTimeout * 1000)
                    request.stall_timeout_s = stallTimeout
                    configure(&request)
                    lepton_http_perform(box.handle, &request, &result)
                }
            }
        }
        idle.withLock { $0.append(box) }
        if result.transport_code != 0 {
            let message = withUnsafeBytes(of: result.message) { bytes in
                String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
            }
            // 23: the sink refused bytes (a local write failure), not a network problem.
            let kind: RemoteError.Kind = result.transport_code == 23 ? .other : .unreachable
            throw RemoteError(kind, "\(method) \(target) failed: \(message)")
        }
        return result
    }

    /// Turns an HTTP status into success or a classified error.
    private func check(
        _ result: lepton_http_result, _ method: String, _ namespace: BlobNamespace, _ key: String
    ) throws(RemoteError) {
        let status = result.status
        if (200..<300).contains(status) { return }
        let what = "\(method) \(url(namespace, key))"
        switch status {
        case 401, 403:
            throw RemoteError(
                .denied,
                "the remote cache refused \(what) (\(status) \(status == 401 ? "Unauthorized" : "Forbidden")): \(credentials.hint)"
            )
        case 404:
            throw RemoteError(.other, "\(what): 404 Not Found")
        case 507:
            throw RemoteError(.full, "the remote cache is out of storage (507 Insufficient Storage) for \(what)")
        case 500..<600:
            throw RemoteError(.server, "\(what): the server answered \(status)")
        default:
            throw RemoteError(.other, "\(what): unexpected answer \(status)")
        }
    }
}

/// A libcurl handle, used by one transfer at a time.
private final class HandleBox: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer?
    init(_ handle: UnsafeMutableRawPointer?) { self.handle = handle }
}

private final class SinkBox {
    let sink: (UnsafeRawBufferPointer) -> Bool
    init(_ sink: @escaping (UnsafeRawBufferPointer) -> Bool) { self.sink = sink }
}
