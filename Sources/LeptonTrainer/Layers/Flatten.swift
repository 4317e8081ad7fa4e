/// Reshapes each sample to a vector (a no-op on the values).
final class Flatten: Layer {
    private var inputShape: [Int] = []

    func forward(_ input: consuming Tensor, training: Bool) -> Tensor {
        inputShape = input.shape
        return input.reshaped([input.rows, input.columns])
    }

    func backward(_ gradient: consuming Tensor, needsInputGradient: Bool) -> Tensor {
        gradient.reshaped(inputShape)
    }
}
