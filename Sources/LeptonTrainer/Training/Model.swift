/// A sequential network built from ``LayerSpec``s for a given per-sample input shape.
///
/// Parameters are named by layer index as in a PyTorch `nn.Sequential` with the same layer list
/// (`0.weight`, `0.bias`, `2.weight`, …), so a checkpoint loads into one with `load_state_dict`.
public final class Model {
    public let specs: [LayerSpec]
    /// The shape of one sample, without the batch dimension.
    public let inputShape: [Int]
    /// The shape of one sample's output.
    public let outputShape: [Int]
    /// The shape of one sample after each layer.
    public let layerShapes: [[Int]]
    let layers: [any Layer]

    /// Builds the layers, initialising weights from `seed`.
    ///
    /// - Throws: ``TrainerError`` when a layer does not fit the shape it receives (a convolution
    ///   on vector data, a kernel larger than the image).
    public init(specs: [LayerSpec], inputShape: [Int], seed: UInt64, context: ComputeContext) throws(TrainerError) {
        guard !specs.isEmpty else { throw TrainerError("the model has no layers; give at least one, e.g. dense(10)") }
        self.specs = specs
        self.inputShape = inputShape
        let base = RandomGenerator(seed: seed)
        var shape = inputShape
        var layers: [any Layer] = []
        var shapes: [[Int]] = []
        for (index, spec) in specs.enumerated() {
            // The shape after this layer, however its case below ends.
            defer { shapes.append(shape) }
            var random = base.derived(UInt64(index))
            switch spec {
            case .dense(let units):
                layers.append(
                    Dense(index: index, inputs: shape.reduce(1, *), outputs: units, random: &random, context: context))
                shape = [units]
            case .relu: layers.append(Activation(.relu, context: context))
            case .sigmoid: layers.append(Activation(.sigmoid, context: context))
            case .tanh: layers.append(Activation(.tanh, context: context))
            case .softmax: layers.append(Activation(.softmax, context: context))
            case .dropout(let rate): layers.append(Dropout(rate: rate, random: random))
            case .flatten:
                layers.append(Flatten())
                shape = [shape.reduce(1, *)]
            case .conv2d(let filters, let kernel, let stride, let padding):
                let image = try Model.image(shape, for: spec)
                let geometry = Convolution.Geometry(
                    channels: image[0], height: image[1], width: image[2], filters: filters, kernel: kernel,
                    stride: stride, padding: padding)
                guard geometry.outputHeight > 0, geometry.outputWidth > 0 else {
                    throw TrainerError("layer \(index) \(spec.text): the kernel is larger than its \(image) input")
                }
                layers.append(Convolution(index: index, geometry: geometry, random: &random, context: context))
                shape = [filters, geometry.outputHeight, geometry.outputWidth]
            case .maxPool(let size, let stride), .avgPool(let size, let stride):
                let image = try Model.image(shape, for: spec)
                guard image[1] >= size, image[2] >= size else {
                    throw TrainerError("layer \(index) \(spec.text): the window is larger than its \(image) input")
                }
                if case .maxPool = spec {
                    layers.append(MaxPooling(size: size, stride: stride, context: context))
                } else {
                    layers.append(AveragePooling(size: size, stride: stride, context: context))
                }
                shape = [image[0], (image[1] - size) / stride + 1, (image[2] - size) / stride + 1]
            case .batchNorm(let momentum, let epsilon):
                // Image samples: per channel (BatchNorm2d); anything else: per feature (BatchNorm1d).
                let channels = shape.count == 3 ? shape[0] : shape.reduce(1, *)
                layers.append(
                    BatchNormalization(
                        index: index, channels: channels, momentum: momentum, epsilon: epsilon, context: context))
            case .layerNorm(let epsilon):
                layers.append(LayerNormalization(index: index, sampleShape: shape, epsilon: epsilon, context: context))
            case .globalAvgPool:
                let image = try Model.image(shape, for: spec)
                layers.append(GlobalAveragePooling(context: context))
                shape = [image[0]]
            }
        }
        self.layers = layers
        self.outputShape = shape
        self.layerShapes = shapes
        // ReLU then max pooling equals max pooling then ReLU, bit for bit (max commutes with a
        // monotonic function, and the winners agree wherever a gradient survives), and the ReLU
        // then touches a quarter of the values: run such pairs the other way round.
        var order = Array(specs.indices)
        var index = 0
        while index + 1 < specs.count {
            if specs[index] == .relu, case .maxPool = specs[index + 1] {
                order.swapAt(index, index + 1)
                index += 2
            } else {
                index += 1
            }
        }
        self.order = order
    }

    /// The order the layers run in (see ``init(specs:inputShape:seed:context:)``).
    let order: [Int]

    /// Every trainable parameter, in layer order.
    public var parameters: [Parameter] { layers.flatMap(\.parameters) }

    /// Saved state that is not trained (running statistics), in layer order.
    public var buffers: [Parameter] { layers.flatMap(\.buffers) }

    /// Integer state (BatchNorm's `num_batches_tracked`), by tensor name.
    public var counters: [String: Int64] {
        layers.reduce(into: [:]) { all, layer in all.merge(layer.counters) { $1 } }
    }

    /// Every tensor a checkpoint holds: the parameters, then the buffers.
    var savedParameters: [Parameter] { parameters + buffers }

    /// Every value a checkpoint holds, for putting back later (early stopping's best epoch).
    func snapshot() -> (tensors: [Tensor], counters: [String: Int64]) {
        (savedParameters.map(\.value), counters)
    }

    /// Puts a ``snapshot()`` back.
    func restore(_ snapshot: (tensors: [Tensor], counters: [String: Int64])) {
        for (parameter, value) in zip(savedParameters, snapshot.tensors) { parameter.value = value }
        for index in layers.indices { layers[index].counters = snapshot.counters }
    }

    /// Whether the last layer is a softmax (skipped while training with softmax cross-entropy).
    var endsInSoftmax: Bool { specs.last == .softmax }

    /// The output for a batch shaped [batch] + ``inputShape``; with `logits`, the values before a
    /// final softmax layer.
    public func forward(_ batch: Tensor, training: Bool, logits: Bool = false) -> Tensor {
        var x = batch
        let count = logits && endsInSoftmax ? layers.count - 1 : layers.count
        for index in order where index < count {
            if specs[index].takesImages, x.shape.count == 3 {
                x = x.reshaped([x.shape[0], 1] + x.shape.dropFirst())
            }
            // Handed over, not shared: a layer that works in place (ReLU) then copies nothing.
            x = layers[index].forward(consume x, training: training)
        }
        return x
    }

    /// Back-propagates the loss gradient of the last training forward pass's output (`logits`:
    /// that pass stopped before a final softmax layer).
    public func backward(_ gradient: Tensor, logits: Bool = false) {
        var g = gradient
        let count = logits && endsInSoftmax ? layers.count - 1 : layers.count
        let executed = order.filter { $0 < count }
        for (position, index) in executed.enumerated().reversed() {
            g = layers[index].backward(consume g, needsInputGradient: position > 0)
        }
    }

    /// Replaces every parameter's value with the tensor of the same name.
    ///
    /// - Throws: ``TrainerError`` naming a missing tensor or one whose shape differs.
    public func load(_ tensors: [String: Tensor]) throws(TrainerError) {
        for index in layers.indices {
            var counters = layers[index].counters
            for name in counters.keys {
                guard let value = tensors[name]?.values.first else {
                    throw TrainerError("the checkpoint has no tensor '\(name)' for this architecture")
                }
                counters[name] = Int64(value)
            }
            layers[index].counters = counters
        }
        for parameter in savedParameters {
            guard let tensor = tensors[parameter.name] else {
                throw TrainerError("the checkpoint has no tensor '\(parameter.name)' for this architecture")
            }
            guard tensor.shape == parameter.value.shape else {
                throw TrainerError(
                    "tensor '\(parameter.name)' has shape \(tensor.shape) in the checkpoint, the model needs \(parameter.value.shape)"
                )
            }
            parameter.value = tensor
        }
    }

    private static func image(_ shape: [Int], for spec: LayerSpec) throws(TrainerError) -> [Int] {
        switch shape.count {
        case 3: return shape
        case 2: return [1] + shape
        default:
            throw TrainerError(
                "\(spec.text) needs image samples ([height, width] or [channels, height, width]) but gets \(shape); read IDX images or a 3-D NPY array, or use dense layers"
            )
        }
    }
}
