import Foundation
import PackagePlugin

/// `swift package --allow-writing-to-package-directory lepton [build|status|dag|…]`.
///
/// A thin wrapper: it hands the `lepton` tool the package's targets with their source files
/// (so `.target("Name")` code inputs are exact), runs it in the package directory, and reports
/// its exit status, which SwiftPM would otherwise flatten to 1.
///
/// SwiftPM builds a command plugin's tool in debug. That is fine for orchestration, but the
/// built-in trainer's Swift code runs about 2x slower unoptimised, so when a built-in trainer
/// stage will run (the tool's plan says, `lepton status --json`; nothing is built on a no-op)
/// the plugin asks SwiftPM for a release build of the small
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
        // SwiftPM holds the build lock while the plugin runs: stages must not start `swift run`.
        environment["LEPTON_INSIDE_SWIFTPM"] = "1"
        // Build only what a stage that will run needs: on an up-to-date package, nothing; for
        // commands that run no stage, nothing is asked.
        let verb = forwarded.first { !$0.hasPrefix("-") } ?? "build"
        let runsNoStage: Set = [
            "status", "dag", "init", "clean", "cache", "params", "metrics", "runs", "tag", "checkout", "plots",
            "remote", "push", "pull", "train", "evaluate", "predict", "help",
        ]
        let needs =
            runsNoStage.contains(verb) || forwarded.contains("--dry-run") || forwarded.contains("-n")
            ? (trainer: false, products: [])
            : stageNeeds(
                tool: tool.url, in: context.package.directoryURL, environment: environment, forwarded: forwarded)
        if needs.trainer, let optimized = try optimizedTrainer(environment: environment) {
            environment["LEPTON_TRAINER_TOOL"] = optimized
        }
        if !needs.products.isEmpty {
            let productsFile = context.pluginWorkDirectoryURL.appendingPathComponent("lepton-products.json")
            try buildProducts(needs.products, to: productsFile)
            environment["LEPTON_PRODUCTS"] = productsFile.path
        }
        process.environment = environment
        try process.run()
        process.waitUntilExit()
        if process.terminationReason == .uncaughtSignal {
            Diagnostics.error("lepton was killed by signal \(process.terminationStatus)")
            exit(128 + process.terminationStatus)
        }
        if process.terminationStatus != 0 {
            // `status` exits 1 when something is stale: an answer, not an error. SwiftPM would
            // print "error: Plugin ended with exit code 1" for it (and flattens every status to
            // 1 anyway), so the plugin ends normally; the stale stages are already listed.
            if process.terminationStatus == 1 && verb == "status" { return }
            Diagnostics.error("lepton exited with status \(process.terminationStatus)")
            exit(process.terminationStatus)
        }
    }

    /// The path of a release build of `lepton-trainer`, for the built-in trainer stages.
    private func optimizedTrainer(environment: [String: String]) throws -> String? {
        guard environment["LEPTON_PLUGIN_TRAINER"] != "debug" else { return nil }
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

    /// What the stages that will run need built first, as the tool's plan says (`lepton status
    /// --json`; with nothing stale it costs the no-op check): the optimized trainer for built-in
    /// trainer stages, and the package's executable products for `.product` stages. Nothing
    /// when the Leptonfile cannot be loaded: the command itself then reports why.
    private func stageNeeds(tool: URL, in directory: URL, environment: [String: String], forwarded: [String])
        -> (trainer: Bool, products: [(name: String, configuration: String)])
    {
        let process = Process()
        process.executableURL = tool
        // With --force a stage may run that the plan calls up to date: take every stage then.
        let everything = forwarded.contains("--force")
        process.arguments = everything ? ["dag", "--format", "json"] : ["status", "--json"]
        process.currentDirectoryURL = directory
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return (false, []) }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let stages = json[everything ? "stages" : "stale"] as? [[String: Any]]
        else { return (false, []) }
        let running =
            everything
            ? stages : stages.filter { ["run", "run-if-upstream-changes"].contains($0["action"] as? String ?? "") }
        var products: [(name: String, configuration: String)] = []
        for item in running {
            guard let product = item["product"] as? [String: Any], let name = product["name"] as? String else {
                continue
            }
            let configuration = product["configuration"] as? String ?? "release"
            if !products.contains(where: { $0.name == name && $0.configuration == configuration }) {
                products.append((name, configuration))
            }
        }
        return (running.contains { $0["runsTrainer"] as? Bool == true }, products)
    }

    /// Builds the products through SwiftPM (the plugin API, so no second SwiftPM waits for the
    /// lock this one holds) and writes `{"name": "/path/to/binary"}` for the tool.
    private func buildProducts(_ products: [(name: String, configuration: String)], to url: URL) throws {
        var paths: [String: String] = [:]
        for product in products {
            let result = try packageManager.build(
                .product(product.name),
                parameters: PackageManager.BuildParameters(
                    configuration: product.configuration == "debug" ? .debug : .release, logging: .concise))
            guard result.succeeded else {
                Diagnostics.error("could not build product '\(product.name)':\n\(result.logText)")
                continue
            }
            if let artifact = result.builtArtifacts.first(where: {
                $0.kind == .executable && $0.url.lastPathComponent == product.name
            }) {
                paths[product.name] = artifact.url.path
            }
        }
        let data = try JSONSerialization.data(withJSONObject: paths, options: [.sortedKeys])
        try data.write(to: url)
    }

    /// Writes `{"targets": {"Name": ["Sources/Name/a.swift", …]}, "products": {"name": ["Target"]}}`:
    /// each target's own source files plus those of every target it depends on, relative to the
    /// package root, and the targets each product is made of.
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
        var products: [String: [String]] = [:]
        for product in package.products { products[product.name] = product.targets.map(\.name) }
        let data = try JSONSerialization.data(
            withJSONObject: ["targets": targets, "products": products], options: [.sortedKeys])
        try data.write(to: url)
    }
}
