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

    /// The number of stages when the snapshot holds, nil otherwise (saying why with `-v`).
    static func check(_ options: GlobalOptions, console: Console) -> Int? {
        func miss(_ reason: String) -> Int? {
            if options.verbose { console.error(console.dim("no-op snapshot: \(reason); checking every stage")) }
            return nil
        }
        guard let workspace = try? PackageSession.findWorkspace(options),
            let bytes = try? FileSystem().read(workspace.noOpSnapshotFile)
        else { return miss("none from the last build") }
        guard let snapshot = NoOpSnapshot(bytes: bytes) else { return miss("damaged or of another version") }
        let targets: TargetSources?
        do {
            targets = try PackageSession.loadTargets(options, workspace: workspace)
        } catch {
            return miss("the SwiftPM target list cannot be read (\(error))")
        }
        guard let current = context(workspace: workspace, targets: targets, environmentNames: snapshot.environmentNames)
        else {
            return miss("the Leptonfile cannot be read")
        }
        guard current == snapshot.context else {
            return miss("the Leptonfile, the environment or the SwiftPM targets changed")
        }
        if let changed = snapshot.firstChange(root: workspace.root) { return miss("'\(changed)' changed") }
        return snapshot.stageCount
    }
}
