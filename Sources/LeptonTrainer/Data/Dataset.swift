import CLeptonKernels

/// Samples and their targets, all in memory.
public struct Dataset: Sendable {
    /// Shaped [samples] + the per-sample shape.
    public var features: Tensor
    /// One target per sample: a class index (as a float) for classification, a value for regression.
    public var targets: [Float]
    /// Class names in index order when the labels were names (CSV); empty when they were numbers.
    public var classNames: [String]
    /// The CSV columns read as categories, each one-hot encoded over its values (sorted), in
    /// column order; a model keeps them so evaluation and prediction encode the same way.
    public var categories: [Category]
    /// Each sample's weight in the training loss (a CSV's `--sample-weight` column); nil: all 1.
    public var weights: [Float]?

    /// A categorical column and its values, in the order of their one-hot features.
    public struct Category: Sendable, Equatable {
        public var column: String
        public var values: [String]

        public init(column: String, values: [String]) {
            self.column = column
            self.values = values
        }
    }

    public init(
        features: Tensor, targets: [Float], classNames: [String] = [], categories: [Category] = [],
        weights: [Float]? = nil
    ) {
        self.weights = weights
        self.features = features
        self.targets = targets
        self.classNames = classNames
        self.categories = categories
    }

    /// The number of samples.
    public var count: Int { features.rows }

    /// The shape of one sample.
    public var sampleShape: [Int] { Array(features.shape.dropFirst()) }

    /// The samples at `indices`, in that order. With a `context`, the rows are copied on its
    /// threads, each its own contiguous share (a shuffled batch's rows are scattered over the
    /// whole data set, so the copy waits on memory; the split changes no value).
    public func subset(_ indices: ArraySlice<Int>, context: ComputeContext? = nil) -> Dataset {
        let width = features.columns
        var values = Tensor(overwritten: [indices.count] + sampleShape)
        values.withMutablePointer { out in
            features.withPointer { source in
                indices.withUnsafeBufferPointer { rows in
                    guard let first = rows.baseAddress else { return }
                    let copy = { (share: Range<Int>) in
                        lepton_gather_rows(
                            share.count, width, source, first + share.lowerBound, out + share.lowerBound * width)
                    }
                    if let context, rows.count * width >= 65_536 {
                        context.forEachShare(of: rows.count, copy)
                    } else {
                        copy(0..<rows.count)
                    }
                }
            }
        }
        return Dataset(
            features: values, targets: indices.map { targets[$0] }, classNames: classNames, categories: categories,
            weights: weights.map { weights in indices.map { weights[$0] } })
    }

    /// Splits off the last `fraction` of a seeded shuffle as a validation set.
    public func split(validationFraction fraction: Double, seed: UInt64) -> (train: Dataset, validation: Dataset?) {
        guard fraction > 0 else { return (self, nil) }
        var random = RandomGenerator(seed: seed).derived(0x5EED)
        let order = random.permutation(count)
        let validationCount = min(count - 1, max(1, Int((Double(count) * fraction).rounded())))
        let cut = count - validationCount
        return (subset(order[..<cut]), subset(order[cut...]))
    }

    /// The number of classes: the largest class index plus one, or the named classes.
    public var classCount: Int {
        max(classNames.count, Int(targets.max() ?? 0) + 1)
    }
}
