import LeptonCluster
import LeptonCore
import LeptonSystem

/// Where stages run and what the local scheduler may use: ``ExecutorOptions`` as plain values
/// (already validated), so that a build can be run without ArgumentParser's reflection.
struct ExecutorChoice {
    /// `--executor`: local or slurm.
    var executor: String?
    /// `--max-jobs`.
    var maxJobs: Int?
    /// `--cpus`.
    var cpus: Int?
    /// `--memory`: 8G, 512M.
    var memory: String?

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
