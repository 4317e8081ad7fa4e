import Dispatch
import LeptonSystem
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// `lepton sweep -j N`: builds parameter combinations `width` at a time, each by a `lepton
/// build --set …` process in its own ``SweepCopy`` of the package, and moves the runs they
/// record into the package's history.
///
/// `.lepton/sweep/owner` names this process while the copies exist, so the next command
/// removes copies a killed sweep left (``WorkspaceRecovery``).
public struct SweepRunner: Sendable {
    public let workspace: Workspace
    /// The pipeline's declared outputs, left out of the copies.
    public let outputs: Set<String>
    /// The `lepton` binary that builds each combination.
    public var executable = BuildOptions.runningExecutable
    /// Runs the builds (the real runner by default).
    public var runner: any ProcessRunner = PosixProcessRunner()

    public init(workspace: Workspace, pipeline: PipelineDescription) {
        self.workspace = workspace
        self.outputs = Set(pipeline.stages.flatMap { $0.allOutputs.map(\.path) })
    }

    /// Builds every combination (a list of `KEY=VALUE` overrides); `starting` is called with
    /// each combination's index as its build starts.
    ///
    /// - Returns: Per combination, the run it recorded (now in the package's history), nil when
    ///   its build recorded none.
    public func run(_ combinations: [[String]], width: Int, starting: @Sendable (Int) -> Void = { _ in })
        throws(LeptonError) -> [RunRecord?]
    {
        let sweep = workspace.stateDirectory + "/sweep"
        let fileSystem = PosixFileSystem()
        try fileSystem.createDirectories(sweep)
        try fileSystem.writeAtomically("\(getpid())\n", to: sweep + "/owner")
        defer { try? fileSystem.remove(sweep) }
        var copies: [SweepCopy] = []
        defer { for copy in copies { copy.remove() } }
        for index in 0..<max(1, width) {
            copies.append(try SweepCopy(workspace: workspace, outputs: outputs, index: index))
        }
        let next = Atomic<Int>(0)
        let finished = Mutex<[Int: RunRecord]>([:])
        let slots = UnsafeSendableBox(copies)
        DispatchQueue.concurrentPerform(iterations: copies.count) { slot in
            let copy = slots.value[slot]
            while true {
                let index = next.add(1, ordering: .relaxed).oldValue
                guard index < combinations.count else { return }
                starting(index)
                let before = Set(copy.runs.map(\.id))
                let arguments =
                    [executable, "build", "-C", copy.root, "-q", "-j", "1"]
                    + combinations[index].flatMap { ["--set", $0] }
                _ = runner.run(
                    ProcessRequest(
                        stage: "sweep", arguments: arguments, workingDirectory: copy.root,
                        environment: ["NO_COLOR": "1"], logPath: copy.root + "/.lepton/sweep.log"))
                if let run = copy.runs.first(where: { !before.contains($0.id) }) {
                    finished.withLock { $0[index] = run }
                }
            }
        }
        let history = RunHistory(workspace: workspace)
        let runs = finished.withLock { $0 }
        var result: [RunRecord?] = []
        for index in combinations.indices {
            guard var run = runs[index] else {
                result.append(nil)
                continue
            }
            run.id = history.unusedID(run.id)
            try history.record(run)
            result.append(run)
        }
        return result
    }
}
