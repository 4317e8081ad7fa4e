import ArgumentParser
import LeptonTrainer

/// The optimiser settings of `lepton train`.
struct OptimizationOptions: ParsableArguments {
    @Option(
        name: .customLong(TrainerFlag.optimizer.rawValue),
        help: "adam, adamw (decoupled weight decay, as PyTorch's AdamW) or sgd.")
    var optimizer = "adam"
    @Option(name: .customLong(TrainerFlag.learningRate.rawValue), help: "The learning rate.") var learningRate = 0.001
    @Option(name: .customLong(TrainerFlag.momentum.rawValue), help: "SGD momentum.") var momentum = 0.9
    @Option(name: .customLong(TrainerFlag.beta1.rawValue), help: "Adam's first-moment decay.") var beta1 = 0.9
    @Option(name: .customLong(TrainerFlag.beta2.rawValue), help: "Adam's second-moment decay.") var beta2 = 0.999
    @Option(name: .customLong(TrainerFlag.epsilon.rawValue), help: "Adam's epsilon.") var epsilon = 1e-8
    @Option(
        name: .customLong(TrainerFlag.weightDecay.rawValue),
        help: "Weight decay: an L2 term for adam and sgd, decoupled for adamw.")
    var weightDecay = 0.0
    @Option(
        name: .customLong(TrainerFlag.schedule.rawValue),
        help: "constant, cosine, or step:EVERY:GAMMA (multiply the rate by GAMMA every EVERY epochs).")
    var schedule = "constant"

    @Option(
        name: .customLong(TrainerFlag.warmupEpochs.rawValue),
        help: "Raise the rate linearly over this many first epochs (epoch e of W runs at (e+1)/W of it).")
    var warmupEpochs = 0
    @Option(
        name: .customLong(TrainerFlag.clipNorm.rawValue),
        help: "Clip the gradients' global L2 norm to this (PyTorch's clip_grad_norm_).")
    var clipNorm: Double?
    @Option(
        name: .customLong(TrainerFlag.patience.rawValue),
        help: "Early stopping: stop after this many epochs without improvement of --monitor (0: off).")
    var patience = 0
    @Option(
        name: .customLong(TrainerFlag.monitor.rawValue),
        help: "The metric early stopping and --reduce-on-plateau follow: val_loss, val_accuracy, val_f1, loss, ….")
    var monitor = "val_loss"
    @Option(
        name: .customLong(TrainerFlag.minDelta.rawValue), help: "The smallest change that counts as an improvement.")
    var minDelta = 0.0
    @Option(
        name: .customLong(TrainerFlag.restoreBest.rawValue),
        help: "Early stopping keeps the best epoch's weights (true) or the last epoch's (false).")
    var restoreBest = true
    @Option(
        name: .customLong(TrainerFlag.reduceOnPlateau.rawValue),
        help: "Multiply the rate by this factor when --monitor has not improved for --plateau-patience epochs.")
    var reduceOnPlateau: Double?
    @Option(
        name: .customLong(TrainerFlag.plateauPatience.rawValue), help: "Epochs without improvement before reducing.")
    var plateauPatience = 2
    @Option(name: .customLong(TrainerFlag.minimumRate.rawValue), help: "Never reduce the rate below this.")
    var minimumRate = 0.0

    @Option(
        name: .customLong(TrainerFlag.classWeight.rawValue),
        help: "Weight each class in the loss: 'balanced' (n / (classes × count)) or one weight per class, W0,W1,….")
    var classWeight: String?

    /// The class weights, as --class-weight asks for them.
    func classWeights() throws -> ClassWeights? {
        guard let classWeight else { return nil }
        if classWeight == "balanced" { return .balanced }
        let weights = classWeight.split(separator: ",").map { Double($0.filter { !$0.isWhitespace }) }
        guard !weights.isEmpty, weights.allSatisfy({ ($0 ?? -1) >= 0 }) else {
            throw ValidationError(
                "Please give --class-weight as 'balanced' or non-negative numbers, one per class (1,2.5,1).")
        }
        return .given(weights.compactMap { $0 })
    }

    /// Early stopping, as the options ask for it (nil when --patience is 0).
    func earlyStopping() throws -> EarlyStopping? {
        guard patience > 0 else {
            if patience < 0 { throw ValidationError("Please give --patience of at least 0.") }
            return nil
        }
        return EarlyStopping(monitor: monitor, patience: patience, minDelta: minDelta, restoreBest: restoreBest)
    }

    /// Reduce-on-plateau, as the options ask for it.
    func plateau() throws -> PlateauReduction? {
        guard let reduceOnPlateau else { return nil }
        guard reduceOnPlateau > 0 && reduceOnPlateau < 1 else {
            throw ValidationError("Please give --reduce-on-plateau as a factor between 0 and 1 (e.g. 0.5).")
        }
        guard plateauPatience >= 1 else { throw ValidationError("Please give --plateau-patience of at least 1.") }
        return PlateauReduction(
            monitor: monitor, factor: reduceOnPlateau, patience: plateauPatience, minDelta: minDelta,
            minimumRate: minimumRate)
    }

    /// The optimiser configuration.
    ///
    /// - Throws: `ValidationError` for an unknown optimiser or schedule.
    func configuration() throws -> OptimizerConfiguration {
        guard let kind = OptimizerConfiguration.Kind(rawValue: optimizer) else {
            throw ValidationError("Unknown --optimizer '\(optimizer)'; use adam, adamw or sgd.")
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
