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
    /// `build` with nothing but a job count (`-j N`, `-jN`, `--jobs N`, `--jobs=N`, the last one
    /// counting), which a no-op does not use: that count, or nil for none; nil when the arguments
    /// are anything else.
    static func plainBuildJobs(_ arguments: [String]) -> Int?? {
        guard arguments.first == "build" else { return nil }
        var rest = arguments.dropFirst()
        var jobs: Int?
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
            guard let count, let value = Int(count) else { return nil }
            jobs = value
        }
        return .some(jobs)
    }

    /// Parses the process's arguments and runs the chosen subcommand; never returns.
    ///
    /// A plain `lepton`, `lepton build [-j N]` or `lepton status` needs no parser: it runs the
    /// request with its defaults (which tries the no-op snapshot first). ArgumentParser's
    /// command tree (reflection, dynamic casts that scan every protocol conformance of the
    /// binary) was a third of a no-op's CPU time, and a subcommand's alone a tenth of a small
    /// pipeline's build or status.
    public static func run() -> Never {
        // One command per process: the no-op snapshot is read and scanned once for it, and what
        // the command built is not freed on the way out.
        ProcessLifetime.runOneCommand()
        let arguments = Array(CommandLine.arguments.dropFirst())
        let plainJobs = arguments.isEmpty ? .some(nil) : plainBuildJobs(arguments)
        if arguments == ["status"] { execute(Status.self) { try StatusRequest().run() } }
        if let jobs = plainJobs {
            // `-j 0` goes through the parser, which says what is wrong.
            if let jobs, jobs < 1 { runAlone(Build.self, Array(arguments.dropFirst()), all: arguments) }
            execute(Build.self) { try BuildRequest(jobs: jobs).run() }
        }
        let command: any ParsableCommand
        do {
            command = try parseAsRoot(arguments)
        } catch {
            exit(withError: error)
        }
        execute(type(of: command)) {
            var command = command
            try command.run()
        }
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
        execute(Command.self) {
            var command = command
            try command.run()
        }
    }

    /// Runs a subcommand, parsed or given as a request; never returns. A usage error it finds
    /// after parsing (an unknown stage name) prints that subcommand's usage, not the root's.
    private static func execute(_ subcommand: any ParsableCommand.Type, _ body: () throws -> Void) -> Never {
        do {
            try body()
        } catch let error as ValidationError {
            let usage = usageString(for: subcommand)
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
