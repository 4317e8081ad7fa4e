import LeptonCore
import LeptonSystem

/// Which remote cache a command uses and how, from its flags, the environment and
/// `Lepton.config`, in that order.
public struct RemoteSelection: Sendable, Equatable {
    /// The remote's name in `Lepton.config`, nil for a URL given directly.
    public var name: String?
    public var url: String
    /// Whether this command may upload (`--remote-upload` or `LEPTON_REMOTE_UPLOAD=1`).
    public var uploads: Bool

    /// Resolves the remote: `--remote NAME|URL`, else `LEPTON_REMOTE_URL`, else the default in
    /// `Lepton.config`; nil when there is none or `--no-remote` was given.
    ///
    /// - Throws: ``LeptonError/Code/usage`` for an unknown name or a bad URL.
    public static func resolve(
        root: String, flag: String?, disabled: Bool, uploadFlag: Bool, environment: [String: String]
    ) throws(LeptonError) -> RemoteSelection? {
        if disabled { return nil }
        let uploads =
            uploadFlag || ["1", "true", "yes"].contains(environment["LEPTON_REMOTE_UPLOAD"]?.lowercased() ?? "")
        if let flag {
            if flag.contains("://") {
                if let problem = RemoteConfiguration.problem(url: flag) { throw LeptonError(.usage, problem) }
                return RemoteSelection(name: nil, url: flag, uploads: uploads)
            }
            let configuration = try RemoteConfiguration.load(root: root)
            guard let remote = configuration.remote(named: flag) else {
                let known = configuration.remotes.map(\.name)
                throw LeptonError(
                    .usage,
                    "no remote named '\(flag)' in \(RemoteConfiguration.fileName)"
                        + (known.isEmpty
                            ? "; add one with `lepton remote add \(flag) URL`"
                            : " (it has: \(known.joined(separator: ", ")))"))
            }
            return RemoteSelection(name: remote.name, url: remote.url, uploads: uploads)
        }
        if let url = environment["LEPTON_REMOTE_URL"], !url.isEmpty {
            if let problem = RemoteConfiguration.problem(url: url) {
                throw LeptonError(.usage, "LEPTON_REMOTE_URL: \(problem)")
            }
            return RemoteSelection(name: nil, url: url, uploads: uploads)
        }
        let configuration = try RemoteConfiguration.load(root: root)
        guard let name = configuration.defaultRemote, let remote = configuration.remote(named: name) else { return nil }
        return RemoteSelection(name: remote.name, url: remote.url, uploads: uploads)
    }

    /// A remote cache client for this selection in front of `local`, tuned by
    /// `LEPTON_REMOTE_TRANSFERS` (parallel transfers, default 8), `LEPTON_REMOTE_RETRIES` (tries
    /// per request, default 4) and `LEPTON_REMOTE_TIMEOUT` (seconds without progress, default 30).
    public func makeCache(
        local: ArtifactCache, environment: [String: String], observer: (any RemoteObserver)?
    ) throws(RemoteError) -> RemoteCache {
        func number(_ name: String) -> Int? { environment[name].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil } }
        let store = try HTTPBlobStore(
            url: url, credentials: RemoteCredentials.fromEnvironment(environment),
            stallTimeout: number("LEPTON_REMOTE_TIMEOUT") ?? 30)
        let retry = RetryPolicy(
            attempts: number("LEPTON_REMOTE_RETRIES") ?? 4,
            initialDelay: environment["LEPTON_REMOTE_RETRY_DELAY"].flatMap(Double.init) ?? 0.25)
        return RemoteCache(
            store: store, local: local, uploads: uploads, width: number("LEPTON_REMOTE_TRANSFERS") ?? 8, retry: retry,
            observer: observer)
    }
}
