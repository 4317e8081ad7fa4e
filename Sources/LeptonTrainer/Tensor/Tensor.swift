import CLeptonKernels

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A dense, row-major array of `Float` with a shape.
///
/// Storage is a 64-byte aligned buffer shared copy-on-write between copies, so passing tensors
/// around is cheap and mutation through ``withMutableValues(_:)`` never affects another copy.
/// Transposed operands are never materialised: the GEMM reads them through its `trans` flags.
public struct Tensor: Sendable {
    /// The extent of each dimension, outermost first.
    public private(set) var shape: [Int]
    private var storage: TensorStorage

    /// The number of elements, the product of ``shape``.
    public var count: Int { storage.count }

    /// A tensor of zeros.
    public init(zeros shape: [Int]) {
        self.shape = shape
        self.storage = TensorStorage(count: shape.reduce(1, *))
    }

    /// A tensor whose every element the caller writes before anything reads it (a GEMM's output
    /// with beta 0): skips zeroing.
    init(overwritten shape: [Int]) {
        self.shape = shape
        self.storage = TensorStorage(count: shape.reduce(1, *), zeroed: false)
    }

    /// A tensor holding `values` in row-major order.
    ///
    /// - Precondition: `values.count` equals the product of `shape`.
    public init(shape: [Int], values: [Float]) {
        precondition(values.count == shape.reduce(1, *), "tensor values do not match shape \(shape)")
        self.init(overwritten: shape)
        values.withUnsafeBufferPointer { source in
            if let start = source.baseAddress { storage.pointer.update(from: start, count: source.count) }
        }
    }

    /// The values in row-major order.
    public var values: [Float] { withValues { Array($0) } }

    /// The first dimension (the batch or sample count), or 1 for a scalar.
    public var rows: Int { shape.first ?? 1 }

    /// Elements per row: the product of every dimension but the first.
    public var columns: Int { shape.count <= 1 ? 1 : shape.dropFirst().reduce(1, *) }

    /// The same values viewed with another shape of the same element count (no copy).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        precondition(newShape.reduce(1, *) == count, "cannot reshape \(shape) to \(newShape)")
        var copy = self
        copy.shape = newShape
        return copy
    }

    /// Calls `body` with the values; the pointer must not escape.
    public func withValues<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.pointer, count: storage.count))
    }

    /// Calls `body` with mutable values, copying the storage first if another tensor shares it.
    public mutating func withMutableValues<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        if !isKnownUniquelyReferenced(&storage) {
            storage = storage.copy()
        }
        return try body(UnsafeMutableBufferPointer(start: storage.pointer, count: storage.count))
    }

    /// Calls `body` with the address of the first value; the pointer must not escape.
    public func withPointer<R>(_ body: (UnsafePointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafePointer(storage.pointer))
    }

    /// Calls `body` with the mutable address of the first value, copying shared storage first.
    public mutating func withMutablePointer<R>(_ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        if !isKnownUniquelyReferenced(&storage) {
            storage = storage.copy()
        }
        return try body(storage.pointer)
    }

    /// Sets every element to zero.
    public mutating func zero() {
        withMutableValues { $0.update(repeating: 0) }
    }
}

/// The aligned buffer behind a ``Tensor``.
final class TensorStorage: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    /// A buffer of zeros, or (`zeroed: false`) of whatever the allocator returned, for a result
    /// every element of which is written before it is read.
    init(count: Int, zeroed: Bool = true) {
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64)
        if zeroed {
            // memset, not initializeMemory(repeating:): an unoptimised build (the plugin's) would
            // otherwise copy each zero through Float's value witness, a tenth of a CNN's epoch.
            memset(raw, 0, max(count, 1) * 4)
            self.pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        } else {
            // Float is a trivial type: binding without initialising is enough.
            self.pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        }
    }

    func copy() -> TensorStorage {
        let result = TensorStorage(count: count, zeroed: false)
        result.pointer.update(from: pointer, count: count)
        return result
    }

    deinit {
        UnsafeMutableRawPointer(pointer).deallocate()
    }
}
