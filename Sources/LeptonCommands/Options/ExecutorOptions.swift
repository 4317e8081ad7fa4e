import ArgumentParser
import LeptonCluster
import LeptonCore
import LeptonSystem

/// Where stages run and what the local scheduler may use: `--executor`, `--max-jobs`, `--cpus`,
/// `--memory` (`build` and `sweep`).
struct ExecutorOptions: ParsableArguments {
    @Option(
        name: .customLong("executor"),
        help: ArgumentHelp(
            "Where stages that name no executor run: local or slurm (default: $LEPTON_EXECUTOR, else Lepton.config's \"executor\", else local).",
            valueName: "executor"))
    var executor: String?

    @Option(
        name: .customLong("max-jobs"),
        help:
            "With Slurm as the executor: how many jobs may be submitted at once (default: Lepton.config's maxJobs, 100)."
    )
    var maxJobs: Int?

    @Option(
        name: .customLong("cpus"),
        help: "The cores local stages that declare cpus may use together (default: the machine's).")
    var cpus: Int?

    @Option(
        name: .customLong("memory"),
        help: ArgumentHelp(
            "The memory local stages that declare memory may use together: 8G, 512M (default: the machine's).",
            valueName: "amount"))
    var memory: String?

    func validate() throws {
        if let cpus, cpus < 1 { throw ValidationError("Please specify --cpus of at least 1.") }
        if let maxJobs, maxJobs < 1 { throw ValidationError("Please specify --max-jobs of at least 1.") }
        if let memory, ResourceSpec.problem(.memory, literal: memory) != nil {
            throw ValidationError("--memory '\(memory)' is not an amount of memory: write 8G, 512M or a number of MiB.")
        }
        if let executor, ExecutorKind(rawValue: executor) == nil {
            throw ValidationError("--executor '\(executor)' is not one of: local, slurm.")
        }
    }

    /// ``apply(to:jobs:workspace:pipeline:)`` for a loaded package; a bad setting is reported
    /// and exits 2.
    func configure(_ options: inout BuildOptions, jobs: Int?, session: PackageSession) throws {
        do throws(LeptonError) {
            try apply(to: &options, jobs: jobs, workspace: session.workspace, pipeline: session.pipeline)
        } catch {
            session.console.error(session.console.red("error: ") + error.message)
            throw ExitCodes.invalid
        }
    }

    /// Sets the executor, the cluster runner, the job limit and the local budget.
    ///
    /// - Parameters:
    ///   - options: The build's options, set in place.
    ///   - jobs: `-j`, if given.
    ///   - workspace: The package, whose `Lepton.config` is read.
    ///   - pipeline: The stages, to set up the cluster only when some stage can run on it.
    /// - Throws: ``LeptonError`` for a bad `Lepton.config` or variable.
    func apply(to options: inout BuildOptions, jobs: Int?, workspace: Workspace, pipeline: PipelineDescription)
        throws(LeptonError)
    {
        var configuration = try ExecutorConfiguration.load(root: workspace.root)
        if let executor, let kind = ExecutorKind(rawValue: executor) { configuration.defaultExecutor = kind }
        options.defaultExecutor = configuration.defaultExecutor
        options.cpus = cpus
        options.memoryMiB = memory.flatMap { ResourceSpec.Resource.mebibytes($0) }
        let usesSlurm =
            configuration.defaultExecutor == .slurm || pipeline.stages.contains { $0.resources.executor == .slurm }
        if usesSlurm {
            options.cluster = SlurmRunner(settings: configuration.slurm, workspace: workspace)
        }
        options.jobs = jobs ?? SystemCores.count
        // `-j` is the cluster's limit too when the cluster is where stages run by default.
        options.clusterJobs =
            maxJobs ?? (configuration.defaultExecutor == .slurm ? jobs : nil) ?? configuration.slurm.maxJobs
    }
}
