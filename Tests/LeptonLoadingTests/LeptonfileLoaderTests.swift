import LeptonCore
import LeptonSystem
import Synchronization
import Testing
import _LeptonTestSupport

@testable import LeptonLoading

/// Loads Leptonfiles through the real compiler (slow: about a second each), like SwiftPM's
/// `PD_*_LoadingTests`: a Leptonfile literal, loaded, then the model asserted.
struct LeptonfileLoaderTests {
    private func load(_ text: String) throws -> (PipelineDescription, LeptonfileLoader.Source, TemporaryPackage) {
        let package = TemporaryPackage("loader")
        package.write("Leptonfile", text)
        let result = try LeptonfileLoader(workspace: package.workspace).load()
        return (result.pipeline, result.source, package)
    }

    private func loadError(_ text: String) -> (LeptonError?, TemporaryPackage) {
        let package = TemporaryPackage("loader")
        package.write("Leptonfile", text)
        do {
            _ = try LeptonfileLoader(workspace: package.workspace).load()
            return (nil, package)
        } catch {
            return (error, package)
        }
    }

    @Test(arguments: [
        ("// lepton-tools-version: 0.2\n", "needs lepton-tools-version 0.2, and this Lepton provides 0.1"),
        ("// lepton-tools-version: 1.0\n", "needs lepton-tools-version 1.0"),
        ("// lepton-tools-version: next\n", ":1: the lepton-tools-version line cannot be read"),
    ])
    func aNewerOrUnreadableToolsVersionIsRefusedBeforeCompiling(line: String, message: String) {
        let (error, package) = loadError(line + "import LeptonDescription\nlet pipeline = Pipeline(stages: [])\n")
        #expect(error?.code == .leptonfileVersion)
        #expect(error?.message.contains(message) == true, "\(String(describing: error))")
        #expect(!package.exists(".lepton/leptonfile"))  // refused before anything was compiled
    }

    @Test func loadsEveryKindOfDeclarationIncludingStagesMadeInALoop() throws {
        let (pipeline, source, _) = try load(
            """
            // lepton-tools-version: 0.1
            import LeptonDescription

            func evaluation(_ fold: Int) -> Stage {
                .stage(name: "eval-\\(fold)", command: "echo \\(fold) > e\\(fold)", inputs: ["model.bin"], outputs: ["e\\(fold)"])
            }

            let pipeline = Pipeline(
                name: "demo",
                params: "./params.json",
                stages: [
                    .stage(
                        name: "train",
                        command: .exec(["python3", "train.py"]),
                        inputs: ["data/raw.csv", .folder("data/images"), .glob("shards/*.npy")],
                        code: ["train.py", .target("Train")],
                        params: ["train.lr", .key("batch", file: "other.yaml"), .value("seed", 42), .value("arch", "mlp"), .value("lr0", 0.5), .value("aug", true)],
                        environment: ["OMP_NUM_THREADS"],
                        outputs: ["model.bin", .folder("logs/")],
                        metrics: ["metrics.json"],
                        after: ["setup"]
                    ),
                ]
            )
            print("a user's print must not corrupt the description")
            for fold in 0..<3 { pipeline.stages.append(evaluation(fold)) }
            """)
        #expect(source == .evaluated)
        #expect(pipeline.name == "demo")
        #expect(pipeline.paramsFile == "params.json")
        #expect(pipeline.stages.map(\.name) == ["train", "eval-0", "eval-1", "eval-2"])
        let train = pipeline.stages[0]
        #expect(train.command == .exec(["python3", "train.py"]))
        #expect(
            train.inputs == [
                PathSpec(kind: .path, path: "data/raw.csv"), PathSpec(kind: .folder, path: "data/images"),
                PathSpec(kind: .glob, path: "shards/*.npy"),
            ])
        #expect(train.code == [PathSpec(kind: .path, path: "train.py"), PathSpec(kind: .target, path: "Train")])
        #expect(
            train.params == [
                ParameterSpec(key: "train.lr"), ParameterSpec(key: "batch", file: "other.yaml"),
                ParameterSpec(key: "seed", inline: "42"), ParameterSpec(key: "arch", inline: "\"mlp\""),
                ParameterSpec(key: "lr0", inline: "0.5"), ParameterSpec(key: "aug", inline: "true"),
            ])
        #expect(train.environment == ["OMP_NUM_THREADS"])
        #expect(train.outputs == [PathSpec(kind: .path, path: "model.bin"), PathSpec(kind: .folder, path: "logs")])
        #expect(train.metrics == ["metrics.json"])
        #expect(train.after == ["setup"])
        #expect(pipeline.stages[2].command == .shell("echo 1 > e1"))
    }

    /// A typed table and a loop: paths and commands held in variables, not literals.
    @Test func stagesFromATypedTableTakePathsAndCommandsFromVariables() throws {
        let (pipeline, _, _) = try load(
            """
            // lepton-tools-version: 0.1
            import LeptonDescription

            let table: [(String, String, [String], String)] = [
                ("a", "cat x > a.txt", ["x"], "a.txt"),
                ("b", "cat a.txt > b.txt", ["a.txt", "y"], "b.txt"),
            ]
            let pipeline = Pipeline(name: "table")
            for (name, command, inputs, output) in table {
                pipeline.stages.append(
                    .stage(name: name, command: .shell(command), inputs: inputs.map { Input($0) }, code: [Code("tool.sh")],
                           outputs: [Output(output)]))
            }
            """)
        #expect(pipeline.stages.map(\.name) == ["a", "b"])
        #expect(pipeline.stages[1].command == .shell("cat a.txt > b.txt"))
        #expect(pipeline.stages[1].inputs == [PathSpec(kind: .path, path: "a.txt"), PathSpec(kind: .path, path: "y")])
        #expect(pipeline.stages[1].code == [PathSpec(kind: .path, path: "tool.sh")])
        #expect(pipeline.stages[1].outputs == [PathSpec(kind: .path, path: "b.txt")])
    }

    /// An expression the type checker takes long over is reported on the user's line.
    @Test func aSlowExpressionIsReportedOnItsLine() throws {
        let package = TemporaryPackage("loader")
        let stages = (0..<60).map {
            "    .stage(name: \"s\($0)\", command: \"echo \($0) > o\($0)\", outputs: [\"o\($0)\"]),"
        }
        package.write(
            "Leptonfile",
            (["import LeptonDescription", "", "let pipeline = Pipeline(stages: ["] + stages + ["])"]).joined(
                separator: "\n"))
        let warnings = Mutex<[String]>([])
        var loader = LeptonfileLoader(workspace: package.workspace)
        loader.readsLiterals = false  // a literal Leptonfile is read without the compiler otherwise
        loader.splitsLiterals = false  // one expression, not three pieces
        loader.slowCompileAfter = 0.001
        loader.onSlowCompile = { line in warnings.withLock { $0.append(line) } }
        _ = try loader.load()
        let reported = warnings.withLock { $0 }
        #expect(reported.count == 1, "\(reported)")
        #expect(reported.first?.hasPrefix(package.root + "/Leptonfile:3:") == true, "\(reported)")

        // A compile that is slow as a whole, no expression to blame, is reported too.
        package.write("Leptonfile", "import LeptonDescription\nlet pipeline = Pipeline(stages: [])\n")
        warnings.withLock { $0 = [] }
        loader.slowCompileAfter = 60
        loader.slowWholeCompileAfter = 0
        _ = try loader.load()
        let whole = warnings.withLock { $0 }
        #expect(whole.count == 1 && whole.first?.contains("compiling the Leptonfile took") == true, "\(whole)")
    }

    @Test(arguments: [
        ("let pipeline = Pipeline(stages: [.stage(name: \"a\", command: \"true\", outputs: [\"a\"])])", true),
        (
            "let name = \"a\"\nlet pipeline = Pipeline(stages: [.stage(name: name, command: \"true\", outputs: [\"a\"])])",
            false
        ),
    ])
    func anUnchangedLeptonfileComesFromTheCacheAndAnEditReevaluates(body: String, literal: Bool) throws {
        let text = "import LeptonDescription\n" + body + "\n"
        let (_, first, package) = try load(text)
        #expect(first == (literal ? .literal : .evaluated))
        let again = try LeptonfileLoader(workspace: package.workspace).load()
        #expect(again.source == .cache)
        package.write("Leptonfile", text.replacingStageName())
        let edited = try LeptonfileLoader(workspace: package.workspace).load()
        #expect(edited.source == (literal ? .literal : .evaluated))
        #expect(edited.pipeline.stages.map(\.name) == ["b"])
    }

    @Test func aCompileErrorShowsTheCompilersDiagnosticOnTheRealPathAndLine() {
        let (error, package) = loadError(
            """
            import LeptonDescription

            let pipeline = Pipeline(stages: [
                .stage(name: "a", comand: "true")
            ])
            """)
        #expect(error?.code == .leptonfileCompile)
        #expect(error?.message.contains("\(package.root)/Leptonfile:4:") == true)
        #expect(error?.message.contains("virtual") == false)
    }

    @Test func aLeptonfileThatCrashesIsReportedWithItsLine() {
        let (error, package) = loadError(
            """
            import LeptonDescription
            let names: [String] = []
            let pipeline = Pipeline(stages: [.stage(name: names[3], command: "true")])
            """)
        #expect(error?.code == .leptonfileCrash)
        #expect(error?.message.contains("crashed") == true)
        #expect(error?.message.contains("\(package.root)/Leptonfile:3:") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("Registers:") == false)
    }

    @Test func misuseOfTheDSLIsCollectedNotACrash() {
        let (error, _) = loadError(
            """
            import LeptonDescription
            let pipeline = Pipeline(stages: [
                .stage(name: "", command: "true", inputs: ["/etc/passwd"], outputs: ["../out"]),
            ])
            """)
        #expect(error?.code == .invalidPipeline)
        #expect(error?.message.contains("a stage has an empty name") == true)
        #expect(error?.message.contains("input '/etc/passwd' is outside the package root") == true)
        #expect(error?.message.contains("output '../out' is outside the package root") == true)
    }

    /// The dev-loop settings read from the params file are keyed like the others: a sweep can
    /// vary the plateau factor, the patience, the warm-up, the clip norm and the depth.
    @Test func everyTrainingSettingFromTheParamsFileIsKeyed() throws {
        let (pipeline, _, _) = try load(
            """
            import LeptonDescription
            let pipeline = Pipeline(params: "params.yaml", stages: [
                .train(
                    name: "train", data: .csv("data/train.csv", label: "y"),
                    model: [.denseStack(.param("model.hidden")), .dropout(.param("model.dropout")), .dense(3)],
                    optimizer: .adamw(learningRate: .param("train.lr"), weightDecay: .param("train.decay")),
                    schedule: .reduceOnPlateau(factor: .param("train.factor"), patience: .param("train.plateau")),
                    validationSplit: 0.1, earlyStopping: EarlyStopping(patience: .param("train.patience")),
                    warmupEpochs: .param("train.warmup"), clipNorm: .param("train.clip"),
                    warmStart: "pre/m.safetensors", checkpoint: "model/m.safetensors", state: "model/state.safetensors"),
            ])
            """)
        let train = try #require(pipeline.stages.first)
        #expect(
            Set(train.params.map(\.key)) == [
                "train.lr", "train.decay", "train.factor", "train.plateau", "train.patience", "train.warmup",
                "train.clip", "model.hidden", "model.dropout",
            ])
        guard case .tool(let arguments, _) = train.command else {
            Issue.record("train is not a tool command")
            return
        }
        #expect(arguments.contains { $0.hasPrefix("densestack({param:model.hidden},relu),") }, "\(arguments)")
        #expect(
            train.inputs.map(\.path).contains("pre/m.safetensors") && train.inputs.map(\.path).contains("pre/m.json"))
        #expect(train.outputs.map(\.path).contains("model/state.safetensors"))
    }

    @Test func trainAndEvaluateStagesBecomeKeyedLeptonToolCommands() throws {
        let (pipeline, _, _) = try load(
            """
            import LeptonDescription
            let pipeline = Pipeline(params: "params.yaml", stages: [
                .train(
                    name: "train", data: .csv("data/train.csv", label: "y"),
                    model: [.conv2d(filters: 4, kernel: 3, padding: 1), .relu, .maxPool(2), .dropout(0.25), .dense(3)],
                    optimizer: .sgd(learningRate: .param("train.lr"), momentum: 0.8), schedule: .step(every: 2, gamma: 0.5),
                    epochs: 4, batchSize: .param("batch", file: "other.yaml"), seed: 9, normalization: .scale(0.5),
                    checkpoint: "model/m.safetensors", metrics: "model/train.json", history: "model/history.csv",
                    threads: 2),
                .evaluate(name: "eval", checkpoint: "model/m.safetensors", data: .npy(features: "x.npy", labels: "y.npy"),
                          metrics: "test.json", require: ["accuracy >= 0.9"]),
            ])
            """)
        let train = try #require(pipeline.stages.first)
        guard case .tool(let arguments, let settings) = train.command else {
            Issue.record("train is not a tool command: \(train.command)")
            return
        }
        #expect(arguments.starts(with: ["train", "--csv", "data/train.csv", "--label", "y", "--layers"]))
        #expect(arguments.contains("conv2d(4,3,stride=1,padding=1),relu,maxpool(2),dropout(0.25),dense(3)"))
        #expect(arguments.contains("{param:train.lr}") && arguments.contains("{param:other.yaml:batch}"))
        #expect(arguments.contains("step:2:0.5") && arguments.contains("0.8"))
        #expect(settings == ["--threads", "2"])
        #expect(!train.command.canonical.contains("--threads"))
        #expect(train.params.map(\.key) == ["train.lr", "batch"])
        #expect(train.params.map(\.file) == [nil, "other.yaml"])
        #expect(train.inputs == [PathSpec(kind: .file, path: "data/train.csv")])
        #expect(train.outputs.map(\.path) == ["model/m.safetensors", "model/m.json", "model/history.csv"])
        #expect(train.metrics == ["model/train.json"])
        let evaluate = pipeline.stages[1]
        #expect(evaluate.inputs.map(\.path) == ["model/m.safetensors", "model/m.json", "x.npy", "y.npy"])
        #expect(evaluate.gates == ["accuracy >= 0.9"])
        #expect(!evaluate.command.canonical.contains("--require"))
    }

    /// Layer sizes and rates from the params file: keyed like any parameter, so a sweep can vary
    /// the architecture; a literal that is no whole number is a DSL error, not a runtime one.
    @Test func layerSizesAndRatesCanComeFromTheParamsFile() throws {
        let (pipeline, _, _) = try load(
            """
            import LeptonDescription
            let pipeline = Pipeline(stages: [
                .train(
                    name: "train", data: .csv("data/train.csv", label: "y"),
                    model: [.conv2d(filters: .param("model.filters"), kernel: 3, padding: 1), .relu, .maxPool(2),
                            .dense(.param("model.hidden")), .relu, .dropout(.param("model.dropout")), .dense(3)],
                    checkpoint: "model/m.safetensors"),
            ])
            """)
        let train = try #require(pipeline.stages.first)
        guard case .tool(let arguments, _) = train.command else {
            Issue.record("train is not a tool command: \(train.command)")
            return
        }
        #expect(
            arguments.contains(
                "conv2d({param:model.filters},3,stride=1,padding=1),relu,maxpool(2),dense({param:model.hidden}),relu,dropout({param:model.dropout}),dense(3)"
            ), "\(arguments)")
        #expect(train.params.map(\.key).suffix(3) == ["model.filters", "model.hidden", "model.dropout"])
        let command = train.command.argv(
            tool: "lepton", product: nil,
            params: ["model.filters": "8", "model.hidden": "64", "model.dropout": "0.1"])
        #expect(command.contains("conv2d(8,3,stride=1,padding=1),relu,maxpool(2),dense(64),relu,dropout(0.1),dense(3)"))

        let (error, _) = loadError(
            """
            import LeptonDescription
            let pipeline = Pipeline(stages: [
                .train(name: "train", data: .csv("d.csv", label: "y"), model: [.dense(2.5)], checkpoint: "m.safetensors"),
            ])
            """)
        #expect(
            error?.message.contains("dense(2.5): the width must be a whole number") == true,
            "\(String(describing: error))")
    }

    @Test func toolArgumentsTakeTheirParameterValuesFromTheStageRecord() {
        let command = CommandDescription.tool(
            ["train", "--lr", "{param:train.lr}", "--optimizer", "{param:opt}"], settings: ["--threads", "1"])
        #expect(
            command.argv(tool: "/x/lepton", params: ["train.lr": "0.003", "opt": "\"sgd\""])
                == ["/x/lepton", "train", "--lr", "0.003", "--optimizer", "sgd", "--threads", "1"])
    }

    @Test func aBadTrainingDeclarationIsReportedNotCrashed() {
        let (error, _) = loadError(
            """
            import LeptonDescription
            let pipeline = Pipeline(stages: [
                .train(name: "t", data: .csv("d.csv", label: "y"), model: [], checkpoint: "model.bin"),
                .evaluate(name: "e", checkpoint: "m.safetensors", data: .csv("d.csv", label: "y"), metrics: "m.json",
                          require: ["accuracy 0.9"]),
            ])
            """)
        #expect(error?.code == .invalidPipeline)
        #expect(error?.message.contains("stage 't': the model has no layers") == true)
        #expect(error?.message.contains("must end in .safetensors") == true)
        #expect(error?.message.contains("gate 'accuracy 0.9' needs a comparison") == true)
    }

    @Test func aLeptonfileWithoutAPipelineSaysHowToDeclareOne() {
        let (error, _) = loadError("import LeptonDescription\nlet x = 1\n")
        #expect(error?.code == .invalidPipeline)
        #expect(error?.message.contains("declares no Pipeline") == true)
    }
}

extension String {
    fileprivate func replacingStageName() -> String {
        var result = ""
        var rest = self[...]
        while let range = rest.firstRange(of: "\"a\"") {
            result += rest[..<range.lowerBound] + "\"b\""
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
