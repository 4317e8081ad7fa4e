import ArgumentParser
import LeptonSystem
import LeptonTrainerCommands

#if canImport(Glibc)
    import Glibc
#endif

/// The `lepton` command line: an incremental, content-hashed build tool for ML pipelines.
public struct LeptonCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "lepton",
        abstract: "Build machine-learning pipelines incrementally: rerun only what changed.",
        discussion: """
            Lepton reads the Leptonfile of the package (a Swift file), decides from content hashes \
            which stages must run, runs them in parallel, and caches every output so an earlier \
            combination of inputs is restored instead of recomputed.

            Exit codes: 0 success; 1 a stage failed (or, for `status`, something is stale); \
            2 the Leptonfile or pipeline is invalid; 3 a quality gate failed; 4 a required remote cache \
            could not be used; 5 Lepton's own state (.lepton/, Lepton.lock) could not be read or written; \
            64 bad usage; 130 interrupted.
            """,
        version: "0.1.0",
        subcommands: [
            Build.self, Status.self, Add.self, Graph.self, Init.self, Clean.self, Cache.self, Params.self, Metrics.self,
            Runs.self, Tag.self, Checkout.self, Sweep.self, Plots.self, Remote.self, Push.self, Pull.self, Train.self,
            Evaluate.self, Predict.self,
        ],
        defaultSubcommand: Build.self
    )

    public init() {}
}

extension LeptonCommand {
    /// `build` with nothing but a job count (`-j N`, `-jN`, `--jobs N`, `--jobs=N`), which a
    /// no-op does not use.
    static func isPlainBuild(_ arguments: [String]) -> Bool {
        guard arguments.first == "build" else { return false }
        var rest = arguments.dropFirst()
        while let next = rest.popFirst() {
            let count: Substring?
            if next == "-j" || next == "--jobs" {
                count = rest.popFirst().map { Substring($0) }
            } else if next.hasPrefix("--jobs=") {
                count = next.dropFirst("--jobs=".count)
            } else if next.hasPrefix("-j") {
                count = next.dropFirst(2)
            } else {
                count = nil
            }
            guard let count, Int(count) != nil else { return false }
        }
        return true
    }

    /// Parses the process's arguments and runs the chosen subcommand; never returns.
    ///
    /// A plain `lepton`, `lepton build` or `lepton status` first tries the no-op snapshot without
    /// ArgumentParser: building its command tree (reflection, dynamic casts that scan every
    /// protocol conformance of the binary) was a third of a no-op's CPU time.
    public static func run() -> Never {
        // One command per process: the no-op snapshot is read and scanned once for it, and what
        // the command built is not freed on the way out.
        ProcessLifetime.runOneCommand()
        let arguments = Array(CommandLine.arguments.dropFirst())
        // `status` reports tracked data the snapshot does not cover: with any, it looks itself.
        if arguments == ["status"] && Status.tracksData(PackageLocation()) { runAlone(Status.self, [], all: arguments) }
        if arguments.isEmpty || arguments == ["status"] || LeptonCommand.isPlainBuild(arguments) {
            let console = Console()
            let started = SystemClock().monotonicNow()
            if let count = NoOpFastPath.check(PackageLocation(), console: console) {
                if arguments == ["status"] {
                    Status.reportUpToDate(count, console: console)
                } else {
                    Build.reportNoOp(
                        count, seconds: Double(SystemClock().monotonicNow() - started) / 1e9, console: console)
                }
                Glibc.exit(0)
            }
            // Stale: still no need for the whole command tree, only this subcommand's.
            if arguments == ["status"] { runAlone(Status.self, [], all: arguments) }
            runAlone(Build.self, Array(arguments.dropFirst()), all: arguments)
        }
        let command: any ParsableCommand
        do {
            command = try parseAsRoot(arguments)
        } catch {
            exit(withError: error)
        }
        execute(command)
    }

    /// Parses and runs one subcommand without the root command's tree; never returns. Arguments
    /// it cannot parse go through the root's parser, so the message is the same as without the
    /// shortcut.
    private static func runAlone<Command: ParsableCommand>(
        _ type: Command.Type, _ arguments: [String], all: [String]
    ) -> Never {
        guard let command = try? type.parse(arguments) else {
            do {
                _ = try parseAsRoot(all)
            } catch {
                exit(withError: error)
            }
            Glibc.exit(ExitCode.validationFailure.rawValue)
        }
        execute(command)
    }

    /// Runs a parsed subcommand; never returns. A usage error it finds after parsing (an
    /// unknown stage name) prints that subcommand's usage, not the root's.
    private static func execute(_ command: any ParsableCommand) -> Never {
        var command = command
        do {
            try command.run()
        } catch let error as ValidationError {
            let usage = usageString(for: type(of: command))
            let name = usage.split(separator: " ").prefix { !$0.hasPrefix("[") && !$0.hasPrefix("<") }
                .joined(separator: " ")
            Console().error("Error: \(error.message)\nUsage: \(usage)\n  See '\(name) --help' for more information.")
            Glibc.exit(ExitCode.validationFailure.rawValue)
        } catch let code as ExitCode {
            // A status that is the answer (`status` with stale stages exits 1): ArgumentParser's
            // `exit(withError:)` would build the command's help first (a millisecond and more).
            Glibc.exit(code.rawValue)
        } catch {
            exit(withError: error)
        }
        Glibc.exit(0)
    }
}
