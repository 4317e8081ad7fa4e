import LeptonSystem
import Synchronization

/// The stages the last build's no-op snapshot still vouches for after some files changed: what
/// makes a one-file edit in a large pipeline cost about what the changed stage costs.
///
/// The snapshot holds the status of every path the last complete build's decisions read. When
/// some of those statuses changed (and the context did not), each changed path is traced to the
/// stages that can read it — a stage's inputs, code, outputs and params files, a path inside a
/// folder or under a glob's fixed prefix — and those stages and everything downstream of them
/// are decided as usual. Every other stage read only unchanged paths, so its full decision
/// would recompute the record the lock holds and find its outputs intact: it is up to date with
/// that record, which is what the ``Planner`` answers without hashing anything. A changed path
/// no stage accounts for (or the lock itself) gives no certificate: everything is decided.
struct CertifiedStages: Sendable {
    /// Stages up to date with their record in the lock.
    let stages: Set<Int>
    /// Snapshot entries whose status did not change, for the next certificate: a certified
    /// stage's paths are not observed again by this build.
    let unchanged: [(path: String, status: FileStatus)]

    /// Reads the snapshot and decides which stages it still vouches for; nil when there is none,
    /// it is of another context, or a change cannot be traced to stages.
    static func read(
        workspace: Workspace, context: String, graph: BuildGraph, targets: TargetSources?, force: Set<String>,
        fileSystem: any FileSystem = PosixFileSystem()
    ) -> CertifiedStages? {
        guard case .success(let snapshot) = NoOpSnapshot.load(workspace.noOpSnapshotFile, fileSystem: fileSystem),
            snapshot.context == context, snapshot.stageCount == graph.pipeline.stages.count
        else { return nil }
        guard
            let scan = snapshot.scan(
                file: workspace.noOpSnapshotFile, root: workspace.root, fileSystem: fileSystem)
        else { return nil }
        var affected = Set<Int>()
        if !scan.changed.isEmpty {
            let owners = PathOwners(graph: graph, targets: targets)
            for path in scan.changed {
                guard path != LockFile.fileName, let stages = owners.stages(reading: path) else { return nil }
                affected.formUnion(stages)
            }
        }
        for (index, stage) in graph.pipeline.stages.enumerated() where force.contains(stage.name) {
            affected.insert(index)
        }
        let uncertified = graph.downstream(of: affected)
        let certified = Set(graph.pipeline.stages.indices).subtracting(uncertified)
        return CertifiedStages(stages: certified, unchanged: scan.unchanged)
    }
}

/// Which stages can read a path: the index behind ``CertifiedStages``.
private struct PathOwners {
    /// Stages by a path they name exactly: an input, code or output path, a params file, a
    /// target's file, a glob's fixed prefix.
    private var exact: [String: [Int]] = [:]
    /// Stages with a glob that has no fixed prefix (it can match anywhere).
    private var everywhere: [Int] = []

    init(graph: BuildGraph, targets: TargetSources?) {
        let pipeline = graph.pipeline
        for (index, stage) in pipeline.stages.enumerated() {
            for spec in stage.inputs + stage.code + stage.allOutputs {
                switch spec.kind {
                case .path, .file, .folder:
                    exact[spec.path, default: []].append(index)
                case .glob:
                    let prefix = PathOwners.fixedPrefix(of: spec.path)
                    if prefix.isEmpty { everywhere.append(index) } else { exact[prefix, default: []].append(index) }
                case .target:
                    for file in targets?.targets[spec.path] ?? [] { exact[file, default: []].append(index) }
                }
            }
            for parameter in stage.params where parameter.inline == nil {
                exact[parameter.file ?? pipeline.paramsFile, default: []].append(index)
            }
        }
    }

    /// The stages that name the path or a folder above it; nil when none does.
    func stages(reading path: String) -> [Int]? {
        var found = everywhere
        var candidate = Substring(path)
        while true {
            found += exact[String(candidate)] ?? []
            guard let slash = candidate.utf8.lastIndex(of: UInt8(ascii: "/")) else { break }
            candidate = candidate[..<slash]
        }
        return found.isEmpty ? nil : found
    }

    /// The components of a glob pattern before the first that holds a glob character.
    static func fixedPrefix(of pattern: String) -> String {
        let components = pattern.split(separator: "/", omittingEmptySubsequences: false)
        return components.prefix { !Glob.isPattern(String($0)) }.joined(separator: "/")
    }
}
