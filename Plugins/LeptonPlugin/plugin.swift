import Foundation
import PackagePlugin

/// `swift package --allow-writing-to-package-directory lepton [build|status|dag|…]`.
///
/// A thin wrapper: it hands the `lepton` tool the package's targets with their source files
/// (so `.target("Name")` code inputs are exact), runs it in the package directory, and reports
/// its exit status, which SwiftPM would otherwise flatten to 1.
///
/// SwiftPM builds a command plugin's tool in debug. That is fine for orchestration, but the
/// built-in trainer's Swift code runs about 2x slower unoptimised, so when the loaded pipeline
/// has built-in trainer stages (the tool says, not a search of the Leptonfile's text) the plugin
/// asks SwiftPM for a release build of the small
/// `lepton-trainer` product (about half a minute, once; later builds are incremental) and hands
/// its path to the tool, which runs `.train`/`.evaluate` stages with it.
/// `LEPTON_PLUGIN_TRAINER=debug` skips that.
@main
struct LeptonPlugin: CommandPlugin {
    func performCommand(context: PluginContext, arguments: [String]) async throws {
        let tool = try context.tool(named: "lepton")
        // SwiftPM forwards permission flags placed after the verb; the tool does not know them.
        let forwarded = arguments.filter {
            $0 != "--allow-writing-to-package-directory" && !$0.hasPrefix("--allow-network-connections")
        }
        let targetsFile = context.pluginWorkDirectoryURL.appendingPathComponent("lepton-targets.json")
        try writeTargets(of: context.package, to: targetsFile)

        let process = Process()
        process.executableURL = tool.url
        process.arguments = forwarded
        process.currentDirectoryURL = context.package.directoryURL
        var environment = ProcessInfo.processInfo.environment
        environment["LEPTON_SWIFTPM_TARGETS"] = targetsFile.path
        environment["LEPTON_PACKAGE_PATH"] = context.package.directoryURL.path
        if let optimized = try optimizedTool(for: context, tool: tool.url, environment: environment) {
            environment["LEPTON_TRAINER_TOOL"] = optimized
        }
        process.environment = environment
        try process.run()
        process.waitUntilExit()
        if process.terminationReason == .uncaughtSignal {
            Diagnostics.error("lepton was killed by signal \(process.terminationStatus)")
            exit(128 + process.terminationStatus)
        }
        if process.terminationStatus != 0 {
            Diagnostics.error("lepton exited with status \(process.terminationStatus)")
            exit(process.terminationStatus)
        }
    }

    /// The path of a release build of `lepton-trainer` when the pipeline has built-in trainer
    /// stages (`.train`, `.evaluate`, `.predict`, or `.lepton` commands running them), else nil.
    private func optimizedTool(for context: PluginContext, tool: URL, environment: [String: String]) throws -> String? {
        guard environment["LEPTON_PLUGIN_TRAINER"] != "debug",
            runsTrainer(tool: tool, in: context.package.directoryURL, environment: environment)
        else { return nil }
        let result = try packageManager.build(
            .product("lepton-trainer"),
            parameters: PackageManager.BuildParameters(configuration: .release, logging: .concise))
        // The result may also list the plugin's own (debug) tool; take the release trainer.
        let release = result.builtArtifacts.first {
            $0.kind == .executable && $0.url.lastPathComponent == "lepton-trainer"
                && $0.url.deletingLastPathComponent().lastPathComponent == "release"
        }
        guard result.succeeded, let artifact = release else {
            Diagnostics.warning(
                "could not build an optimized lepton-trainer; the trainer runs unoptimized:\n\(result.logText)")
            return nil
        }
        return artifact.url.path
    }

    /// Whether any stage runs the built-in trainer, as the tool's loaded description says
    /// (`lepton dag --format json`; the evaluation is cached, so this costs a process start).
    /// False when the Leptonfile cannot be loaded: the command itself then reports why.
    private func runsTrainer(tool: URL, in directory: URL, environment: [String: String]) -> Bool {
        let process = Process()
        process.executableURL = tool
        process.arguments = ["dag", "--format", "json"]
        process.currentDirectoryURL = directory
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
            let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let stages = json["stages"] as? [[String: Any]]
        else { return false }
        return stages.contains { $0["runsTrainer"] as? Bool == true }
    }

    /// Writes `{"targets": {"Name": ["Sources/Name/a.swift", …]}}`: each target's own source
    /// files plus those of every target it depends on, relative to the package root.
    private func writeTargets(of package: Package, to url: URL) throws {
        let root = package.directoryURL.standardizedFileURL.path
        func relative(_ url: URL) -> String {
            let path = url.standardizedFileURL.path
            return path.hasPrefix(root + "/") ? String(path.dropFirst(root.count + 1)) : path
        }
        func files(_ target: any Target) -> [String] {
            guard let module = target.sourceModule else { return [] }
            return module.sourceFiles.map { relative($0.url) }
        }
        var targets: [String: [String]] = [:]
        for target in package.targets {
            var all = Set(files(target))
            for dependency in target.recursiveTargetDependencies { all.formUnion(files(dependency)) }
            targets[target.name] = all.sorted()
        }
        let data = try JSONSerialization.data(withJSONObject: ["targets": targets], options: [.sortedKeys])
        try data.write(to: url)
    }
}
