import ArgumentParser
import LeptonTrainer

/// The optimiser settings of `lepton train`.
struct OptimizationOptions: ParsableArguments {
    @Option(name: .customLong(TrainerFlag.optimizer.rawValue), help: "adam or sgd.") var optimizer = "adam"
    @Option(name: .customLong(TrainerFlag.learningRate.rawValue), help: "The learning rate.") var learningRate = 0.001
    @Option(name: .customLong(TrainerFlag.momentum.rawValue), help: "SGD momentum.") var momentum = 0.9
    @Option(name: .customLong(TrainerFlag.beta1.rawValue), help: "Adam's first-moment decay.") var beta1 = 0.9
    @Option(name: .customLong(TrainerFlag.beta2.rawValue), help: "Adam's second-moment decay.") var beta2 = 0.999
    @Option(name: .customLong(TrainerFlag.epsilon.rawValue), help: "Adam's epsilon.") var epsilon = 1e-8
    @Option(name: .customLong(TrainerFlag.weightDecay.rawValue), help: "L2 weight decay.") var weightDecay = 0.0
    @Option(
        name: .customLong(TrainerFlag.schedule.rawValue),
        help: "constant, cosine, or step:EVERY:GAMMA (multiply the rate by GAMMA every EVERY epochs).")
    var schedule = "constant"

    /// The optimiser configuration.
    ///
    /// - Throws: `ValidationError` for an unknown optimiser or schedule.
    func configuration() throws -> OptimizerConfiguration {
        guard let kind = OptimizerConfiguration.Kind(rawValue: optimizer) else {
            throw ValidationError("Unknown --optimizer '\(optimizer)'; use adam or sgd.")
        }
        guard learningRate > 0 else { throw ValidationError("Please give a positive --lr.") }
        return OptimizerConfiguration(
            kind: kind, learningRate: learningRate, momentum: momentum, beta1: beta1, beta2: beta2, epsilon: epsilon,
            weightDecay: weightDecay, schedule: try parsedSchedule())
    }

    private func parsedSchedule() throws -> LearningRateSchedule {
        if schedule == "constant" { return .constant }
        if schedule == "cosine" { return .cosine }
        let parts = schedule.split(separator: ":")
        if parts.count == 3, parts[0] == "step", let every = Int(parts[1]), every > 0, let gamma = Double(parts[2]) {
            return .step(every: every, gamma: gamma)
        }
        throw ValidationError(
            "Unknown --schedule '\(schedule)'; use constant, cosine or step:EVERY:GAMMA (e.g. step:5:0.5).")
    }
}
