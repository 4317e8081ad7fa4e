import ArgumentParser
import LeptonCore
import LeptonRemote
import LeptonSystem

extension LeptonCommand {
    /// `lepton remote add|remove|list|status`: the package's remote caches.
    struct Remote: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Manage the package's remote caches (Lepton.config) and see what they hold.",
            subcommands: [Add.self, Remove.self, List.self, Status.self, GC.self],
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

        /// `lepton remote gc`: removes from the remote what nothing kept references.
        struct GC: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "gc",
                abstract: "Remove run-cache entries and blobs from the remote cache that nothing kept references.",
                discussion: """
                    Kept: what Lepton.lock and Lepton.data record, and the same files at each --rev git revision; \
                    what tagged runs (`lepton tag`) and the runs of the last --keep-days days recorded; and \
                    everything the server wrote within --keep-days (pushes from other machines), with the blobs \
                    those entries need. Run it with -n first to see what would go. The server must list its \
                    folders: WebDAV PROPFIND (nginx's dav-ext module, Apache mod_dav) or nginx's \
                    `autoindex on; autoindex_format json;`. bazel-remote evicts by size itself (--max_size).
                    """)
            @OptionGroup var global: GlobalOptions
            @OptionGroup var remoteOptions: RemoteOptions
            @Option(
                name: .customLong("rev"),
                help: "A git revision (branch, tag, commit) whose Lepton.lock and Lepton.data are kept; repeatable.")
            var revisions: [String] = []
            @Option(help: "Keep runs recorded, and blobs the server wrote, within this many days.")
            var keepDays: Int = 30
            @Flag(name: [.customShort("n"), .long], help: "Show what would be removed; remove nothing.")
            var dryRun = false

            func validate() throws {
                if keepDays < 0 { throw ValidationError("Please specify --keep-days of at least 0.") }
            }

            func run() throws {
                let console = Console()
                let workspace = try PackageSession.findWorkspace(global)
                let remote = try remoteOptions.choice.openForTransfers(workspace: workspace, console: console)
                let report: RemoteGarbageCollector.Report
                do throws(LeptonError) {
                    report = try RemoteGarbageCollector(workspace: workspace, store: remote.store)
                        .collect(revisions: revisions, keepDays: keepDays, dryRun: dryRun)
                } catch {
                    console.error(console.red("error: ") + error.message)
                    throw ExitCodes.failure
                }
                let verb = dryRun ? "would remove" : "removed"
                if global.verbose || dryRun {
                    for key in report.removedEntries { console.line("  \(verb) ac/\(key)") }
                    for key in report.removedObjects { console.line("  \(verb) cas/\(key)") }
                }
                for folder in report.unreadableFolders {
                    console.error(
                        console.yellow("warning: ")
                            + "the file list of kept folder \(folder.prefix(12)) is in neither cache; its files were not protected"
                    )
                }
                let entries = report.removedEntries.count
                let objects = report.removedObjects.count
                let kept = report.keptEntries
                console.line("remote \(remote.location)")
                console.line(
                    "\(verb) \(entries) run-cache entr\(entries == 1 ? "y" : "ies") and \(objects) blob\(objects == 1 ? "" : "s") (\(Format.bytes(report.freedBytes))); kept \(kept) entr\(kept == 1 ? "y" : "ies") and \(report.keptObjects) blob\(report.keptObjects == 1 ? "" : "s") (\(Format.bytes(report.keptBytes)))"
                )
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
                let remote = try remoteOptions.choice.openForTransfers(workspace: workspace, console: console)
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
