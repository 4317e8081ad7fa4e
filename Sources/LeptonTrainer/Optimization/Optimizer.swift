import CLeptonKernels
import Foundation

/// How parameters are updated from their gradients, with the settings recorded in a checkpoint.
public struct OptimizerConfiguration: Sendable, Equatable, Codable {
    /// The algorithm.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// Stochastic gradient descent with (heavy-ball) momentum.
        case sgd
        /// Adam with bias correction (Kingma and Ba), weight decay as an L2 term like PyTorch's `Adam`.
        case adam
        /// Adam with decoupled weight decay (Loshchilov and Hutter), like PyTorch's `AdamW`: each
        /// step first multiplies the weights by 1 - rate·decay.
        case adamw
    }

    public var kind: Kind
    public var learningRate: Double
    public var momentum: Double
    public var beta1: Double
    public var beta2: Double
    public var epsilon: Double
    public var weightDecay: Double
    public var schedule: LearningRateSchedule

    public init(
        kind: Kind, learningRate: Double, momentum: Double = 0.9, beta1: Double = 0.9, beta2: Double = 0.999,
        epsilon: Double = 1e-8, weightDecay: Double = 0, schedule: LearningRateSchedule = .constant
    ) {
        self.kind = kind
        self.learningRate = learningRate
        self.momentum = momentum
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.schedule = schedule
    }
}

/// How the learning rate changes over epochs.
public enum LearningRateSchedule: Sendable, Equatable, Codable {
    case constant
    /// Multiplies the rate by `gamma` every `every` epochs.
    case step(every: Int, gamma: Double)
    /// Cosine annealing from the initial rate to zero over the run's epochs.
    case cosine

    /// The rate for a zero-based `epoch` of `epochs`.
    public func rate(_ initial: Double, epoch: Int, epochs: Int) -> Double {
        switch self {
        case .constant: return initial
        case .step(let every, let gamma): return initial * pow(gamma, Double(epoch / max(every, 1)))
        case .cosine: return initial * 0.5 * (1 + cos(Double.pi * Double(epoch) / Double(max(epochs, 1))))
        }
    }
}

/// Applies an ``OptimizerConfiguration`` to a model's parameters, keeping per-parameter state.
final class Optimizer {
    let configuration: OptimizerConfiguration
    private(set) var first: [Tensor]
    private(set) var second: [Tensor]
    private(set) var steps = 0

    /// Continues from a saved state (moments and step count), for a resumed run.
    func restore(first: [Tensor], second: [Tensor], steps: Int) {
        self.first = first
        self.second = second
        self.steps = steps
    }

    private let context: ComputeContext

    init(_ configuration: OptimizerConfiguration, parameters: [Parameter], context: ComputeContext) {
        self.configuration = configuration
        self.context = context
        first = parameters.map { Tensor(zeros: $0.value.shape) }
        second = configuration.kind != .sgd ? parameters.map { Tensor(zeros: $0.value.shape) } : []
    }

    /// One update of every parameter from its current gradient at learning rate `rate`.
    ///
    /// Large tensors are split into chunks updated on several threads; every element's update
    /// is independent of the others, so the split never changes a result.
    func step(_ parameters: [Parameter], rate: Double) {
        steps += 1
        let c = configuration
        let correction1 = Float(1 - pow(c.beta1, Double(steps)))
        let correction2 = Float(1 - pow(c.beta2, Double(steps)))
        for (index, parameter) in parameters.enumerated() {
            let count = parameter.value.count
            let chunks = count >= 65_536 ? context.threads : 1
            let chunk = (count + chunks - 1) / chunks
            parameter.gradient.withPointer { g in
                parameter.value.withMutablePointer { p in
                    first[index].withMutablePointer { m in
                        guard c.kind != .sgd else {
                            let pointers = UpdatePointers(p: p, g: g, m: m, v: m)
                            context.parallelFor(chunks) { part in
                                let start = part * chunk
                                let length = min(count, start + chunk) - start
                                guard length > 0 else { return }
                                lepton_sgd_update(
                                    length, pointers.p + start, pointers.g + start, pointers.m + start, Float(rate),
                                    Float(c.momentum), Float(c.weightDecay))
                            }
                            return
                        }
                        second[index].withMutablePointer { v in
                            let pointers = UpdatePointers(p: p, g: g, m: m, v: v)
                            let decoupled = c.kind == .adamw
                            // PyTorch's AdamW: p ← p·(1 − lr·λ), then the Adam step without L2 term.
                            let shrink = Float(1 - rate * c.weightDecay)
                            context.parallelFor(chunks) { part in
                                let start = part * chunk
                                let length = min(count, start + chunk) - start
                                guard length > 0 else { return }
                                if decoupled && c.weightDecay != 0 { lepton_scale(length, pointers.p + start, shrink) }
                                lepton_adam_update(
                                    length, pointers.p + start, pointers.g + start, pointers.m + start,
                                    pointers.v + start, Float(rate), Float(c.beta1), Float(c.beta2), Float(c.epsilon),
                                    decoupled ? 0 : Float(c.weightDecay), correction1, correction2)
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The tensors one optimizer update touches, handed to worker threads that each update their
/// own range of elements.
private struct UpdatePointers: @unchecked Sendable {
    let p: UnsafeMutablePointer<Float>
    let g: UnsafePointer<Float>
    let m: UnsafeMutablePointer<Float>
    let v: UnsafeMutablePointer<Float>
}
