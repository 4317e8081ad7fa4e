import ArgumentParser
import LeptonCore
import LeptonSystem

extension LeptonCommand {
    /// `lepton init`: a starter Leptonfile and the `.gitignore` line for `.lepton/`.
    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a starter Leptonfile (or one translated from dvc.yaml) and add .lepton/ to .gitignore.",
            discussion: """
                Refuses to overwrite an existing Leptonfile. With --from-dvc, the Leptonfile is written from \
                the DVC project's dvc.yaml (stages, deps as inputs and code, params, outs, metrics, foreach and \
                matrix as loops) and its .dvc files (tracked data), and what could not be translated is listed; \
                see docs/migrating-from-dvc.md.
                """)

        @Option(
            name: [.customShort("C"), .customLong("package-path")], help: "The folder to initialise (default: here).")
        var packagePath: String?

        @Flag(name: .customLong("from-dvc"), help: "Translate the DVC project's dvc.yaml into the Leptonfile.")
        var fromDVC = false

        func run() throws {
            let console = Console()
            let fileSystem = PosixFileSystem()
            let root = PackageSession.absolutePath(packagePath ?? Environment.value("LEPTON_PACKAGE_PATH") ?? ".")
            let leptonfile = root + "/Leptonfile"
            if fileSystem.exists(leptonfile) {
                console.error(console.red("error: ") + "'\(leptonfile)' already exists; Lepton will not overwrite it")
                throw ExitCodes.failure
            }
            if fromDVC {
                let migration: DVCMigration
                do throws(LeptonError) {
                    migration = try DVCMigration(root: root)
                } catch {
                    console.error(console.red("error: ") + error.message)
                    throw ExitCodes.invalid
                }
                try fileSystem.writeAtomically(migration.leptonfile, to: leptonfile)
                console.line("created \(leptonfile) from dvc.yaml")
                for note in migration.notes { console.line(console.yellow("  not translated: ") + note) }
            } else {
                try fileSystem.writeAtomically(Templates.leptonfile, to: leptonfile)
                console.line("created \(leptonfile)")
            }
            let ignore = root + "/.gitignore"
            let existing = (try? fileSystem.readText(ignore)) ?? ""
            let lines = existing.split(separator: "\n").map { $0.trimmingCharacters(in: " ") }
            if lines.contains(".lepton/") || lines.contains(".lepton") || lines.contains("/.lepton/") {
                console.line(".gitignore already ignores .lepton/")
            } else {
                let separator = existing.isEmpty || existing.hasSuffix("\n") ? "" : "\n"
                try fileSystem.writeAtomically(
                    existing + separator + "# Lepton's cache and state (Lepton.lock is committed)\n.lepton/\n",
                    to: ignore)
                console.line("added .lepton/ to \(ignore)")
            }
            console.line("next: edit the Leptonfile, then run `lepton build`; commit Leptonfile and Lepton.lock")
        }
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> String {
        String(drop { set.contains($0) }.reversed().drop { set.contains($0) }.reversed())
    }
}

/// Files `lepton init` writes.
enum Templates {
    static let leptonfile = """
        // lepton-tools-version: 0.1
        // The pipeline of this package. Lepton compiles this file like Package.swift, then builds
        // its stages, rerunning a stage only when something in its key changed. It builds as it is:
        // run `lepton build`, then edit. Every kind of input is shown in the comments.
        import LeptonDescription

        let pipeline = Pipeline(
            name: "my-pipeline",
            // Parameter keys like "train.lr" are read from this file (JSON or YAML).
            params: "params.yaml",
            stages: [
                .stage(
                    name: "prepare",
                    command: "mkdir -p data && printf 'x,y,label\\n0.1,0.9,0\\n0.2,0.8,0\\n0.3,0.7,0\\n0.7,0.3,1\\n0.8,0.2,1\\n0.9,0.1,1\\n' > data/clean.csv",
                    // Data inputs: files, folders and glob patterns, for example
                    // inputs: ["data/raw.csv", .folder("data/images"), .glob("data/shards/*.npy")],
                    // Code inputs: files, folders, and the sources of this package's SwiftPM targets:
                    // code: ["prepare.py", .folder("scripts"), .target("Prepare")],
                    // Only these keys of params.yaml count; other keys can change freely:
                    // params: ["prepare.split", .value("seed", 42)],
                    // Environment variables whose values matter:
                    // environment: ["OMP_NUM_THREADS"],
                    // Outputs: files and folders the command writes; cached and restored by Lepton.
                    outputs: ["data/clean.csv"]
                    // Metrics files (JSON, YAML or CSV), cached like outputs:
                    // metrics: ["metrics.json"],
                    // Order without data flow:
                    // after: ["download"],
                    // Cores, memory, a time limit, and where it runs (not part of the key):
                    // resources: Resources(cpus: 2, memory: "4G", time: "30m")
                ),
                // The built-in trainer (a PyTorch script works too: a .stage running python3).
                // Another stage's output as input: "train" runs after "prepare".
                .train(
                    name: "train",
                    data: .csv("data/clean.csv", label: "label"),
                    model: [.dense(8), .relu, .dense(2)],
                    // Any setting can come from params.yaml: .adam(learningRate: .param("train.lr"))
                    optimizer: .adam(learningRate: 0.05),
                    epochs: 20,
                    checkpoint: "models/model.safetensors"
                ),
                // Metrics of the trained model; a gate fails the build when it is not met.
                .evaluate(
                    name: "evaluate",
                    checkpoint: "models/model.safetensors",
                    data: .csv("data/clean.csv", label: "label"),
                    metrics: "metrics.json",
                    require: ["accuracy >= 0.5"]
                ),
            ]
        )

        // Swift works here: loops and functions can generate stages.
        // for fold in 0..<3 {
        //     pipeline.stages.append(.stage(name: "cv-\\(fold)", command: "sh cv.sh \\(fold)", outputs: ["cv/\\(fold).json"]))
        // }

        """
}
