import Dispatch
import LeptonCore
import LeptonSystem
import Synchronization

/// Evaluates a Leptonfile into a ``PipelineDescription``, like SwiftPM's `ManifestLoader`:
/// compile → evaluate → parse → convert, each a small step, with the result cached by
/// everything that can change it.
///
/// The cache key covers the Leptonfile's bytes, the embedded DSL sources, the compiler's
/// identity and the package path. An unchanged Leptonfile costs one file read and one parse.
public struct LeptonfileLoader: Sendable {
    /// How a load went, for `--verbose` and the benchmark.
    public enum Source: Sendable {
        case cache, evaluated
        /// Read without the compiler: the Leptonfile is nothing but literals (``LiteralLeptonfile``).
        case literal
        /// Read as literals, with the constants only the compiler can compute evaluated by a
        /// small probe (``LiteralLeptonfile/constantsProbe(_:)``).
        case constants
    }

    public let workspace: Workspace
    let runner: any ProcessRunner
    let fileSystem = PosixFileSystem()
    static let cacheVersion = "lepton-leptonfile-cache v1"

    /// Called once when running the compiled Leptonfile takes longer than ``slowAfter``
    /// seconds (an endless loop looks like a hang otherwise).
    public var onSlowEvaluation: (@Sendable (Double) -> Void)?
    public var slowAfter: Double = 3
    /// Called when the compiler took longer than ``slowCompileAfter`` seconds to type-check
    /// one expression of the Leptonfile, with its warning (on the user's path and line).
    /// Also called, once, when the whole compile took longer than ``slowWholeCompileAfter``
    /// seconds and no single expression was to blame (many statements: code generation).
    public var onSlowCompile: (@Sendable (String) -> Void)?
    public var slowCompileAfter: Double = 1.5
    public var slowWholeCompileAfter: Double = 5
    /// Called once, with the holder's description, when another process is evaluating the same
    /// package's Leptonfile and this one waits for its result.
    public var onWaiting: (@Sendable (String) -> Void)?
    /// Seconds after which the evaluation is stopped and reported; nil waits for ever.
    public var timeout: Double?
    /// Reads a Leptonfile of nothing but literals without the compiler; `LEPTON_COMPILE_LEPTONFILE=1`
    /// compiles every Leptonfile.
    public var readsLiterals = Environment.raw("LEPTON_COMPILE_LEPTONFILE") != "1"
    /// Skips SILGen's OSSA lifetime completion (see ``lifetimeCompletionFlag``); tests compare.
    var completesLifetimes = false
    /// Compiles long array literals in pieces (``LiteralSplitter``); `LEPTON_SPLIT_LITERALS=0`
    /// compiles the file as written (to compare, or should a split ever misbehave).
    public var splitsLiterals = Environment.raw("LEPTON_SPLIT_LITERALS") != "0"

    /// Compiles the Leptonfile as written when its split copy does not compile; tests turn it
    /// off to see the split copy compile by itself.
    var compilesAsWrittenAfterASplitFails = true

    public init(workspace: Workspace, runner: any ProcessRunner = PosixProcessRunner()) {
        self.workspace = workspace
        self.runner = runner
    }

    /// Loads the pipeline.
    ///
    /// - Returns: The pipeline, whether it came from the cache, and the cache key (see ``cacheKey()``).
    /// - Throws: ``LeptonError`` with code `leptonfileCompile` (the compiler's diagnostics, on
    ///   the user's path and lines), `leptonfileCrash`, `leptonfileVersion` or `invalidPipeline`
    ///   (every DSL misuse at once).
    public func load() throws(LeptonError) -> (pipeline: PipelineDescription, source: Source, key: String) {
        let bytes: [UInt8]
        do {
            bytes = try fileSystem.read(workspace.leptonfile)
        } catch {
            throw LeptonError(
                .io, "cannot read '\(workspace.leptonfile)'; run `lepton init` to create one", cause: error)
        }
        try ToolsVersion.check(bytes, leptonfile: workspace.leptonfile)
        // A Leptonfile of literals needs no compiler: without one it is still read.
        let toolchain = Result { () throws(LeptonError) in try Toolchain.find() }
        let key = cacheKey(bytes, toolchainIdentity: try? toolchain.get().identity)
        let cachePath = workspace.loaderDirectory + "/description.bin"
        if let cached = readCache(cachePath, key: key) { return (cached, .cache, key) }
        try workspace.prepare()
        try fileSystem.createDirectories(workspace.loaderDirectory)
        if readsLiterals, let envelope = LiteralLeptonfile.envelope(bytes) {
            let pipeline = try LeptonfileJSONParser.convert(envelope, leptonfile: workspace.leptonfile)
            try? fileSystem.writeAtomically(pipeline.binary(key: key), to: cachePath, durable: false)
            return (pipeline, .literal, key)
        }
        // One evaluation at a time per package: a second build waits for the first and then
        // finds its result in the cache instead of compiling the same Leptonfile again.
        let compiling = try BuildLock.acquire(
            path: workspace.loaderDirectory + "/evaluate.lock", command: "lepton"
        ) { holder in onWaiting?(holder) }
        defer { withExtendedLifetime(compiling) {} }
        if let cached = readCache(cachePath, key: key) { return (cached, .cache, key) }
        let compiler = try toolchain.get()
        let library = try DescriptionLibrary.prepare(
            in: workspace.loaderDirectory, toolchain: compiler, runner: runner)
        let scratch = fileSystem.temporaryName(beside: workspace.loaderDirectory + "/evaluate")
        try fileSystem.createDirectories(scratch)
        defer { try? fileSystem.remove(scratch) }
        if readsLiterals, let computed = computedConstants(bytes, in: scratch, library: library, toolchain: compiler),
            let envelope = LiteralLeptonfile.envelope(bytes, computed: computed)
        {
            let pipeline = try LeptonfileJSONParser.convert(envelope, leptonfile: workspace.leptonfile)
            try? fileSystem.writeAtomically(pipeline.binary(key: key), to: cachePath, durable: false)
            return (pipeline, .constants, key)
        }
        let executable = try compile(bytes, key: key, in: scratch, library: library, toolchain: compiler)
        let envelope = try evaluate(executable, in: scratch)
        let pipeline = try LeptonfileJSONParser.parse(envelope, leptonfile: workspace.leptonfile)
        try? fileSystem.writeAtomically(pipeline.binary(key: key), to: cachePath, durable: false)
        return (pipeline, .evaluated, key)
    }

    /// The key of the evaluated description: changes whenever evaluating again could give
    /// another result (the Leptonfile's bytes, the DSL, the compiler, the package path).
    public func cacheKey() throws(LeptonError) -> String {
        cacheKey(try fileSystem.read(workspace.leptonfile), toolchainIdentity: try? Toolchain.find().identity)
    }

    /// `toolchainIdentity` is nil where no compiler is found (a Leptonfile of literals is read
    /// without one).
    func cacheKey(_ bytes: [UInt8], toolchainIdentity: String?) -> String {
        let compiler = toolchainIdentity ?? "no compiler"
        let header =
            "\(LeptonfileLoader.cacheVersion)\n\(DescriptionLibrary.digest)\n\(compiler)\n\(workspace.root)\n"
        return ContentHash.of(Array(header.utf8) + bytes)
    }

    private func readCache(_ path: String, key: String) -> PipelineDescription? {
        guard let bytes = try? fileSystem.read(path) else { return nil }
        return PipelineDescription(binary: bytes, key: key)
    }

    /// Compiles the Leptonfile. A Leptonfile with long array literals is compiled cut into
    /// pieces (``LiteralSplitter``), incrementally in `.lepton/leptonfile/incremental`, so an
    /// edit compiles again only what it touched; should that fail, the file is compiled as
    /// written, so that the diagnostics are the compiler's on the user's file. As written, it is
    /// compiled through a VFS overlay that maps a virtual `Leptonfile.swift` onto the real file:
    /// swiftc needs the extension, and diagnostics keep the real path.
    private func compile(
        _ bytes: [UInt8], key: String, in scratch: String, library: DescriptionLibrary, toolchain: Toolchain
    ) throws(LeptonError) -> String {
        var executable = scratch + "/leptonfile"
        let clock = SystemClock()
        let started = clock.monotonicNow()
        var outcome = ProcessOutcome.failed("not compiled")
        var printed: [Substring] = []
        /// Compiles `inputs` into `output`: without lifetime completion unless
        /// ``completesLifetimes``, then with it should the compiler refuse the flag or crash.
        func run(_ inputs: [String], into output: String) {
            for completes in completesLifetimes ? [true] : [false, true] {
                if completes && !completesLifetimes
                    && !printed.contains(where: {
                        $0.contains(Self.lifetimeCompletionFlag) || $0.contains("failed due to signal")
                    })
                {
                    return
                }
                (outcome, printed) = runCompiler(
                    inputs, in: scratch, library: library, toolchain: toolchain, executable: output,
                    completeLifetimes: completes)
                if outcome.succeeded { return }
            }
        }
        var splitTried = false
        // The pieces of this very Leptonfile (its cache key) failed to compile where the whole
        // file compiled (rows reading a `private` declaration): not tried again until it changes.
        let splitFailed = workspace.loaderDirectory + "/split-failed"
        if splitsLiterals, (try? fileSystem.read(splitFailed)) != Array(key.utf8),
            let split = LiteralSplitter.split(bytes, path: workspace.leptonfile)
        {
            let directory = workspace.loaderDirectory + "/incremental"
            let inputs = try IncrementalSources.write(split, in: directory, fileSystem: fileSystem)
            run(inputs, into: directory + "/leptonfile")
            if outcome.succeeded { executable = directory + "/leptonfile" }
            splitTried = true
        }
        if !outcome.succeeded && (compilesAsWrittenAfterASplitFails || !splitTried) {
            try writeOverlay(in: scratch)
            run(["-vfsoverlay", scratch + "/overlay.json", scratch + "/virtual/Leptonfile.swift"], into: executable)
            if splitTried && outcome.succeeded {
                try? fileSystem.writeAtomically(Array(key.utf8), to: splitFailed, durable: false)
            }
        }
        guard outcome.succeeded else {
            let output =
                printed
                .filter {
                    !$0.hasPrefix("error: emit-module command failed") && !$0.hasPrefix("error: compile command failed")
                }
                .joined(separator: "\n")
            throw LeptonError(.leptonfileCompile, "the Leptonfile does not compile:\n\(output)")
        }
        if let onSlowCompile {
            let slowExpressions = printed.filter {
                $0.hasPrefix(workspace.leptonfile) && $0.contains("to type-check")
            }
            for line in slowExpressions { onSlowCompile(String(line)) }
            let seconds = Double(clock.monotonicNow() - started) / 1e9
            if slowExpressions.isEmpty && seconds > slowWholeCompileAfter {
                onSlowCompile(
                    "\(workspace.leptonfile): note: compiling the Leptonfile took \(Int(seconds)) s (no single expression; its length)"
                )
            }
        }
        return executable
    }

    /// The text of each computed constant of a Leptonfile otherwise in the literal subset, from
    /// its probe compiled and run; nil when there is no probe, or it fails in any way (a
    /// compile error, a crash, DSL misuse, a second pipeline): the file is then compiled whole,
    /// and the user sees that compile's diagnostics.
    private func computedConstants(
        _ bytes: [UInt8], in scratch: String, library: DescriptionLibrary, toolchain: Toolchain
    ) -> ProbeValues? {
        guard let probe = LiteralLeptonfile.constantsProbe(bytes) else { return nil }
        let directory = scratch + "/constants"
        let source = directory + "/main.swift"
        guard (try? fileSystem.createDirectories(directory)) != nil,
            (try? fileSystem.writeAtomically(probe.source, to: source, durable: false)) != nil
        else { return nil }
        let (outcome, _) = runCompiler(
            [source], in: directory, library: library, toolchain: toolchain, executable: directory + "/constants",
            completeLifetimes: completesLifetimes)
        guard outcome.succeeded, let written = try? evaluate(directory + "/constants", in: directory),
            let envelope = try? LeptonfileJSONParser.decode(written, leptonfile: source), envelope.errors.isEmpty,
            let pipeline = envelope.pipeline,
            pipeline.name == LiteralLeptonfile.probePipeline, let gates = pipeline.gates,
            gates.count == probe.names.count + probe.occurrences
        else { return nil }
        let values = gates.map { Array($0.utf8) }
        return ProbeValues(
            named: Dictionary(zip(probe.names, values), uniquingKeysWith: { first, _ in first }),
            occurrences: Array(values.dropFirst(probe.names.count)))
    }

    /// Maps the virtual `Leptonfile.swift` onto the user's file.
    private func writeOverlay(in scratch: String) throws(LeptonError) {
        let overlay = JSON.object([
            "version": .int(0), "case-sensitive": .bool(true),
            "roots": .array([
                .object([
                    "name": .string(scratch + "/virtual"), "type": .string("directory"),
                    "contents": .array([
                        .object([
                            "name": .string("Leptonfile.swift"), "type": .string("file"),
                            "external-contents": .string(workspace.leptonfile),
                        ])
                    ]),
                ])
            ]),
        ])
        try fileSystem.writeAtomically(Array(overlay.compactText.utf8), to: scratch + "/overlay.json", durable: false)
    }

    /// Skips SILGen's OSSA lifetime completion, whose liveness queries grow with the square of
    /// a top-level function's length: a 1,000-row table compiles in 2.1 CPU s instead of 4.0.
    /// The evaluated description is the same either way (a loader test compares).
    static let lifetimeCompletionFlag = "-disable-ossa-complete-lifetimes"

    private func runCompiler(
        _ inputs: [String], in scratch: String, library: DescriptionLibrary, toolchain: Toolchain, executable: String,
        completeLifetimes: Bool
    ) -> (ProcessOutcome, [Substring]) {
        let virtual = scratch + "/virtual"
        var arguments =
            [toolchain.swiftc] + inputs + [
                "-module-name", "Leptonfile", "-I", library.directory, "-L", library.directory, "-lLeptonDescription",
                "-Onone", "-gline-tables-only", "-o", executable,
                "-Xfrontend", "-warn-long-expression-type-checking=\(Int(slowCompileAfter * 1000))",
            ]
        if !completeLifetimes { arguments += ["-Xfrontend", Self.lifetimeCompletionFlag] }
        let log = scratch + "/compile.log"
        let outcome = runner.run(
            ProcessRequest(
                stage: "leptonfile", arguments: arguments, workingDirectory: workspace.root, environment: [:],
                logPath: log, supervisedGrace: .zero))
        let printed = ((try? fileSystem.readText(log)) ?? "")
            .replacingVirtualPath(virtual + "/Leptonfile.swift", with: workspace.leptonfile)
            .split(separator: "\n", omittingEmptySubsequences: false)
        return (outcome, printed)
    }

    /// Runs the compiled Leptonfile and reads the envelope it writes to descriptor 3.
    private func evaluate(_ executable: String, in scratch: String) throws(LeptonError) -> [UInt8] {
        let output = scratch + "/description.json"
        let log = scratch + "/run.log"
        let finished = Atomic<Bool>(false)
        let timedOut = Atomic<Bool>(false)
        if let onSlowEvaluation {
            let after = slowAfter
            DispatchQueue.global().asyncAfter(deadline: .now() + after) {
                if !finished.load(ordering: .relaxed) { onSlowEvaluation(after) }
            }
        }
        if let timeout {
            let runner = self.runner
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout) {
                guard !finished.load(ordering: .relaxed) else { return }
                timedOut.store(true, ordering: .relaxed)
                runner.terminateAll()
            }
        }
        let outcome = runner.run(
            ProcessRequest(
                stage: "leptonfile", arguments: [executable, "-fileno", "3"], workingDirectory: workspace.root,
                environment: ["LEPTON_PACKAGE_DIRECTORY": workspace.root], logPath: log, extraOutputs: [3: output],
                withheld: StageEnvironment.withheld, supervisedGrace: .zero))
        finished.store(true, ordering: .relaxed)
        if timedOut.load(ordering: .relaxed), let timeout {
            throw LeptonError(
                .leptonfileCrash,
                "evaluating '\(workspace.leptonfile)' took longer than \(timeout) s (LEPTON_EVALUATION_TIMEOUT) and was stopped; does a loop in it never end?"
            )
        }
        // The crash report up to the register dump: the error, and the frame with the user's line.
        let printed = ((try? fileSystem.readText(log)) ?? "")
            .replacingVirtualPath(scratch + "/virtual/Leptonfile.swift", with: workspace.leptonfile)
            .split(separator: "\n", omittingEmptySubsequences: false)
            .prefix { !$0.hasPrefix("Registers:") }
            .joined(separator: "\n")
        let bytes = (try? fileSystem.read(output)) ?? []
        if outcome.succeeded && bytes.isEmpty {
            throw LeptonError(
                .invalidPipeline,
                "'\(workspace.leptonfile)' declares no Pipeline; add `let pipeline = Pipeline(stages: [...])`")
        }
        guard outcome.succeeded else {
            let how: String
            switch outcome {
            case .exited(let status): how = "exited with status \(status)"
            case .signaled(let signal): how = "crashed (signal \(signal))"
            case .launchFailed(let message): how = "could not start: \(message)"
            case .failed(let message): how = message
            }
            throw LeptonError(
                .leptonfileCrash,
                "evaluating '\(workspace.leptonfile)' \(how) before declaring its pipeline:\n\(printed)")
        }
        return bytes
    }
}

extension String {
    /// Replaces every occurrence of `target` (used to map the virtual path back, should a
    /// compiler ever print it).
    func replacingVirtualPath(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = self[...]
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
