import LeptonCore
import LeptonSystem

/// The package's named remote caches, in `Lepton.config` beside the Leptonfile (committed, so
/// every clone and CI job finds the team's cache). It holds URLs only: credentials come from the
/// environment or netrc, and whether a command may upload is decided per invocation
/// (`--remote-upload`, `LEPTON_REMOTE_UPLOAD`), never by a file a pull request could edit.
public struct RemoteConfiguration: Sendable, Equatable {
    public static let fileName = "Lepton.config"

    public struct Remote: Sendable, Equatable {
        public var name: String
        public var url: String
    }

    public var remotes: [Remote] = []
    /// The remote used when none is named; the first one added unless changed.
    public var defaultRemote: String?

    public init() {}

    public static func path(in root: String) -> String { RelativePath.join(root, fileName) }

    /// Reads the configuration; an empty one when the file does not exist.
    ///
    /// - Throws: ``LeptonError`` naming the file when it is not valid.
    public static func load(root: String) throws(LeptonError) -> RemoteConfiguration {
        let path = path(in: root)
        let fileSystem = PosixFileSystem()
        guard fileSystem.status(path) != nil else { return RemoteConfiguration() }
        let bytes = try fileSystem.read(path)
        func invalid(_ reason: String) -> LeptonError {
            LeptonError(
                .usage,
                "\(path) is not a valid Lepton configuration: \(reason). Fix it, or recreate it with `lepton remote add`"
            )
        }
        let json: JSON
        do throws(JSONParseError) {
            json = try JSON.parse(bytes)
        } catch {
            throw invalid(error.description)
        }
        guard json["version"]?.intValue == 1 else { throw invalid("\"version\" must be 1") }
        var configuration = RemoteConfiguration()
        for (name, value) in (json["remotes"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard let url = value["url"]?.stringValue else { throw invalid("remote '\(name)' has no \"url\"") }
            if let problem = RemoteConfiguration.problem(url: url) { throw invalid("remote '\(name)': \(problem)") }
            configuration.remotes.append(Remote(name: name, url: url))
        }
        configuration.defaultRemote = json["default"]?.stringValue
        if let name = configuration.defaultRemote, configuration.remote(named: name) == nil {
            throw invalid("the default remote '\(name)' is not among \"remotes\"")
        }
        return configuration
    }

    /// Writes the remotes, keeping every other section of the file (the executor's) as it is.
    public func save(root: String) throws(LeptonError) {
        var remotes: [String: JSON] = [:]
        for remote in self.remotes { remotes[remote.name] = .object(["url": .string(remote.url)]) }
        let path = RemoteConfiguration.path(in: root)
        var object = ((try? PosixFileSystem().read(path)).flatMap { try? JSON.parse($0) })?.objectValue ?? [:]
        object["version"] = .int(1)
        object["remotes"] = .object(remotes)
        object["default"] = defaultRemote.map { .string($0) }
        try PosixFileSystem().writeAtomically(
            Array((JSON.object(object).prettyText + "\n").utf8), to: RemoteConfiguration.path(in: root), durable: true)
    }

    public func remote(named name: String) -> Remote? { remotes.first { $0.name == name } }

    /// Adds or replaces a remote; the first one becomes the default.
    ///
    /// - Throws: ``LeptonError/Code/usage`` for a bad name or URL (one with credentials in it).
    public mutating func add(name: String, url: String, makeDefault: Bool) throws(LeptonError) {
        guard !name.isEmpty,
            name.utf8.allSatisfy({
                $0 == 45 || $0 == 95 || $0 == 46 || (48...57).contains($0) || (65...90).contains($0)
                    || (97...122).contains($0)
            })
        else {
            throw LeptonError(.usage, "remote name '\(name)' must use letters, digits, '-', '_' or '.'")
        }
        if let problem = RemoteConfiguration.problem(url: url) { throw LeptonError(.usage, problem) }
        remotes.removeAll { $0.name == name }
        remotes.append(Remote(name: name, url: url))
        remotes.sort { $0.name < $1.name }
        if makeDefault || defaultRemote == nil { defaultRemote = name }
    }

    /// Removes a remote; false when there is none by that name.
    public mutating func remove(name: String) -> Bool {
        guard remote(named: name) != nil else { return false }
        remotes.removeAll { $0.name == name }
        if defaultRemote == name { defaultRemote = remotes.first?.name }
        return true
    }

    /// Why a URL cannot be a remote cache, nil when it can.
    public static func problem(url: String) -> String? {
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
            return "'\(url)' is not an http:// or https:// URL"
        }
        let afterScheme = url.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false)
        let authority = afterScheme.count > 2 ? afterScheme[2] : ""
        if authority.isEmpty { return "'\(url)' has no host" }
        if authority.contains("@") {
            return
                "'\(url)' contains credentials; Lepton never stores them. Remove them from the URL and set LEPTON_REMOTE_TOKEN, or LEPTON_REMOTE_USER and LEPTON_REMOTE_PASSWORD, or a ~/.netrc entry"
        }
        if url.contains("?") || url.contains("#") { return "'\(url)' must not have a query or fragment" }
        return nil
    }
}
