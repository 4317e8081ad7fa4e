/// A trainable tensor of a layer with its gradient, named as in a PyTorch `nn.Sequential`
/// state dict (`0.weight`, `0.bias`).
public final class Parameter {
    public let name: String
    public var value: Tensor
    /// The gradient of the last backward pass (overwritten, not accumulated, by each pass).
    public var gradient: Tensor

    init(name: String, value: Tensor) {
        self.name = name
        self.value = value
        self.gradient = Tensor(zeros: value.shape)
    }
}

/// One step of a ``Model``: a forward pass that remembers what its backward pass needs.
///
/// Tensors are batches: the first dimension is the sample, the rest the per-sample shape.
protocol Layer: AnyObject {
    /// Computes the output for a batch; `training` enables dropout and caches for backward.
    func forward(_ input: consuming Tensor, training: Bool) -> Tensor
    /// Given the loss gradient of the last forward pass's output, sets the parameters' gradients
    /// and returns the gradient of its input (or an empty tensor when `needsInputGradient` is
    /// false, as for the first layer).
    func backward(_ gradient: consuming Tensor, needsInputGradient: Bool) -> Tensor
    /// The trainable parameters, weight before bias.
    var parameters: [Parameter] { get }
    /// State that is saved and restored but not trained (BatchNorm's running statistics).
    var buffers: [Parameter] { get }
    /// Integer state saved as I64 scalars (BatchNorm's `num_batches_tracked`), by name.
    var counters: [String: Int64] { get set }
    /// The layer's own random sequence (dropout's masks), saved in a training state.
    var generator: RandomGenerator? { get set }
}

extension Layer {
    var parameters: [Parameter] { [] }
    var buffers: [Parameter] { [] }
    var counters: [String: Int64] {
        get { [:] }
        set {}
    }
    var generator: RandomGenerator? {
        get { nil }
        set {}
    }
}
