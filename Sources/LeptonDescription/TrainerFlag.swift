// The command-line contract between `.train`/`.evaluate` stages and the trainer's commands
// (`lepton train`, `lepton evaluate`): one file, compiled into the DSL (LeptonDescription and
// the loader's embedded copy), the trainer's commands and the engine, by symlink. Renaming a
// flag here renames it everywhere; nothing is public, so no Leptonfile sees it.

/// The trainer's subcommands that `.train` and `.evaluate` stages run.
enum TrainerSubcommand: String, CaseIterable {
    case train, evaluate, predict
}

/// The long names of the trainer's options, without the leading `--`.
enum TrainerFlag: String, CaseIterable {
    case csv, label
    case sampleWeight = "sample-weight"
    case idxImages = "idx-images"
    case idxLabels = "idx-labels"
    case npyFeatures = "npy-features"
    case npyLabels = "npy-labels"
    case layers, loss, schedule, epochs, seed, threads, checkpoint, metrics, history, require
    case batchSize = "batch-size"
    case validationSplit = "validation-split"
    case normalize
    case scaleFactor = "scale-factor"
    case optimizer
    case learningRate = "lr"
    case momentum, beta1, beta2, epsilon
    case weightDecay = "weight-decay"
    case patience, monitor
    case minDelta = "min-delta"
    case restoreBest = "restore-best"
    case reduceOnPlateau = "reduce-on-plateau"
    case plateauPatience = "plateau-patience"
    case minimumRate = "min-lr"
    case warmupEpochs = "warmup-epochs"
    case clipNorm = "clip-norm"
    case classWeight = "class-weight"
    case warmStart = "warm-start"
    case saveState = "save-state"
    case resumeFrom = "resume-from"

    /// The flag as written on a command line: `--batch-size`.
    var option: String { "--" + rawValue }
}
