import ArgumentParser

/// `lepton-trainer`: the built-in trainer's commands alone (`train`, `evaluate`, `predict`),
/// the same as `lepton train|evaluate|predict`.
///
/// It exists so the SwiftPM plugin can build an optimized trainer in about half a minute: it
/// links no more than the trainer and ArgumentParser, where a release `lepton` also compiles
/// swift-crypto and Yams (minutes on a 2-core machine).
public struct LeptonTrainerCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "lepton-trainer",
        abstract: "Lepton's built-in tensor trainer (the same as `lepton train|evaluate|predict`).",
        discussion: "Exit codes: 0 success; 1 failure; 3 a quality gate failed; 64 bad usage.",
        version: "0.1.0",
        subcommands: [Train.self, Evaluate.self, Predict.self]
    )

    public init() {}
}

extension LeptonTrainerCommand {
    /// Parses the process's arguments and runs the chosen subcommand.
    public static func run() {
        main()
    }
}
