import ArgumentParser
import LeptonCore

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

    /// The options as plain values, which `build` uses.
    var choice: ExecutorChoice { ExecutorChoice(executor: executor, maxJobs: maxJobs, cpus: cpus, memory: memory) }
}
