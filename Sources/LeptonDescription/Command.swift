/// What a stage runs.
///
/// A string literal is a shell command line, run by `/bin/sh -c` in the package root;
/// ``exec(_:)`` runs an argument vector without a shell.
///
/// ```swift
/// .stage(name: "a", command: "python3 prepare.py --out data", outputs: ["data"])
/// .stage(name: "b", command: .exec(["python3", "train.py"]), outputs: ["model.bin"])
/// ```
public struct Command: ExpressibleByStringInterpolation, Sendable {
    enum Kind: Sendable {
        case shell(String)
        case exec([String])
        /// Lepton's own binary with `arguments` (keyed) and `settings` (not keyed: they change
        /// how, not what, it computes, like a thread count).
        case tool([String], settings: [String])
        /// An executable product of this package, built before the stage runs.
        case product(String, arguments: [String], configuration: BuildConfiguration)
    }

    /// How a ``product(_:arguments:configuration:)`` stage's executable is compiled.
    public enum BuildConfiguration: String, Sendable {
        case debug, release
    }

    let kind: Kind

    /// A shell command line, run by `/bin/sh -c`.
    ///
    /// ```swift
    /// command: .shell("make -C native && ./native/prepare")
    /// ```
    public static func shell(_ line: String) -> Command { Command(kind: .shell(line)) }

    /// An argument vector run directly; the first element is looked up on `PATH`.
    ///
    /// ```swift
    /// command: .exec(["python3", "train.py", "--epochs", "3"])
    /// ```
    public static func exec(_ arguments: [String]) -> Command {
        if arguments.isEmpty { Dump.error("Command.exec needs at least the program name") }
        return Command(kind: .exec(arguments))
    }

    /// Runs Lepton's own binary (`lepton predict …`), whichever path it was started from, so
    /// the command works the same from the CLI, the SwiftPM plugin and CI.
    ///
    /// ```swift
    /// command: .lepton(["predict", "--checkpoint", "model/model.safetensors", "--csv", "new.csv",
    ///                   "--output", "predictions.csv"])
    /// ```
    public static func lepton(_ arguments: [String]) -> Command {
        Command(kind: .tool(arguments, settings: []))
    }

    /// Runs an executable product of this SwiftPM package (`swift run` done right): Lepton
    /// builds it before the stage runs — through SwiftPM's plugin API under `swift package
    /// lepton`, with `swift build --product` from the CLI — and runs the binary with `arguments`
    /// in the package root. The sources of the product's targets and of every target they
    /// depend on are the stage's code automatically: editing a library the product uses reruns
    /// the stage. (A shell `swift run` would deadlock under the plugin, which holds SwiftPM's
    /// build lock.)
    ///
    /// ```swift
    /// .stage(name: "featurize", command: .product("featurize", arguments: ["data/raw.csv", "data/features.csv"]),
    ///        inputs: ["data/raw.csv"], outputs: ["data/features.csv"])
    /// ```
    public static func product(
        _ name: String, arguments: [String] = [], configuration: BuildConfiguration = .release
    ) -> Command {
        if name.isEmpty { Dump.error("Command.product needs the name of an executable product") }
        return Command(kind: .product(name, arguments: arguments, configuration: configuration))
    }

    /// A shell command line from a string literal.
    public init(stringLiteral value: String) { self.kind = .shell(value) }

    init(kind: Kind) { self.kind = kind }
}
