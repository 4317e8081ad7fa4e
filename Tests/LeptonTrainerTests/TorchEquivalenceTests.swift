import Foundation
import Testing

@testable import LeptonTrainer

/// Optimizers against PyTorch's own, step by step, where a Python with torch is at hand:
/// `LEPTON_TORCH_PYTHON=/path/to/python` (Benchmarks/trainer.py --install-torch makes one in
/// .build-bench/torch-venv), or a `python3` that imports torch. Torch is ~3 GB, so CI does not
/// install it; the formulas are also checked without it (EarlyStoppingTests).
struct TorchEquivalenceTests {
    static let python: String? = {
        let candidates = [ProcessInfo.processInfo.environment["LEPTON_TORCH_PYTHON"], "python3"].compactMap { $0 }
        return candidates.first { (try? PythonInteropTests.run([$0, "-c", "import torch"]).status) == 0 }
    }()

    /// Five AdamW steps (and Adam with L2 decay) on the same weights and gradients as
    /// `torch.optim.AdamW` / `torch.optim.Adam`: the weights agree to float rounding.
    @Test(.enabled(if: python != nil, "needs a Python with torch (LEPTON_TORCH_PYTHON)"))
    func adamAndAdamWMatchPyTorchStepForStep() throws {
        let python = try #require(TorchEquivalenceTests.python)
        let weights: [Float] = [0.5, -1.25, 2, 0.1, -0.3, 0.75]
        let gradients: [[Float]] = (0..<5).map { step in
            weights.indices.map { Float(($0 + 1) * (step % 2 == 0 ? 1 : -2)) / 7 }
        }
        for kind in [OptimizerConfiguration.Kind.adam, .adamw] {
            let parameter = Parameter(name: "w", value: Tensor(shape: [6], values: weights))
            let configuration = OptimizerConfiguration(kind: kind, learningRate: 0.01, weightDecay: 0.1)
            let optimizer = Optimizer(configuration, parameters: [parameter], context: ComputeContext(threads: 1))
            for gradient in gradients {
                parameter.gradient = Tensor(shape: [6], values: gradient)
                optimizer.step([parameter], rate: 0.01)
            }
            let script = """
                import json, sys, torch
                w = torch.nn.Parameter(torch.tensor(\(weights), dtype=torch.float32))
                cls = torch.optim.AdamW if sys.argv[1] == "adamw" else torch.optim.Adam
                optimizer = cls([w], lr=0.01, weight_decay=0.1)
                for g in \(gradients):
                    w.grad = torch.tensor(g, dtype=torch.float32)
                    optimizer.step()
                print(json.dumps(w.detach().tolist()))
                """
            let result = try PythonInteropTests.run([python, "-c", script, kind.rawValue])
            #expect(result.status == 0, "\(result.text)")
            let torch = try #require(
                try JSONSerialization.jsonObject(with: Data(result.text.utf8)) as? [Double], "\(result.text)")
            let ours = parameter.value.values.map(Double.init)
            for (a, b) in zip(ours, torch) {
                #expect(abs(a - b) <= 2e-6 * max(1, abs(b)), "\(kind): \(ours) vs \(torch)")
            }
        }
    }

    /// A checkpoint with BatchNorm and LayerNorm loads into the PyTorch `nn.Sequential` of the
    /// same layers with `load_state_dict(strict=True)` (running statistics and
    /// `num_batches_tracked` included) and gives the same logits in eval mode; one training-mode
    /// batch moves the running statistics as `nn.BatchNorm1d` does.
    @Test(.enabled(if: python != nil, "needs a Python with torch (LEPTON_TORCH_PYTHON)"))
    func normalisationLayersMatchPyTorch() throws {
        let python = try #require(TorchEquivalenceTests.python)
        let digits = try Fixtures.digits()
        let configuration = TrainingConfiguration(
            layers: try LayerSpec.parseList("dense(16),batchnorm,relu,layernorm,dense(10)"), epochs: 1, seed: 3,
            normalization: .standardize)
        let result = try Trainer(configuration, context: ComputeContext(threads: 1)).train(digits)
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try result.checkpoint.write(to: directory + "/model.safetensors")
        var sample = digits.subset(Array(0..<20)[...])
        result.checkpoint.normalization.apply(to: &sample)
        let logits = Evaluator.predictions(result.checkpoint.model, on: sample, loss: .softmaxCrossEntropy).outputs
        // One training-mode batch through a fresh BatchNorm: its running statistics afterwards.
        let layer = BatchNormalization(index: 0, channels: 3, context: ComputeContext(threads: 1))
        let batch = Tensor(shape: [4, 3], values: [1, 2, 3, 4, 0, -1, 2, 2, 5, -3, 1, 0])
        _ = layer.forward(batch, training: true)
        let expected: [String: Any] = [
            "x": sample.features.values.map(Double.init), "logits": logits.values.map(Double.init),
            "batch": batch.values.map(Double.init), "running_mean": layer.runningMean.value.values.map(Double.init),
            "running_var": layer.runningVariance.value.values.map(Double.init),
        ]
        try JSONSerialization.data(withJSONObject: expected).write(
            to: URL(fileURLWithPath: directory + "/expected.json"))
        let script = """
            import json, sys, torch
            from safetensors.torch import load_file
            directory = sys.argv[1]
            expected = json.load(open(directory + "/expected.json"))
            nn = torch.nn
            model = nn.Sequential(nn.Linear(64, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.LayerNorm([16]), nn.Linear(16, 10))
            model.load_state_dict(load_file(directory + "/model.safetensors"), strict=True)
            model.eval()
            x = torch.tensor(expected["x"], dtype=torch.float32).reshape(20, 64)
            logits = model(x).detach().reshape(-1)
            worst = (logits - torch.tensor(expected["logits"])).abs().max().item()
            bn = nn.BatchNorm1d(3)
            bn.train()
            bn(torch.tensor(expected["batch"], dtype=torch.float32).reshape(4, 3))
            mean = (bn.running_mean - torch.tensor(expected["running_mean"])).abs().max().item()
            var = (bn.running_var - torch.tensor(expected["running_var"])).abs().max().item()
            print(json.dumps({"logits": worst, "mean": mean, "var": var}))
            """
        let run = try PythonInteropTests.run([python, "-c", script, directory])
        #expect(run.status == 0, "\(run.text)")
        let line = run.text.split(separator: "\n").last.map(String.init) ?? ""
        let differences = try #require(
            try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Double], "\(run.text)")
        #expect((differences["logits"] ?? 1) < 1e-4, "\(differences)")
        #expect((differences["mean"] ?? 1) < 1e-6 && (differences["var"] ?? 1) < 1e-6, "\(differences)")
    }
}
