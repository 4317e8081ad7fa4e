import ArgumentParser
import LeptonSystem

#if canImport(Glibc)
    import Glibc
#endif

/// Options every subcommand that works on a package shares.
public struct GlobalOptions: ParsableArguments {
    @Option(
        name: [.customShort("C"), .customLong("package-path")],
        help: "The package folder (default: the nearest folder up from here with a Leptonfile).")
    var packagePath: String?

    @Option(
        name: .customLong("swiftpm-targets"),
        help: ArgumentHelp("The target list written by the SwiftPM plugin.", visibility: .hidden))
    var swiftPMTargets: String?

    @Flag(name: .shortAndLong, help: "Say more: where the Leptonfile came from, each stage's reasons.")
    var verbose = false

    public init() {}

    /// The package path: `-C`, else `$LEPTON_PACKAGE_PATH` (set by the SwiftPM plugin).
    var resolvedPackagePath: String? { location.resolvedPackagePath }

    /// The plugin's target list: `--swiftpm-targets`, else `$LEPTON_SWIFTPM_TARGETS`.
    var resolvedSwiftPMTargets: String? { location.resolvedSwiftPMTargets }

    /// Where the package is, as a plain value (what the no-op fast path needs before parsing).
    var location: PackageLocation {
        PackageLocation(packagePath: packagePath, swiftPMTargets: swiftPMTargets, verbose: verbose)
    }
}

/// Where the package and its target list are, and whether to say more.
struct PackageLocation {
    var packagePath: String?
    var swiftPMTargets: String?
    var verbose = false

    var resolvedPackagePath: String? { packagePath ?? Environment.value("LEPTON_PACKAGE_PATH") }
    var resolvedSwiftPMTargets: String? { swiftPMTargets ?? Environment.value("LEPTON_SWIFTPM_TARGETS") }
}
