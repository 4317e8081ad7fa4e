import LeptonSystem

/// The params files a pipeline reads, each loaded once per build.
public final class ParamsStore: @unchecked Sendable {
    private let root: String
    private let fileSystem: any FileSystem
    private var files: [String: Result<ParamsFile, LeptonError>] = [:]
    /// Each params file's status when it was read (nil if it changed while being read).
    public private(set) var statuses: [String: FileStatus?] = [:]
    /// Values given on the command line (`--set key=value`), by key, as canonical JSON text.
    public let overrides: [String: String]

    public init(root: String, overrides: [String: String] = [:], fileSystem: any FileSystem = PosixFileSystem()) {
        self.root = root
        self.overrides = overrides
        self.fileSystem = fileSystem
    }

    /// Loads every params file a pipeline names, before the build starts (not thread-safe after).
    public func preload(_ pipeline: PipelineDescription) {
        for stage in pipeline.stages {
            for parameter in stage.params where parameter.inline == nil {
                _ = file(parameter.file ?? pipeline.paramsFile)
            }
            for file in stage.resources.paramsFiles { _ = self.file(file ?? pipeline.paramsFile) }
        }
    }

    func file(_ path: String) -> Result<ParamsFile, LeptonError> {
        if let known = files[path] { return known }
        let result: Result<ParamsFile, LeptonError>
        do throws(LeptonError) {
            let absolute = RelativePath.join(root, path)
            if !fileSystem.exists(absolute) {
                throw LeptonError(
                    .invalidPipeline,
                    "params file '\(path)' does not exist; create it or name another file with .key(_:file:)")
            }
            let before = fileSystem.status(absolute)
            let bytes = try fileSystem.read(absolute)
            let after = fileSystem.status(absolute)
            statuses[path] = before == after ? after : nil
            result = .success(try ParamsFile(path: path, bytes: bytes))
        } catch {
            result = .failure(error)
        }
        files[path] = result
        return result
    }

    /// The canonical value of a key, or an error naming the file and the nearest key.
    public func lookup(_ key: String, in path: String) -> Result<String, LeptonError> {
        if let override = overrides[key] { return .success(override) }
        switch file(path) {
        case .failure(let error): return .failure(error)
        case .success(let params):
            if let value = params.value(at: key) { return .success(ParamsFile.canonical(value)) }
            var message = "params key '\(key)' does not exist in '\(path)'"
            if let suggestion = EditDistance.suggestion(for: key, among: params.leafKeys) {
                message += "; did you mean '\(suggestion)'?"
            } else {
                message += "; add it to the file"
            }
            return .failure(LeptonError(.invalidPipeline, message))
        }
    }
}
