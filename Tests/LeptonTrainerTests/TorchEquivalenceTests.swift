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
}
