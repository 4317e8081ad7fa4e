import CLeptonHash

/// SHA-256 in progress, over CLeptonHash (the CPU's SHA extensions where it has them).
struct SHA256 {
    private var context = lepton_sha256_ctx()

    init() { lepton_sha256_init(&context) }

    /// Adds bytes.
    mutating func update(_ buffer: UnsafeRawBufferPointer) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        lepton_sha256_update(&context, base, buffer.count)
    }

    /// The 32-byte digest of everything added (the computation stays as it was).
    func finalize() -> [UInt8] {
        var copy = context
        var digest = [UInt8](repeating: 0, count: 32)
        digest.withUnsafeMutableBufferPointer { lepton_sha256_final(&copy, $0.baseAddress) }
        return digest
    }

    /// Which block function runs here: `sha-ni` or `generic`.
    static var implementation: String { String(cString: lepton_sha256_implementation()) }

    /// Runs the generic block function (true) or the best one (false): for tests and benchmarks.
    static func preferGeneric(_ generic: Bool) { lepton_sha256_prefer_generic(generic ? 1 : 0) }
}
