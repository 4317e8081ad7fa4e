import LeptonCore
import LeptonSystem

#if canImport(Glibc)
    import Glibc
#endif

/// A real remote cache for a test: nginx with WebDAV on loopback and a fault-injecting proxy in
/// front of it, started by `Tests/RemoteServer/remote-server.py` and stopped when the value is
/// dropped. See that script for the locations (`cache`, `basic`, `token`, `readonly`, `full`).
public final class RemoteServer: @unchecked Sendable {
    public let nginxPort: Int
    public let proxyPort: Int
    /// Where nginx keeps the blobs (`<data>/<location>/cas/<digest>`).
    public let dataDirectory: String
    private let daemon: ScriptDaemon

    public typealias StartError = ScriptDaemon.StartError

    /// The script, found from this source file's place in the package.
    public static var script: String { ScriptDaemon.script("RemoteServer/remote-server.py") }

    public init() throws {
        RemoteServer.installNginxIfPossible()
        daemon = try ScriptDaemon(
            script: RemoteServer.script,
            failure: "the remote cache server did not start (is nginx installed? apt-get install nginx)")
        guard let nginx = daemon.description["nginx"]?.intValue, let proxy = daemon.description["proxy"]?.intValue,
            let data = daemon.description["data"]?.stringValue
        else { throw StartError(description: "the remote cache server printed no ports") }
        nginxPort = nginx
        proxyPort = proxy
        dataDirectory = data
    }

    /// The base URL of a location, through the fault proxy or straight to nginx.
    public func url(_ location: String = "cache", proxy: Bool = true) -> String {
        "http://127.0.0.1:\(proxy ? proxyPort : nginxPort)/\(location)"
    }

    /// Injects a fault into the next `count` matching requests through the proxy.
    public func inject(
        _ mode: String, matching: String = "", method: String? = nil, count: Int = 1, seconds: Double = 0
    ) {
        var fields = [
            "\"mode\": \"\(mode)\"", "\"match\": \"\(matching)\"", "\"count\": \(count)", "\"seconds\": \(seconds)",
        ]
        if let method { fields.append("\"method\": \"\(method)\"") }
        _ = request("POST", "/_faults", body: "{" + fields.joined(separator: ", ") + "}")
    }

    /// Requests through the proxy by `METHOD namespace` (`GET cas`, `PUT ac`, …).
    public func stats() -> [String: Int] {
        guard let body = request("GET", "/_stats"), let json = try? JSON.parse(body) else { return [:] }
        return (json.objectValue ?? [:]).compactMapValues(\.intValue)
    }

    /// Clears faults and counts.
    public func reset() { _ = request("POST", "/_reset") }

    /// A minimal HTTP/1.0 request to the proxy's control endpoints; the response body.
    private func request(_ method: String, _ path: String, body: String = "") -> String? {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(proxyPort).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { return nil }
        let text = "\(method) \(path) HTTP/1.0\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
        _ = Array(text.utf8).withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, 0) }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count <= 0 { break }
            response += buffer[0..<count]
        }
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let start = response.indices.first(where: { response[$0...].starts(with: separator) }) else { return nil }
        return String(decoding: response[(start + 4)...], as: UTF8.self)
    }

    /// As root with apt-get and no nginx (a fresh CI machine), installs Debian's nginx.
    private static func installNginxIfPossible() {
        let fileSystem = PosixFileSystem()
        guard !fileSystem.exists("/usr/sbin/nginx"), geteuid() == 0, fileSystem.exists("/usr/bin/apt-get") else {
            return
        }
        _ = system(
            "apt-get install -y -qq nginx >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq nginx) >/dev/null 2>&1"
        )
    }
}
