import LeptonCore
import LeptonSystem

/// Builds a pipeline description in a temporary package with a fake runner: the engine-level
/// equivalent of ninja's `build_test.cc` fixture.
public final class EngineHarness: @unchecked Sendable {
    public let package: TemporaryPackage
    public let runner: FakeProcessRunner
    public var pipeline: PipelineDescription
    public var targets: TargetSources?
    public var overrides: [String: String] = [:]
    /// The builds' clock: the system's, or a ``ManualClock`` to control what the engine
    /// timestamps (run-cache entries, the stat cache's racy rule, durations).
    public var clock: any LeptonSystem.Clock = SystemClock()

    public init(stages: [StageDescription], paramsFile: String = "params.yaml") {
        package = TemporaryPackage("engine")
        runner = FakeProcessRunner()
        pipeline = PipelineDescription(name: "test", paramsFile: paramsFile, stages: stages)
    }

    /// Runs a build (or a dry run) and returns the summary; the runner remembers what ran.
    @discardableResult
    public func build(_ options: BuildOptions = BuildOptions(), observer: RecordingObserver = RecordingObserver())
        throws
        -> BuildSummary
    {
        let workspace = package.workspace
        let builder = Builder(
            workspace: workspace, pipeline: pipeline, targets: targets,
            params: ParamsStore(root: workspace.root, overrides: overrides),
            statCache: StatCache.load(from: workspace.statCacheFile), runner: runner, observer: observer,
            clock: clock, options: options)
        return try builder.build()
    }

    /// Builds and returns the stages that ran (not restored), in declaration order (parallel
    /// builds run independent stages in any order).
    public func ranStages(_ options: BuildOptions = BuildOptions()) throws -> [String] {
        runner.reset()
        try build(options)
        let ran = Set(runner.ran)
        return pipeline.stages.map(\.name).filter(ran.contains)
    }

    /// Validation diagnostics' messages.
    public func diagnostics() -> [String] {
        PipelineValidator(root: package.root, targets: targets)
            .validate(pipeline, params: ParamsStore(root: package.root)).map(\.message)
    }

    /// A behaviour that writes `content(request)` to `path` in the package.
    public func writes(_ path: String, _ content: @escaping @Sendable () -> String) -> FakeProcessRunner.Behavior {
        let package = self.package
        return { _ in
            package.write(path, content())
            return 0
        }
    }

    /// A behaviour that copies one file of the package to another, optionally transformed.
    public func transforms(
        _ input: String, to output: String, _ transform: @escaping @Sendable (String) -> String = { $0 }
    )
        -> FakeProcessRunner.Behavior
    {
        let package = self.package
        return { _ in
            guard let text = package.read(input) else { return 1 }
            package.write(output, transform(text))
            return 0
        }
    }
}

/// Shorthands for stage declarations in tests.
public func stage(
    _ name: String, inputs: [String] = [], code: [String] = [], params: [String] = [], outputs: [String] = [],
    after: [String] = [], command: String? = nil
) -> StageDescription {
    StageDescription(
        name: name, command: .shell(command ?? "fake \(name)"),
        inputs: inputs.map { PathSpec(kind: .path, path: $0) }, code: code.map { PathSpec(kind: .path, path: $0) },
        params: params.map { ParameterSpec(key: $0) }, outputs: outputs.map { PathSpec(kind: .path, path: $0) },
        after: after)
}
