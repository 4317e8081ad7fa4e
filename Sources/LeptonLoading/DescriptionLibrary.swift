import LeptonCore
import LeptonSystem

/// The compiled `LeptonDescription` module a Leptonfile links against.
///
/// Its sources are embedded in the `lepton` binary (`.embedInCode`), so Lepton does not depend
/// on a build folder that may be gone. It is compiled (about 0.7 s) once per DSL and compiler
/// into a user-level cache shared by every package and clone (`$LEPTON_CACHE_HOME`, else
/// `$XDG_CACHE_HOME/lepton`, else `~/.cache/lepton`), the way SwiftPM ships PackageDescription
/// prebuilt; where that cannot be written (a sandbox, a read-only home) into the package's
/// `.lepton/leptonfile/`.
struct DescriptionLibrary: Sendable {
    /// The folder holding `LeptonDescription.swiftmodule` and `libLeptonDescription.a`.
    let directory: String

    /// The embedded DSL sources, by file name.
    static let sources: [(name: String, bytes: [UInt8])] = [
        ("Artifact.swift", PackageResources.Artifact_swift),
        ("Command.swift", PackageResources.Command_swift),
        ("Dump.swift", PackageResources.Dump_swift),
        ("JSONWriter.swift", PackageResources.JSONWriter_swift),
        ("LeptonDescriptionSerialization.swift", PackageResources.LeptonDescriptionSerialization_swift),
        (
            "LeptonDescriptionSerializationConversion.swift",
            PackageResources.LeptonDescriptionSerializationConversion_swift
        ),
        ("Parameter.swift", PackageResources.Parameter_swift),
        ("Pipeline.swift", PackageResources.Pipeline_swift),
        ("Plot.swift", PackageResources.Plot_swift),
        ("Resources.swift", PackageResources.Resources_swift),
        ("Stage.swift", PackageResources.Stage_swift),
        ("Stage+Training.swift", PackageResources.Stage_Training_swift),
        ("TrainerFlag.swift", PackageResources.TrainerFlag_swift),
        ("Training.swift", PackageResources.Training_swift),
        ("Version.swift", PackageResources.Version_swift),
    ]

    /// The digest of the embedded sources: part of every cache key.
    static let digest: String = {
        var all: [UInt8] = []
        for source in sources {
            all += Array(source.name.utf8) + [0] + source.bytes + [0]
        }
        return ContentHash.of(all)
    }()

    /// The user-level cache folder, nil when no home is known.
    static var userCache: String? {
        if let folder = Environment.value("LEPTON_CACHE_HOME") { return folder }
        if let folder = Environment.value("XDG_CACHE_HOME") { return folder + "/lepton" }
        return Environment.value("HOME").map { $0 + "/.cache/lepton" }
    }

    /// Finds the compiled library in the user-level cache, else in `fallback` (the package's
    /// loader folder), compiling it first where it is missing.
    static func prepare(
        in fallback: String, userCache: String? = DescriptionLibrary.userCache, toolchain: Toolchain,
        runner: any ProcessRunner, fileSystem: any FileSystem = PosixFileSystem()
    ) throws(LeptonError) -> DescriptionLibrary {
        if let user = userCache {
            do throws(LeptonError) {
                return try prepare(
                    at: user + "/" + folderName(toolchain), toolchain: toolchain, runner: runner,
                    fileSystem: fileSystem)
            } catch {
                // A compiler that fails fails in the package too: report it once, not after a second try.
                if error.code == .leptonfileCompile { throw error }
            }
        }
        return try prepare(
            at: fallback + "/" + folderName(toolchain), toolchain: toolchain, runner: runner, fileSystem: fileSystem)
    }

    /// `dsl-<digest of the DSL sources and the compiler>`: a module compiled by another compiler
    /// cannot be imported.
    static func folderName(_ toolchain: Toolchain) -> String {
        "dsl-" + ContentHash.of(text: digest + "\n" + toolchain.identity).prefix(16)
    }

    private static func prepare(
        at directory: String, toolchain: Toolchain, runner: any ProcessRunner, fileSystem: any FileSystem
    ) throws(LeptonError) -> DescriptionLibrary {
        let library = DescriptionLibrary(directory: directory)
        if fileSystem.exists(directory + "/libLeptonDescription.a") { return library }
        if let parent = RelativePath.parent(directory) { try fileSystem.createDirectories(parent) }
        let staging = fileSystem.temporaryName(beside: directory)
        try fileSystem.createDirectories(staging + "/src")
        defer { try? fileSystem.remove(staging) }
        var files: [String] = []
        for source in sources {
            let path = "\(staging)/src/\(source.name)"
            try fileSystem.writeAtomically(source.bytes, to: path, durable: false)
            files.append(path)
        }
        let arguments =
            [
                toolchain.swiftc, "-parse-as-library", "-module-name", "LeptonDescription", "-Onone",
                "-gline-tables-only",
                "-emit-library", "-static", "-o", "\(staging)/libLeptonDescription.a",
                "-emit-module", "-emit-module-path", "\(staging)/LeptonDescription.swiftmodule",
            ] + files
        let log = "\(staging)/compile.log"
        let outcome = runner.run(
            ProcessRequest(
                stage: "leptonfile", arguments: arguments, workingDirectory: staging, environment: [:], logPath: log,
                supervisedGrace: .zero))
        guard outcome.succeeded else {
            let output = (try? fileSystem.readText(log)) ?? ""
            throw LeptonError(
                .leptonfileCompile,
                "cannot compile the LeptonDescription library with '\(toolchain.swiftc)':\n\(output)")
        }
        try? fileSystem.remove(staging + "/src")
        try? fileSystem.remove(log)
        // Publish atomically: another build may have won the race, which is fine.
        if (try? fileSystem.move(staging, to: directory)) == nil
            && !fileSystem.exists(directory + "/libLeptonDescription.a")
        {
            throw LeptonError(.io, "cannot install the compiled LeptonDescription library in '\(directory)'")
        }
        return library
    }
}
