/// Inverted dropout: while training, each value is zeroed with probability `rate` and the rest
/// scaled by 1/(1-rate); at inference it passes values through. The mask comes from the model's
/// seeded generator, drawn in element order, so it is the same for every run and thread count.
final class Dropout: Layer {
    let rate: Float
    private var random: RandomGenerator
    private var mask: [Float] = []

    init(rate: Float, random: RandomGenerator) {
        self.rate = rate
        self.random = random
    }

    var generator: RandomGenerator? {
        get { random }
        set { if let newValue { random = newValue } }
    }

    func forward(_ input: consuming Tensor, training: Bool) -> Tensor {
        guard training, rate > 0 else { return input }
        let keep = 1 / (1 - rate)
        mask = (0..<input.count).map { _ in random.nextUnitFloat() < rate ? 0 : keep }
        var y = input
        y.withMutableValues { values in
            for i in values.indices { values[i] *= mask[i] }
        }
        return y
    }

    func backward(_ gradient: consuming Tensor, needsInputGradient: Bool) -> Tensor {
        guard needsInputGradient, rate > 0 else { return gradient }
        var dx = gradient
        dx.withMutableValues { values in
            for i in values.indices { values[i] *= mask[i] }
        }
        return dx
    }
}
