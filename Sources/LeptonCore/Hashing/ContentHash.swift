import LeptonSystem

#if canImport(Glibc)
    import Glibc
#endif

/// SHA-256 content digests, as lower-case hex, for files, byte strings and folder trees.
///
/// SHA-256 comes from CLeptonHash (the CPU's SHA extensions, ~1.5-2 GB/s per core, in debug
/// builds too); files are read in 1 MiB chunks so memory stays flat whatever their size.
public enum ContentHash {
    /// The digest of a byte string.
    public static func of(_ bytes: some Collection<UInt8>) -> String {
        var hasher = SHA256()
        let done: Void? = bytes.withContiguousStorageIfAvailable { hasher.update(UnsafeRawBufferPointer($0)) }
        if done == nil { Array(bytes).withUnsafeBytes { hasher.update($0) } }
        return hex(hasher.finalize())
    }

    /// The digest of a string's UTF-8 bytes.
    public static func of(text: String) -> String { of(Array(text.utf8)) }

    /// The digest of a file's content, read in chunks.
    ///
    /// - Throws: ``LeptonError/Code/io`` naming the path.
    public static func ofFile(_ path: String) throws(LeptonError) -> String {
        let file = try PosixFileSystem().open(path, .read)
        return try ofFile(file, size: file.status()?.size ?? 0, path: path)
    }

    /// The digest of an open file's content, from where it is read.
    ///
    /// `size` is what `fstat` said before the read: once that many bytes are in, no further
    /// `read` looks for the end (the caller's second `fstat` tells a file that grew meanwhile).
    /// A size of 0 (empty, or a special file that does not say) reads to the end.
    ///
    /// - Throws: ``LeptonError/Code/io`` naming `path`.
    public static func ofFile(_ file: FileDescriptor, size: Int64, path: String) throws(LeptonError) -> String {
        var hasher = SHA256()
        let chunk = 1 << 20
        let capacity = size > 0 && size < chunk ? Int(size) : chunk
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 64)
        defer { buffer.deallocate() }
        var total: Int64 = 0
        while size <= 0 || total < size {
            let count: Int
            do throws(LeptonError) {
                count = try file.read(into: buffer)
            } catch {
                throw LeptonError.io("cannot read '\(path)'", error.errno ?? .current)
            }
            if count == 0 { break }
            total += Int64(count)
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
        return hex(hasher.finalize())
    }

    /// Incremental hashing of a stream, for copies that verify while they write.
    public struct Stream {
        private var hasher = SHA256()
        public init() {}
        public mutating func update(_ buffer: UnsafeRawBufferPointer) { hasher.update(buffer) }
        public func finalize() -> String { ContentHash.hex(hasher.finalize()) }
    }

    static func hex(_ digest: [UInt8]) -> String { digest.withUnsafeBytes { hex($0) } }

    /// Which SHA-256 block function this machine runs: `sha-ni` or `generic`.
    public static var implementation: String { SHA256.implementation }

    /// Runs the portable block function instead of the CPU's SHA extensions (tests, benchmarks).
    public static func preferGeneric(_ generic: Bool) { SHA256.preferGeneric(generic) }

    /// Lower-case hex of raw bytes.
    static func hex(_ bytes: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { buffer in
            let table: StaticString = "0123456789abcdef"
            let digits = table.utf8Start
            for (index, byte) in bytes.enumerated() {
                buffer[2 * index] = digits[Int(byte >> 4)]
                buffer[2 * index + 1] = digits[Int(byte & 0x0F)]
            }
            return bytes.count * 2
        }
    }

    /// The raw bytes of a hex digest (zeros where it is not hex).
    static func bytes(fromHex text: String) -> [UInt8] {
        var result = [UInt8]()
        result.reserveCapacity(32)
        var high: UInt8?
        for byte in text.utf8 {
            let value: UInt8
            switch byte {
            case 48...57: value = byte - 48
            case 97...102: value = byte - 87
            default: value = 0
            }
            if let first = high {
                result.append(first << 4 | value)
                high = nil
            } else {
                high = value
            }
        }
        return result
    }

    /// Whether a string looks like a digest this module produced.
    public static func isDigest(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}
