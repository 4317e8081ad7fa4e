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

    /// A shell command line from a string literal.
    public init(stringLiteral value: String) { self.kind = .shell(value) }

    init(kind: Kind) { self.kind = kind }
}
