import LeptonCore
import LeptonRemote
import LeptonSystem
import Testing
import _LeptonTestSupport

#if canImport(Glibc)
    import Glibc
#endif

private let digest = ContentHash.of(text: "hello remote\n")
private let bytes = Array("hello remote\n".utf8)

private func store(
    _ server: RemoteServer, _ location: String = "cache", proxy: Bool = false,
    credentials: RemoteCredentials = RemoteCredentials(), stall: Int = 30
) throws -> HTTPBlobStore {
    try HTTPBlobStore(url: server.url(location, proxy: proxy), credentials: credentials, stallTimeout: stall)
}

private func download(_ store: HTTPBlobStore, _ namespace: BlobNamespace, _ key: String) throws -> [UInt8]? {
    var received: [UInt8] = []
    let found = try store.get(namespace, key) { chunk in
        received += chunk
        return true
    }
    return found ? received : nil
}

/// The error `body` throws, nil when it succeeds.
private func failure(_ body: () throws(RemoteError) -> Void) -> RemoteError? {
    do throws(RemoteError) {
        try body()
        return nil
    } catch {
        return error
    }
}

/// HTTPBlobStore against nginx with WebDAV on loopback (started per test).
@Suite(.serialized)
struct HTTPBlobStoreTests {
    @Test func putGetAndHeadRoundTripAndAbsentBlobsAreNotErrors() throws {
        let server = try RemoteServer()
        let cache = try store(server)
        #expect(try cache.size(of: .cas, digest) == nil)
        #expect(try download(cache, .cas, digest) == nil)
        try cache.put(.cas, digest, bytes: bytes)
        #expect(try cache.size(of: .cas, digest) == Int64(bytes.count))
        #expect(try download(cache, .cas, digest) == bytes)
        #expect(PosixFileSystem().exists("\(server.dataDirectory)/cache/cas/\(digest)"))
    }

    @Test func largeFilesAreStreamedBothWays() throws {
        let server = try RemoteServer()
        let cache = try store(server)
        let package = TemporaryPackage("blob")
        let path = package.root + "/big.bin"
        var block = [UInt8](repeating: 0, count: 1 << 20)
        for index in block.indices { block[index] = UInt8(truncatingIfNeeded: index &* 31 &+ index >> 9) }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        for round in 0..<48 {
            block[0] = UInt8(round)
            _ = block.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        }
        close(descriptor)
        let expected = try ContentHash.ofFile(path)
        try cache.put(.cas, expected, file: path, size: 48 << 20)
        var stream = ContentHash.Stream()
        var total = 0
        var largestChunk = 0
        let found = try cache.get(.cas, expected) { chunk in
            stream.update(chunk)
            total += chunk.count
            largestChunk = max(largestChunk, chunk.count)
            return true
        }
        #expect(found && total == 48 << 20)
        #expect(stream.finalize() == expected)
        #expect(largestChunk <= 1 << 20, "bodies arrive in chunks, never whole")
    }

    @Test func credentialsFromTheEnvironmentOrNetrc() throws {
        let server = try RemoteServer()
        let anonymous = try store(server, "basic")
        let refused = failure { () throws(RemoteError) in try anonymous.put(.cas, digest, bytes: bytes) }
        #expect(refused?.kind == .denied)
        #expect(refused?.message.contains("401") == true && refused?.message.contains("LEPTON_REMOTE_TOKEN") == true)
        let basic = RemoteCredentials.fromEnvironment([
            "LEPTON_REMOTE_USER": "lepton", "LEPTON_REMOTE_PASSWORD": "pa55word",
        ])
        try store(server, "basic", credentials: basic).put(.cas, digest, bytes: bytes)
        let token = RemoteCredentials.fromEnvironment(["LEPTON_REMOTE_TOKEN": "s3cret"])
        try store(server, "token", credentials: token).put(.cas, digest, bytes: bytes)
        let wrongToken = RemoteCredentials.fromEnvironment(["LEPTON_REMOTE_TOKEN": "nope"])
        #expect(throws: RemoteError.self) { try store(server, "token", credentials: wrongToken).size(of: .cas, digest) }

        let package = TemporaryPackage("netrc")
        package.write(".netrc", "machine 127.0.0.1 login lepton password pa55word\n")
        chmod(package.root + "/.netrc", 0o600)
        let netrc = RemoteCredentials.fromEnvironment(["NETRC": package.root + "/.netrc"])
        #expect(try store(server, "basic", credentials: netrc).size(of: .cas, digest) == Int64(bytes.count))
    }

    @Test func refusalsAndFullDisksAreClassified() throws {
        let server = try RemoteServer()
        let readOnly = try store(server, "readonly")
        let forbidden = failure { () throws(RemoteError) in try readOnly.put(.cas, digest, bytes: bytes) }
        #expect(forbidden?.kind == .denied && forbidden?.message.contains("403") == true)
        let full = try store(server, "full")
        let noSpace = failure { () throws(RemoteError) in try full.put(.cas, digest, bytes: bytes) }
        #expect(noSpace?.kind == .full && noSpace?.message.contains("507") == true)
    }

    @Test func anUnreachableServerIsAConnectionError() throws {
        let closed = try HTTPBlobStore(url: "http://127.0.0.1:1/cache", credentials: RemoteCredentials())
        let error = failure { () throws(RemoteError) in _ = try closed.size(of: .cas, digest) }
        #expect(error?.kind == .unreachable && error?.isRetryable == true)
    }

    @Test func faultsThroughTheProxyAreRetriedOrDiscardedByTheRemoteCache() throws {
        let server = try RemoteServer()
        let direct = try store(server)
        try direct.put(.cas, digest, bytes: bytes)
        let package = TemporaryPackage("faults")
        let observer = RecordingRemoteObserver()
        let remote = RemoteCache(
            store: try store(server, proxy: true, stall: 1), local: ArtifactCache(directory: package.root + "/cache"),
            uploads: false, width: 2, retry: RetryPolicy(attempts: 6, initialDelay: 0.01), observer: observer)
        server.inject("error500", matching: "/cas/", method: "GET")
        server.inject("corrupt", matching: "/cas/", method: "GET")
        server.inject("truncate", matching: "/cas/", method: "GET")
        server.inject("delay", matching: "/cas/", method: "GET", seconds: 3)
        let downloaded = try remote.download([PathDigest(kind: .file, digest: digest)])
        #expect(downloaded == Int64(bytes.count))
        #expect(try PosixFileSystem().read(remote.local.objectPath(digest)) == bytes)
        #expect(remote.stats.corruptDownloads >= 1)
        #expect(remote.stats.retries == 4, "500, corrupt, truncated, stalled: \(remote.stats)")
        #expect(server.stats()["GET cas"] == 5)
    }
}

struct RemoteConfigurationTests {
    @Test func urlsWithCredentialsAreRefusedAndTheFileRoundTrips() throws {
        let package = TemporaryPackage("config")
        var configuration = RemoteConfiguration()
        #expect(throws: LeptonError.self) {
            try configuration.add(name: "team", url: "https://me:secret@cache.example.com", makeDefault: false)
        }
        #expect(throws: LeptonError.self) { try configuration.add(name: "team", url: "ftp://x", makeDefault: false) }
        try configuration.add(name: "team", url: "https://cache.example.com/lepton", makeDefault: false)
        try configuration.add(name: "ci", url: "http://10.0.0.1:8080", makeDefault: false)
        #expect(configuration.defaultRemote == "team")
        try configuration.save(root: package.root)
        #expect(try RemoteConfiguration.load(root: package.root) == configuration)
        #expect(package.read("Lepton.config")?.contains("secret") == false)
    }

    @Test func selectionPrefersTheFlagThenTheEnvironmentThenTheDefault() throws {
        let package = TemporaryPackage("select")
        var configuration = RemoteConfiguration()
        try configuration.add(name: "team", url: "https://team.example.com", makeDefault: true)
        try configuration.add(name: "other", url: "https://other.example.com", makeDefault: false)
        try configuration.save(root: package.root)
        func resolve(_ flag: String?, _ environment: [String: String] = [:], upload: Bool = false) throws
            -> RemoteSelection?
        {
            try RemoteSelection.resolve(
                root: package.root, flag: flag, disabled: false, uploadFlag: upload, environment: environment)
        }
        #expect(try resolve(nil)?.url == "https://team.example.com")
        #expect(try resolve(nil)?.uploads == false)
        #expect(try resolve(nil, ["LEPTON_REMOTE_URL": "http://env.example.com"])?.url == "http://env.example.com")
        #expect(
            try resolve("other", ["LEPTON_REMOTE_URL": "http://env.example.com"])?.url == "https://other.example.com")
        #expect(try resolve(nil, ["LEPTON_REMOTE_UPLOAD": "1"])?.uploads == true)
        #expect(try resolve(nil, upload: true)?.uploads == true)
        #expect(throws: LeptonError.self) { try resolve("nope") }
        #expect(
            try RemoteSelection.resolve(
                root: package.root, flag: nil, disabled: true, uploadFlag: false, environment: [:]) == nil)
    }
}
