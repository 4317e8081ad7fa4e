import ArgumentParser
import LeptonCore
import LeptonSystem

extension LeptonCommand {
    /// `lepton add PATH…`: puts raw data under version control (DVC's `dvc add`).
    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Track data files or folders no stage produces: record them in Lepton.data, cache their bytes.",
            discussion: """
                Hashes each path, stores its bytes in the local cache and records its digest in Lepton.data \
                (commit it), and lists the path in .gitignore. `lepton push` uploads tracked data to the remote \
                cache and `lepton pull` brings it into a fresh clone; `lepton status` says when the workspace copy \
                differs from what Lepton.data records. Run `lepton add` again after changing the data.
                """)

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Files or folders to track, relative to the package root.") var paths: [String]

        func validate() throws {
            if paths.isEmpty { throw ValidationError("Name at least one file or folder to track.") }
        }

        func run() throws {
            let console = Console()
            let session = try PackageSession.open(global, console: console)
            let graph = session.graph
            let added: [DataTracker.Added]
            do throws(LeptonError) {
                // Relative to the current folder, as a shell completes it; else to the package root (-C).
                let located = paths.map { path in
                    let here = PackageSession.absolutePath(path)
                    return path.hasPrefix("/") || PosixFileSystem().exists(here) ? here : path
                }
                added = try DataTracker(workspace: session.workspace, events: .printing(to: console)).add(located) {
                    path in
                    graph.producers(touching: path).sorted().first.map { session.pipeline.stages[$0].name }
                }
            } catch {
                console.error(console.red("error: ") + error.message)
                throw error.code == .usage ? ExitCode.validationFailure : ExitCodes.state
            }
            for item in added {
                let what =
                    item.entry.digest.kind == .folder
                    ? "\(item.entry.files) files, \(Format.bytes(item.entry.size))" : Format.bytes(item.entry.size)
                console.line(
                    "  \(item.changed ? console.green("added") : "unchanged")  \(item.path) \(console.dim("(\(what), \(item.entry.digest.digest.prefix(12)))"))"
                )
            }
            console.line(
                console.dim(
                    "recorded in \(TrackedData.fileName); commit it with .gitignore (git add \(TrackedData.fileName) .gitignore), and `lepton push` the data"
                ))
        }
    }
}
