import ArgumentParser
import LeptonCore
import LeptonRemote

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
                let local = ArtifactCache(directory: workspace.cacheDirectory)
                var rows: [[String]] = []
                var lost = 0
                for (name, record) in records {
                    let outputs = Array(record.outputs.values)
                    let localState = outputs.allSatisfy(local.contains) ? "yes" : "missing"
                    let remoteState: String
                    do throws(RemoteError) {
                        let entry = try remote.hasEntry(record.key)
                        let onServer = try remoteBlobsMissing(outputs, local: local, remote: remote)
                        if entry && onServer == 0 {
                            remoteState = "yes"
                        } else if !entry {
                            remoteState = "no entry"
                        } else {
                            remoteState = "\(onServer) blob\(onServer == 1 ? "" : "s") missing"
                        }
                    } catch {
                        console.error(console.red("error: ") + error.message)
                        throw ExitCodes.remoteUnavailable
                    }
                    if localState != "yes" && remoteState != "yes" { lost += 1 }
                    rows.append([name, String(record.key.prefix(12)), localState, remoteState])
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

            /// How many of the outputs' blobs the server lacks (a folder whose manifest is not
            /// local counts its manifest only).
            private func remoteBlobsMissing(
                _ outputs: [PathDigest], local: ArtifactCache, remote: RemoteCache
            ) throws(RemoteError) -> Int {
                let digests = Set(outputs.flatMap(local.objects(of:)))
                var missing = 0
                for digest in digests where try remote.store.size(of: .cas, digest) == nil { missing += 1 }
                return missing
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
