import LeptonCore
import LeptonLoading

/// The no-op fast path of `lepton build` and `lepton status`: when the ``NoOpSnapshot`` of the
/// last complete build still holds, nothing can be stale, and neither the description, the
/// lock nor the stat cache needs to be read.
enum NoOpFastPath {
    /// The snapshot context of a loaded package.
    static func context(of session: PackageSession) -> String {
        context(
            loaderKey: session.loaderKey, targets: session.targets, environmentNames: session.pipeline.environmentNames)
    }

    /// The snapshot context of the package state, before anything is loaded.
    static func context(workspace: Workspace, targets: TargetSources?, environmentNames: [String]) -> String? {
        guard let key = try? LeptonfileLoader(workspace: workspace).cacheKey() else { return nil }
        return context(loaderKey: key, targets: targets, environmentNames: environmentNames)
    }

    private static func context(loaderKey key: String, targets: TargetSources?, environmentNames: [String]) -> String {
        var environment: [String: String?] = [:]
        for name in environmentNames { environment[name] = StageEvaluator.processEnvironment(name) }
        return NoOpSnapshot.context(loaderKey: key, environment: environment, targets: targets)
    }

    /// The number of stages when the snapshot of the package in `workspace` (found from
    /// `options`) holds, nil otherwise (saying why with `-v`).
    static func check(_ options: PackageLocation, workspace: Workspace?, console: Console) -> Int? {
        let verdict: Result<Int, NoOpSnapshot.Miss>
        if let workspace {
            verdict = NoOpSnapshot.check(workspace: workspace) { environmentNames in
                let targets = try PackageSession.loadTargets(options, workspace: workspace)
                return context(workspace: workspace, targets: targets, environmentNames: environmentNames)
            }
        } else {
            verdict = .failure(NoOpSnapshot.Miss("none from the last build"))
        }
        switch verdict {
        case .success(let count):
            return count
        case .failure(let miss):
            if options.verbose { console.error(console.dim("no-op snapshot: \(miss.reason); checking every stage")) }
            return nil
        }
    }
}
