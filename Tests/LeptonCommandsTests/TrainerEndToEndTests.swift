import Foundation
import LeptonCore
import LeptonSystem
import Testing
import _LeptonTestSupport

/// The UCI digits (see Tests/LeptonTrainerTests/Fixtures/README.md).
private let digits = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("LeptonTrainerTests/Fixtures/digits.csv.gz").path

/// A package training on the digits with the built-in trainer, then gating on its accuracy.
private func fixture(threads: Int = 1, gate: String = "accuracy >= 0.8") -> TemporaryPackage {
    let package = TemporaryPackage("trainer-e2e")
    package.write("data/.keep", "")
    try? FileManager.default.copyItem(atPath: digits, toPath: package.root + "/data/digits.csv.gz")
    package.write("params.yaml", "train:\n  lr: 0.01\n  epochs: 3\n")
    package.write("Leptonfile", leptonfile(threads: threads, gate: gate))
    return package
}

private func leptonfile(threads: Int, gate: String) -> String {
    """
    import LeptonDescription
    let pipeline = Pipeline(params: "params.yaml", stages: [
        .train(name: "train", data: .csv("data/digits.csv.gz", label: "digit"), model: [.dense(32), .relu, .dense(10)],
               optimizer: .adam(learningRate: .param("train.lr")), epochs: .param("train.epochs"), batchSize: 32, seed: 3,
               normalization: .scale(0.0625), checkpoint: "model/model.safetensors", metrics: "model/train.json",
               history: "model/history.json", threads: \(threads)),
        .evaluate(name: "evaluate", checkpoint: "model/model.safetensors", data: .csv("data/digits.csv.gz", label: "digit"),
                  metrics: "metrics.json", require: ["\(gate)"]),
    ])
    """
}

@Suite(.serialized)
struct TrainerEndToEndTests {
    @Test func aLearningRateChangeRetrainsAndRevertingRestoresFromTheCache() throws {
        let package = fixture()
        let first = LeptonBinary.run(["build"], in: package.root)
        #expect(first.status == 0, "\(first.output)")
        #expect(stagesThatRan(first.output) == ["train", "evaluate"])
        let metrics = try JSON.parse(PosixFileSystem().readText(package.root + "/metrics.json"))
        #expect((metrics["accuracy"]?.doubleValue ?? 0) >= 0.8)
        let model = try PosixFileSystem().read(package.root + "/model/model.safetensors")

        package.write("params.yaml", "train:\n  lr: 0.003\n  epochs: 3\n")
        let status = LeptonBinary.run(["status"], in: package.root)
        #expect(status.status == 1)
        #expect(status.output.contains("param train.lr changed 0.01 -> 0.003"), "\(status.output)")
        let second = LeptonBinary.run(["build"], in: package.root)
        #expect(stagesThatRan(second.output) == ["train", "evaluate"], "\(second.output)")
        #expect(try PosixFileSystem().read(package.root + "/model/model.safetensors") != model)

        package.write("params.yaml", "train:\n  lr: 0.01\n  epochs: 3\n")
        let third = LeptonBinary.run(["build"], in: package.root)
        #expect(third.status == 0)
        #expect(stagesThatRan(third.output).isEmpty, "\(third.output)")
        #expect(third.output.contains("restored    train"), "\(third.output)")
        #expect(try PosixFileSystem().read(package.root + "/model/model.safetensors") == model)
    }

    /// The architecture is a parameter like the learning rate: a changed width retrains with it
    /// (and says why), and the checkpoint's sidecar records the layers that were trained.
    @Test func aLayerWidthFromTheParamsFileRetrainsWhenItChanges() throws {
        let package = fixture()
        package.write("params.yaml", "train:\n  lr: 0.01\n  epochs: 2\nmodel:\n  hidden: 16\n")
        package.write(
            "Leptonfile",
            leptonfile(threads: 1, gate: "accuracy >= 0.5").replacingOccurrences(
                of: "model: [.dense(32), .relu, .dense(10)]",
                with: "model: [.dense(.param(\"model.hidden\")), .relu, .dense(10)]"))
        let first = LeptonBinary.run(["build"], in: package.root)
        #expect(first.status == 0, "\(first.output)")
        #expect(try PosixFileSystem().readText(package.root + "/model/model.json").contains("dense(16)"))
        // The model summary: 64 features -> 16 -> 10.
        #expect(first.output.contains("total parameters: 1,210"), "\(first.output)")
        package.write("params.yaml", "train:\n  lr: 0.01\n  epochs: 2\nmodel:\n  hidden: 24\n")
        let status = LeptonBinary.run(["status"], in: package.root)
        #expect(status.output.contains("param model.hidden changed 16 -> 24"), "\(status.output)")
        let second = LeptonBinary.run(["build"], in: package.root)
        #expect(stagesThatRan(second.output) == ["train", "evaluate"], "\(second.output)")
        #expect(try PosixFileSystem().readText(package.root + "/model/model.json").contains("dense(24)"))
    }

    @Test func theThreadCountIsNotPartOfTheKeyAndRetrainingGivesTheSameBytes() throws {
        let package = fixture(threads: 1)
        #expect(LeptonBinary.run(["build"], in: package.root).status == 0)
        let model = try PosixFileSystem().read(package.root + "/model/model.safetensors")
        package.write("Leptonfile", leptonfile(threads: 2, gate: "accuracy >= 0.8"))
        let again = LeptonBinary.run(["build"], in: package.root)
        #expect(again.output.contains("nothing to do"), "\(again.output)")
        let forced = LeptonBinary.run(["build", "--force", "train"], in: package.root)
        #expect(stagesThatRan(forced.output) == ["train"], "\(forced.output)")  // early cutoff: same bytes
        #expect(try PosixFileSystem().read(package.root + "/model/model.safetensors") == model)
    }

    @Test func aFailedQualityGateFailsTheBuildNamingMetricThresholdAndValue() {
        let package = fixture(gate: "accuracy >= 0.999")
        let result = LeptonBinary.run(["build"], in: package.root)
        #expect(result.status == 3)
        #expect(result.output.contains("build failed (quality gate)"))
        #expect(result.output.contains("quality gate failed: accuracy is 0."), "\(result.output)")
        #expect(result.output.contains("the build requires accuracy >= 0.999"))
        #expect(PosixFileSystem().exists(package.root + "/model/model.safetensors"))
    }

    /// `lepton train --save-state` then `--resume-from` with more epochs writes the same
    /// checkpoint, sidecar and history bytes as one run of all the epochs.
    @Test func resumingFromASavedStateWritesTheSameBytesAsOneRun() throws {
        let package = fixture()
        // Run without a package: every path absolute.
        let root = package.root + "/"
        let common = [
            "train", "--csv", root + "data/digits.csv.gz", "--label", "digit", "--layers",
            "dense(32),relu,dropout(0.2),dense(10)",
            "--validation-split", "0.2", "--patience", "20", "--seed", "4", "--threads", "1",
        ]
        let straight = LeptonBinary.run(
            common + [
                "--epochs", "5", "--checkpoint", root + "a/m.safetensors", "--history", root + "a/h.json", "--metrics",
                root + "a/t.json",
            ],
            in: package.root, packagePath: false)
        #expect(straight.status == 0, "\(straight.output)")
        let part = LeptonBinary.run(
            common + [
                "--epochs", "2", "--checkpoint", root + "b/m.safetensors", "--save-state", root + "b/state.safetensors",
            ],
            in: package.root, packagePath: false)
        #expect(
            part.status == 0 && part.output.contains("wrote the training state to \(root)b/state.safetensors"),
            "\(part.output)")
        let resumed = LeptonBinary.run(
            common + [
                "--epochs", "5", "--resume-from", root + "b/state.safetensors", "--checkpoint",
                root + "b/m.safetensors", "--history",
                root + "b/h.json", "--metrics", root + "b/t.json",
            ], in: package.root, packagePath: false)
        #expect(resumed.status == 0 && resumed.output.contains("resuming after epoch 2"), "\(resumed.output)")
        for file in ["m.safetensors", "m.json", "h.json", "t.json"] {
            #expect(package.read("a/" + file) == package.read("b/" + file), "\(file)")
        }
        let refused = LeptonBinary.run(
            common + [
                "--epochs", "5", "--lr", "0.5", "--resume-from", root + "b/state.safetensors", "--checkpoint",
                root + "c/m.safetensors",
            ],
            in: package.root, packagePath: false)
        #expect(refused.status != 0 && refused.output.contains("other settings"), "\(refused.output)")
    }

    /// Depth is sweepable: `.denseStack(.param("model.hidden"))` reads a list of widths, and a
    /// sweep's list values stay whole (`[8],[16,8]` is two values).
    @Test func aSweepVariesTheDepthThroughAListParameter() throws {
        let package = fixture()
        package.write("params.yaml", "model:\n  hidden: [16]\n")
        package.write(
            "Leptonfile",
            """
            import LeptonDescription
            let pipeline = Pipeline(params: "params.yaml", stages: [
                .train(name: "train", data: .csv("data/digits.csv.gz", label: "digit"),
                       model: [.denseStack(.param("model.hidden")), .dense(10)], epochs: 1, seed: 3,
                       normalization: .scale(0.0625), checkpoint: "model/model.safetensors", metrics: "model/train.json"),
            ])
            """)
        let sweep = LeptonBinary.run(["sweep", "--set", "model.hidden=[8],[16,8]", "-j", "1"], in: package.root)
        #expect(sweep.status == 0, "\(sweep.output)")
        let runs = RunHistory(workspace: package.workspace).all()
        // The two combinations, then the workspace put back to params.yaml's [16].
        #expect(
            Set(runs.compactMap { $0.params["model.hidden"] }) == ["[8]", "[16,8]", "[16]"], "\(runs.map(\.params))")
        #expect(runs.allSatisfy { $0.status == "succeeded" })
        let built = LeptonBinary.run(["build", "--set", "model.hidden=[32,16,8]"], in: package.root)
        #expect(built.status == 0, "\(built.output)")
        let sidecar = try JSON.parse(package.read("model/model.json") ?? "")
        #expect(
            sidecar["layers"]?.arrayValue?.compactMap(\.stringValue) == [
                "dense(32)", "relu", "dense(16)", "relu", "dense(8)", "relu", "dense(10)",
            ])
    }

    @Test func predictWritesClassesAndProbabilities() throws {
        let package = fixture()
        #expect(LeptonBinary.run(["build"], in: package.root).status == 0)
        let arguments = [
            "predict", "--checkpoint", package.root + "/model/model.safetensors", "--csv",
            package.root + "/data/digits.csv.gz", "--output", package.root + "/predictions.csv",
        ]
        let withoutLabel = LeptonBinary.run(arguments, in: package.root, packagePath: false)
        #expect(withoutLabel.status == 1)
        #expect(
            withoutLabel.output.contains(
                "the data has 65 values per sample (shape [65]) but the model was trained on 64"))
        let predict = LeptonBinary.run(arguments + ["--label", "digit"], in: package.root, packagePath: false)
        #expect(predict.status == 0, "\(predict.output)")
        let lines = try PosixFileSystem().readText(package.root + "/predictions.csv").split(separator: "\n")
        #expect(lines.count == 1798)
        #expect(lines[0] == "sample,prediction," + (0..<10).map { "p_\($0)" }.joined(separator: ","))
    }
}

/// `count` 8x8 IDX images and their labels (0–9), deterministic and learnable enough to train on.
private func writeIDXImages(count: Int, to package: TemporaryPackage) throws {
    func header(_ dimensions: [Int]) -> [UInt8] {
        [0, 0, 0x08, UInt8(dimensions.count)]
            + dimensions.flatMap { d in [24, 16, 8, 0].map { UInt8((d >> $0) & 0xff) } }
    }
    var state: UInt32 = 12_345
    var images = header([count, 8, 8])
    var labels = header([count])
    for _ in 0..<count {
        state = state &* 1_103_515_245 &+ 12_345
        let label = Int(state >> 16) % 10
        labels.append(UInt8(label))
        for pixel in 0..<64 {
            state = state &* 1_103_515_245 &+ 12_345
            let lit = pixel % 10 == label || (state >> 28) == 0
            images.append(lit ? UInt8(128 + (state >> 25) % 128) : UInt8((state >> 26) % 32))
        }
    }
    try PosixFileSystem().writeAtomically(images, to: package.root + "/data/images.idx", mode: 0o644, durable: false)
    try PosixFileSystem().writeAtomically(labels, to: package.root + "/data/labels.idx", mode: 0o644, durable: false)
}

@Suite(.serialized)
struct TrainerKernelChoiceTests {
    /// The AVX-512 GEMM kernel (picked where the CPU has it) and the AVX2 one train a CNN and an
    /// MLP to the same checkpoint bytes, so a cached model does not depend on which machine of a
    /// team or CI fleet trained it.
    @Test func avx512AndAVX2KernelsTrainTheSameBytes() throws {
        let package = TemporaryPackage("kernel-choice")
        package.write("data/.keep", "")
        try writeIDXImages(count: 300, to: package)
        let root = package.root + "/"
        for (name, layers) in [
            ("cnn", "conv2d(12,3,padding=1),relu,maxpool(2),conv2d(20,3),relu,flatten,dense(10)"),
            ("mlp", "flatten,dense(40),relu,dense(10)"),
        ] {
            var checkpoints: [String: [UInt8]] = [:]
            for kernels in ["default", "avx2"] {
                let arguments = [
                    "train", "--idx-images", root + "data/images.idx", "--idx-labels", root + "data/labels.idx",
                    "--layers", layers, "--epochs", "2", "--batch-size", "50", "--seed", "5", "--threads", "2",
                    "--normalize", "scale", "--scale-factor", "0.004", "--checkpoint",
                    root + "\(kernels)/\(name).safetensors",
                ]
                let run = LeptonBinary.run(
                    arguments, in: package.root, environment: kernels == "avx2" ? ["LEPTON_KERNELS": "avx2"] : [:],
                    packagePath: false)
                #expect(run.status == 0, "\(run.output)")
                if kernels == "avx2" { #expect(run.output.contains("kernels avx2+fma"), "\(run.output)") }
                checkpoints[kernels] = try PosixFileSystem().read(root + "\(kernels)/\(name).safetensors")
            }
            #expect(checkpoints["default"] == checkpoints["avx2"], "\(name)")
            #expect(package.read("default/\(name).json") == package.read("avx2/\(name).json"), "\(name)")
        }
    }
}
