import ArgumentParser
import LeptonCore
import LeptonRemote
import LeptonSystem

extension LeptonCommand {
    /// `lepton remote add|remove|list|status`: the package's remote caches.
    struct Remote: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Manage the package's remote caches (Lepton.config) and see what they hold.",
            subcommands: [Add.self, Remove.self, List.self, Status.self],
            defaultSubcommand: List.self)

        struct Add: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Add (or change) a remote cache: an HTTP server with Bazel's cas/ac layout.",
                discussion: """
                    The URL is stored in Lepton.config (commit it); credentials never are: set \
                    LEPTON_REMOTE_TOKEN, or LEPTON_REMOTE_USER and LEPTON_REMOTE_PASSWORD, or use ~/.netrc.
                    """)
            @OptionGroup var global: GlobalOptions
            @Argument(help: "A short name, such as 'team'.") var name: String
            @Argument(help: "The cache's base URL, such as https://cache.example.com/lepton.") var url: String
            @Flag(help: "Make it the default remote (the first one added is).") var `default` = false

            func run() throws {
                let console = Console()
                let workspace = try PackageSession.findWorkspace(global)
                do throws(LeptonError) {
                    var configuration = try RemoteConfiguration.load(root: workspace.root)
                    try configuration.add(name: name, url: url, makeDefault: `default`)
                    try configuration.save(root: workspace.root)
                    let isDefault = configuration.defaultRemote == name ? " (default)" : ""
                    console.line("remote '\(name)' → \(url)\(isDefault), in \(RemoteConfiguration.fileName)")
                } catch {
                    console.error(console.red("error: ") + error.message)
                    throw ExitCodes.invalid
                }
            }
        }

        struct Remove: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Remove a remote cache from Lepton.config.")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The remote's name.") var name: String

            func run() throws {
                let console = Console()
                let workspace = try PackageSession.findWorkspace(global)
                do throws(LeptonError) {
                    var configuration = try RemoteConfiguration.load(root: workspace.root)
                    guard configuration.remove(name: name) else {
                        throw LeptonError(.usage, "no remote named '\(name)' in \(RemoteConfiguration.fileName)")
                    }
                    try configuration.save(root: workspace.root)
                    console.line("removed remote '\(name)'")
                } catch {
                    console.error(console.red("error: ") + error.message)
                    throw ExitCodes.invalid
                }
            }
        }

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List the remote caches in Lepton.config.")
            @OptionGroup var global: GlobalOptions

            func run() throws {
                let console = Console()
                let workspace = try PackageSession.findWorkspace(global)
                let configuration: RemoteConfiguration
                do throws(LeptonError) {
                    configuration = try RemoteConfiguration.load(root: workspace.root)
                } catch {
                    console.error(console.red("error: ") + error.message)
                    throw ExitCodes.invalid
                }
                if let url = Environment.value("LEPTON_REMOTE_URL") {
                    console.line("LEPTON_REMOTE_URL  \(url) (used when no --remote is given)")
                }
                if configuration.remotes.isEmpty {
                    console.line("no remote caches; add one with `lepton remote add NAME URL`")
                    return
                }
                TablePrinter(console: console).print(
                    header: ["NAME", "URL", ""],
                    rows: configuration.remotes.map {
                        [$0.name, $0.url, configuration.defaultRemote == $0.name ? "default" : ""]
                    })
            }
        }

        struct Status: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract:
                    "For each stage in Lepton.lock, whether its outputs are in the local and in the remote cache.",
                discussion: "Exit code 1 when some stage's outputs are in neither.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var remoteOptions: RemoteOptions
            @Argument(help: "Stages to check (default: all in Lepton.lock).") var stages: [String] = []

            func run() throws {
                let console = Console()
                let workspace = try PackageSession.findWorkspace(global)
                let records = try LockRecords.select(stages, workspace: workspace, console: console)
                let remote = try remoteOptions.openForTransfers(workspace: workspace, console: console)
                let availability: [OutputPush.Availability]
                do throws(RemoteError) {
                    availability = try OutputPush(workspace: workspace, remote: remote).availability(records)
                } catch {
                    console.error(console.red("error: ") + error.message)
                    throw ExitCodes.remoteUnavailable
                }
                var lost = 0
                let rows = availability.map { stage -> [String] in
                    let remoteState =
                        stage.remote
                        ? "yes"
                        : !stage.remoteEntry
                            ? "no entry"
                            : "\(stage.remoteBlobsMissing) blob\(stage.remoteBlobsMissing == 1 ? "" : "s") missing"
                    if !stage.local && !stage.remote { lost += 1 }
                    return [stage.stage, String(stage.key.prefix(12)), stage.local ? "yes" : "missing", remoteState]
                }
                console.line("remote \(remote.location)")
                TablePrinter(console: console).print(header: ["STAGE", "KEY", "LOCAL", "REMOTE"], rows: rows)
                let push = rows.filter { $0[2] == "yes" && $0[3] != "yes" }.count
                if push > 0 { console.line("\(push) stage\(push == 1 ? "" : "s") can be pushed: `lepton push`") }
                if lost > 0 {
                    console.line("\(lost) stage\(lost == 1 ? "" : "s") in neither cache: `lepton build` runs them")
                    throw ExitCodes.failure
                }
            }
        }
    }
}

/// Stage records from Lepton.lock, for commands that work on what was built.
extension LockRecords {
    /// ``LockRecords/select(_:workspace:)``, its errors printed: exit 2 for an unknown stage, 1 otherwise.
    static func select(_ names: [String], workspace: Workspace, console: Console) throws -> [(String, StageRecord)] {
        do throws(LeptonError) {
            return try select(names, workspace: workspace)
        } catch {
            console.error(console.red("error: ") + error.message)
            throw error.code == .unknownStage ? ExitCodes.invalid : ExitCodes.failure
        }
    }
}
