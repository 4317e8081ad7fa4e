import LeptonCore
import LeptonSystem

/// Where stages run by default and how the cluster is reached: `Lepton.config`'s `executor` and
/// `slurm` sections, `LEPTON_EXECUTOR` and the `LEPTON_SLURM_*` variables over them, and
/// `--executor` over everything.
public struct ExecutorConfiguration: Sendable, Equatable {
    public var defaultExecutor: ExecutorKind = .local
    public var slurm = SlurmSettings()

    public init() {}

    /// Reads `Lepton.config` in `root` (absent: everything default) and the environment.
    ///
    /// - Throws: ``LeptonError`` naming the file or variable when a setting is not valid.
    public static func load(root: String, environment: (String) -> String? = Environment.value) throws(LeptonError)
        -> ExecutorConfiguration
    {
        let path = RelativePath.join(root, "Lepton.config")
        let fileSystem = PosixFileSystem()
        var json = JSON.object([:])
        if fileSystem.status(path) != nil {
            let bytes = try fileSystem.read(path)
            do throws(JSONParseError) {
                json = try JSON.parse(bytes)
            } catch {
                throw LeptonError(.usage, "\(path) is not valid JSON: \(error.description)")
            }
        }
        var configuration = ExecutorConfiguration()
        if let name = environment("LEPTON_EXECUTOR") ?? json["executor"]?.stringValue {
            guard let kind = ExecutorKind(rawValue: name) else {
                throw LeptonError(
                    .usage,
                    "unknown executor '\(name)' (from \(environment("LEPTON_EXECUTOR") != nil ? "LEPTON_EXECUTOR" : path)); use one of: \(ExecutorKind.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            configuration.defaultExecutor = kind
        }
        configuration.slurm = try SlurmSettings(section: json["slurm"], path: path, environment: environment)
        return configuration
    }
}
