import Foundation
import PackagePlugin

/// `swift package --allow-writing-to-package-directory lepton [build|status|dag|…]`.
///
/// A thin wrapper: it hands the `lepton` tool the package's targets with their source files
/// (so `.target("Name")` code inputs are exact), runs it in the package directory, and reports
/// its exit status, which SwiftPM would otherwise flatten to 1.
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
