import LeptonCore
import LeptonRemote
import LeptonSystem

/// Which remote cache a command uses and whether it must be reachable: ``RemoteOptions`` as
/// plain values, so that a command can be run without ArgumentParser's reflection.
struct RemoteChoice {
    /// `--remote`: a name from `Lepton.config` or a URL.
    var remote: String?
    /// `--no-remote`.
    var noRemote = false
    /// `--remote-required`.
    var required = false

    /// The configured remote, nil when there is none.
    ///
    /// - Throws: ``ExitCodes/invalid`` for a bad name or URL, ``ExitCodes/remoteUnavailable``
    ///   when `--remote-required` and the server cannot be reached.
    func selection(workspace: Workspace, console: Console, uploads: Bool = false) throws -> RemoteSelection? {
        do throws(LeptonError) {
            var selection = try RemoteSelection.resolve(
                root: workspace.root, flag: remote, disabled: noRemote, uploadFlag: uploads,
                environment: Environment.all)
            if uploads { selection?.uploads = true }
            return selection
        } catch {
            console.error(console.red("error: ") + error.message)
            throw ExitCodes.invalid
        }
    }

    /// A client for the configured remote; nil when there is none, or when it cannot be used and
    /// is not required (a warning says why).
    func open(
        workspace: Workspace, console: Console, observer: ConsoleRemoteObserver, uploads: Bool = false
    ) throws -> RemoteCache? {
        guard let selection = try selection(workspace: workspace, console: console, uploads: uploads) else {
            if required {
                console.error(
                    console.red("error: ")
                        + "--remote-required, but no remote cache is configured: add one with `lepton remote add NAME URL`, or set LEPTON_REMOTE_URL"
                )
                throw ExitCodes.invalid
            }
            return nil
        }
        let cache: RemoteCache
        do throws(RemoteError) {
            cache = try selection.makeCache(
                local: ArtifactCache(directory: workspace.cacheDirectory), environment: Environment.all,
                observer: observer)
            if required { try cache.checkReachable() }
        } catch {
            if required {
                console.error(
                    console.red("error: ") + "the remote cache is required (--remote-required): \(error.message)")
                throw ExitCodes.remoteUnavailable
            }
            console.error(console.yellow("warning: ") + "\(error.message); going on without the remote cache")
            return nil
        }
        return cache
    }

    /// A client for commands whose point is the remote (`push`, `pull`, `remote status`): none
    /// configured is a usage error (exit 2), one that cannot be used exits 4 with the reason.
    func openForTransfers(workspace: Workspace, console: Console, uploads: Bool = false) throws -> RemoteCache {
        guard let selection = try selection(workspace: workspace, console: console, uploads: uploads) else {
            console.error(
                console.red("error: ")
                    + "no remote cache is configured: add one with `lepton remote add NAME URL`, set LEPTON_REMOTE_URL, or pass --remote URL"
            )
            throw ExitCodes.invalid
        }
        do throws(RemoteError) {
            return try selection.makeCache(
                local: ArtifactCache(directory: workspace.cacheDirectory), environment: Environment.all,
                observer: ConsoleRemoteObserver(console: console))
        } catch {
            console.error(console.red("error: ") + error.message)
            throw ExitCodes.remoteUnavailable
        }
    }

    /// After a command: with `--remote-required`, a remote that became unusable fails it.
    func checkStillAvailable(_ cache: RemoteCache?, console: Console) throws {
        guard required, let problem = cache?.unavailable else { return }
        console.error(console.red("error: ") + "the remote cache is required (--remote-required): \(problem.message)")
        throw ExitCodes.remoteUnavailable
    }
}
