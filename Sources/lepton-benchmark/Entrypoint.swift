// The trainer's benchmark driver, run by Benchmarks/trainer.py (`swift run -c release
// lepton-benchmark …`). It prints one JSON object per measurement so the script can put Lepton
// next to NumPy/OpenBLAS and PyTorch on the same shapes and data.
//
//   lepton-benchmark gemm 512x512x512 128x784x256 --threads 1
//   lepton-benchmark train IMAGES LABELS --batch-size 128 --epochs 3 --threads 1 [--layers LIST]

import Foundation
import LeptonTrainer

/// Parses `--name value` options after the positional arguments.
func option(_ name: String, in arguments: [String], default value: Int) -> Int {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return value }
    return Int(arguments[index + 1]) ?? value
}

func emit(_ object: [String: Any]) {
    if let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) {
        FileHandle.standardOutput.write(data + Data([0x0A]))
    }
}

/// GFLOP/s of C = A·B for each MxNxK shape, best of several one-second rounds.
func benchmarkGemm(_ arguments: [String]) {
    let threads = option("--threads", in: arguments, default: 1)
    let context = ComputeContext(threads: threads)
    for shape in arguments.dropFirst().prefix(while: { !$0.hasPrefix("--") }) {
        let sizes = shape.split(separator: "x").compactMap { Int($0) }
        guard sizes.count == 3 else { continue }
        let (m, n, k) = (sizes[0], sizes[1], sizes[2])
        var random = RandomGenerator(seed: 1)
        let a = (0..<(m * k)).map { _ in random.nextFloat(bound: 1) }
        let b = (0..<(k * n)).map { _ in random.nextFloat(bound: 1) }
        var c = [Float](repeating: 0, count: m * n)
        var best = 0.0
        for _ in 0..<3 {
            let start = Date()
            var rounds = 0
            while Date().timeIntervalSince(start) < 1 {
                context.gemm(
                    transA: false, transB: false, m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, beta: 0, c: &c, ldc: n)
                rounds += 1
            }
            best = max(best, 2.0 * Double(m * n * k) * Double(rounds) / Date().timeIntervalSince(start) / 1e9)
        }
        emit(["kind": "gemm", "shape": shape, "threads": threads, "gflops": best, "isa": ComputeContext.instructionSet])
    }
}

/// Seconds per epoch of a model (default the MLP 784-256-128-10) with Adam on IDX data.
func benchmarkTraining(_ arguments: [String]) throws {
    guard arguments.count >= 3 else { throw TrainerError("usage: lepton-benchmark train IMAGES LABELS [options]") }
    let threads = option("--threads", in: arguments, default: 1)
    let data = try DataSource.idx(features: arguments[1], labels: arguments[2]).load()
    let layers = arguments.firstIndex(of: "--layers").flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
    let configuration = TrainingConfiguration(
        layers: try LayerSpec.parseList(layers ?? "dense(256),relu,dense(128),relu,dense(10)"),
        optimizer: OptimizerConfiguration(kind: .adam, learningRate: 0.001),
        epochs: option("--epochs", in: arguments, default: 3),
        batchSize: option("--batch-size", in: arguments, default: 128),
        seed: 1, normalization: .scale, normalizationFactor: 1.0 / 255, threads: threads)
    var epochs: [Double] = []
    var losses: [Double] = []
    _ = try Trainer(configuration, context: ComputeContext(threads: threads)).train(data) { report in
        epochs.append(report.seconds)
        losses.append(report.loss)
    }
    emit([
        "kind": "train", "tool": "lepton", "batch_size": configuration.batchSize, "threads": threads,
        "epoch_seconds": epochs, "losses": losses, "isa": ComputeContext.instructionSet,
    ])
}

let arguments = Array(CommandLine.arguments.dropFirst())
do {
    switch arguments.first {
    case "gemm": benchmarkGemm(arguments)
    case "train": try benchmarkTraining(arguments)
    default: throw TrainerError("usage: lepton-benchmark gemm SHAPE… | train IMAGES LABELS")
    }
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
