import ArgumentParser

/// Options every subcommand that works on a package shares.
public struct GlobalOptions: ParsableArguments {
    @Option(name: [.customShort("C"), .customLong("package-path")], help: "The package folder (default: the nearest folder up from here with a Leptonfile).")
    var packagePath: String?

    @Option(name: .customLong("swiftpm-targets"), help: ArgumentHelp("The target list written by the SwiftPM plugin.", visibility: .hidden))
    var swiftPMTargets: String?

    @Flag(name: .shortAndLong, help: "Say more: where the Leptonfile came from, each stage's reasons.")
    var verbose = false

    public init() {}
}
