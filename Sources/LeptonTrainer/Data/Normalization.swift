/// A per-feature affine map fitted on the training data and stored with the model, so that
/// evaluation and prediction see inputs exactly as training did: x' = (x - offset) · scale.
public struct Normalization: Sendable, Equatable {
    /// How the map is chosen.
    public enum Kind: String, Sendable, CaseIterable {
        /// Inputs as they are.
        case none
        /// Multiply every feature by one factor (1/255 for images).
        case scale
        /// Map each feature's training range onto [0, 1].
        case minmax
        /// Subtract each feature's training mean and divide by its standard deviation.
        case standardize
    }

    public var kind: Kind
    /// Per-feature offsets (one value applies to every feature).
    public var offset: [Float]
    /// Per-feature factors (one value applies to every feature).
    public var scale: [Float]

    public init(kind: Kind, offset: [Float], scale: [Float]) {
        self.kind = kind
        self.offset = offset
        self.scale = scale
    }

    /// The map of `kind` fitted to `data` (statistics summed in sample order, in Double);
    /// `factor` is the factor of ``Kind/scale``.
    public static func fit(_ kind: Kind, factor: Double, to data: Dataset) -> Normalization {
        let width = data.features.columns
        let rows = data.count
        switch kind {
        case .none: return Normalization(kind: kind, offset: [0], scale: [1])
        case .scale: return Normalization(kind: kind, offset: [0], scale: [Float(factor)])
        case .minmax, .standardize:
            var low = [Float](repeating: .infinity, count: width)
            var high = [Float](repeating: -.infinity, count: width)
            var sum = [Double](repeating: 0, count: width)
            var squares = [Double](repeating: 0, count: width)
            data.features.withValues { x in
                for row in 0..<rows {
                    for j in 0..<width {
                        let v = x[row * width + j]
                        low[j] = min(low[j], v)
                        high[j] = max(high[j], v)
                        sum[j] += Double(v)
                        squares[j] += Double(v) * Double(v)
                    }
                }
            }
            if kind == .minmax {
                let scale = (0..<width).map { high[$0] > low[$0] ? 1 / (high[$0] - low[$0]) : 1 }
                return Normalization(kind: kind, offset: low, scale: scale)
            }
            let mean = sum.map { $0 / Double(max(rows, 1)) }
            let scale = (0..<width).map { j -> Float in
                let variance = squares[j] / Double(max(rows, 1)) - mean[j] * mean[j]
                return variance > 1e-12 ? Float(1 / variance.squareRoot()) : 1
            }
            return Normalization(kind: kind, offset: mean.map { Float($0) }, scale: scale)
        }
    }

    /// Applies the map to every sample of `data`.
    public func apply(to data: inout Dataset) {
        guard kind != .none else { return }
        let width = data.features.columns
        let perFeature = offset.count > 1
        let (offset, scale) = (self.offset, self.scale)
        data.features.withMutableValues { x in
            for i in x.indices {
                let j = perFeature ? i % width : 0
                x[i] = (x[i] - offset[j]) * scale[j]
            }
        }
    }
}
