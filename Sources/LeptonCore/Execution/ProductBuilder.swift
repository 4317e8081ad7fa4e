import LeptonSystem
import Synchronization

/// Builds the executable products `.product` stages run, once per build each, and says where
/// the binary is.
///
/// Under `swift package lepton` the plugin has built them already, through SwiftPM's plugin API
/// (SwiftPM holds the build lock, so a `swift build` here would wait forever), and hands their
/// paths over in `$LEPTON_PRODUCTS` (a JSON object, name to path). From the CLI, Lepton runs
/// `swift build -c CONFIGURATION --product NAME` itself, its output in the product's log.
final class ProductBuilder: Sendable {
    private let workspace: Workspace
    private let runner: any ProcessRunner
    private let prebuilt: [String: String]
    private let insideSwiftPM: Bool
    private let built = Mutex<[String: Result<String, StageFailure>]>([:])

    init(workspace: Workspace, runner: any ProcessRunner, prebuilt: [String: String], insideSwiftPM: Bool) {
        self.workspace = workspace
        self.runner = runner
        self.prebuilt = prebuilt
        self.insideSwiftPM = insideSwiftPM
    }

    /// The products the plugin built: `$LEPTON_PRODUCTS`, a file holding `{"name": "/path"}`.
    static func prebuiltFromEnvironment(fileSystem: any FileSystem = PosixFileSystem()) -> [String: String] {
        guard let file = Environment.value("LEPTON_PRODUCTS"), let bytes = try? fileSystem.read(file),
            let json = try? JSON.parse(bytes), let members = json.objectValue
        else { return [:] }
        return members.compactMapValues(\.stringValue)
    }

    /// The path of `name` built in `configuration`, building it the first time it is asked for
    /// in this build (other stages that need it wait).
    func path(of name: String, configuration: String) -> Result<String, StageFailure> {
        built.withLock { done in
            let key = "\(configuration) \(name)"
            if let known = done[key] { return known }
            let result = build(name, configuration: configuration)
            done[key] = result
            return result
        }
    }

    private func build(_ name: String, configuration: String) -> Result<String, StageFailure> {
        if let path = prebuilt[name] { return .success(path) }
        if insideSwiftPM {
            return .failure(
                StageFailure(
                    message:
                        "the SwiftPM plugin did not build product '\(name)' (it builds the products of stages it expects to run); run `swift package lepton build` again, or `lepton build` outside SwiftPM"
                ))
        }
        try? PosixFileSystem().createDirectories(workspace.logDirectory)
        let log = workspace.logDirectory + "/product-\(name).log"
        let swift = ["swift", "build", "-c", configuration]
        let outcome = runner.run(
            ProcessRequest(
                stage: "build product \(name)", arguments: swift + ["--product", name],
                workingDirectory: workspace.root, environment: [:], logPath: log, withheld: StageEnvironment.withheld,
                supervisedGrace: .seconds(2)))
        let tail = StageExecutor.tail(of: log, lines: 20, fileSystem: PosixFileSystem())
        guard outcome == .exited(0) else {
            return .failure(
                StageFailure(
                    message: "`swift build -c \(configuration) --product \(name)` failed", logTail: tail, logPath: log))
        }
        let binPath = workspace.logDirectory + "/product-\(name).bin-path"
        let shown = runner.run(
            ProcessRequest(
                stage: "bin path", arguments: swift + ["--show-bin-path"], workingDirectory: workspace.root,
                environment: [:], logPath: binPath, withheld: StageEnvironment.withheld))
        guard shown == .exited(0),
            let folder = (try? PosixFileSystem().readText(binPath))?.split(separator: "\n").last.map(String.init)
        else {
            return .failure(StageFailure(message: "`swift build --show-bin-path` failed", logPath: binPath))
        }
        let path = folder + "/" + name
        guard PosixFileSystem().statusFollowingLinks(path)?.kind == .file else {
            return .failure(
                StageFailure(
                    message: "'\(name)' is not an executable product of this package (no \(path) after building it)",
                    logTail: tail, logPath: log))
        }
        return .success(path)
    }
}
