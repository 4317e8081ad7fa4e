/// A process runner that runs each stage as a job on a cluster scheduler (Slurm), on nodes that
/// share the package's file system. The engine hands it the stages whose executor is the
/// cluster's; it blocks a worker per job as the local runner blocks one per process, and
/// ``terminateAll()`` cancels every job it submitted.
public protocol ClusterRunner: ProcessRunner {
    /// The executor it stands for.
    var kind: ExecutorKind { get }

    /// Cancels the jobs an earlier Lepton submitted and did not see end (it was killed), and
    /// says what it did; called under the build lock before anything runs.
    func recoverLeftovers() -> [String]
}
