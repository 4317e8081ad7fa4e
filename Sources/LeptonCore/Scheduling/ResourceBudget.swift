/// The local scheduler's share of the machine: the cores and memory running stages reserve,
/// and the slots of the two job limits: `-j` for stages that run or restore here, `--max-jobs`
/// for stages out on a cluster.
///
/// A stage that runs here reserves the cpus and memory it declares; a built-in trainer stage
/// that declares no cpus reserves every core (it uses them all); any other stage that declares
/// none reserves nothing and is held only by `-j`, as in make and ninja. Restoring reserves
/// nothing, and neither does a stage that runs on a cluster.
struct ResourceBudget: Sendable {
    struct Demand: Sendable, Equatable {
        var cpus: Int
        var memoryMiB: Int
        /// Slots of the local job limit (`-j`).
        var local = 0
        /// Slots of the cluster's job limit (`--max-jobs`).
        var cluster = 0

        static let none = Demand(cpus: 0, memoryMiB: 0)

        static func + (left: Demand, right: Demand) -> Demand {
            Demand(
                cpus: left.cpus + right.cpus, memoryMiB: left.memoryMiB + right.memoryMiB,
                local: left.local + right.local, cluster: left.cluster + right.cluster)
        }

        static func - (left: Demand, right: Demand) -> Demand {
            Demand(
                cpus: left.cpus - right.cpus, memoryMiB: left.memoryMiB - right.memoryMiB,
                local: left.local - right.local, cluster: left.cluster - right.cluster)
        }
    }

    /// The whole share.
    let capacity: Demand
    /// What each stage reserves when it runs, by index.
    let demands: [Demand]

    /// A budget only the job limit holds stages by (a dry run, tests of other things).
    static func unlimited(stages: Int, jobs: Int = .max / 2) -> ResourceBudget {
        ResourceBudget(
            capacity: Demand(cpus: .max / 2, memoryMiB: .max / 2, local: jobs, cluster: .max / 2),
            demands: Array(repeating: .none, count: stages))
    }

    /// The budget of `capacity` for these stages, each with its resources and executor.
    init(capacity: Demand, stages: [StageDescription], resources: [StageResources], executor: ExecutorKind) {
        self.capacity = capacity
        demands = zip(stages, resources).map { stage, resources in
            guard (resources.executor ?? executor) == .local else { return Demand(cpus: 0, memoryMiB: 0, cluster: 1) }
            let cpus = resources.cpus ?? (stage.command.runsTrainer ? capacity.cpus : 0)
            return Demand(cpus: cpus, memoryMiB: resources.memoryMiB ?? 0, local: 1)
        }
    }

    init(capacity: Demand, demands: [Demand]) {
        self.capacity = capacity
        self.demands = demands
    }

    /// What a decided stage reserves: its demand when it runs, a local slot when it is restored.
    func demand(of stage: Int, _ decision: StageDecision) -> Demand {
        if case .run = decision { return demands[stage] }
        return Demand(cpus: 0, memoryMiB: 0, local: 1)
    }

    /// Whether `demand` fits beside what is `inUse`.
    func fits(_ demand: Demand, beside inUse: Demand) -> Bool {
        let total = inUse + demand
        return total.cpus <= capacity.cpus && total.memoryMiB <= capacity.memoryMiB && total.local <= capacity.local
            && total.cluster <= capacity.cluster
    }
}
