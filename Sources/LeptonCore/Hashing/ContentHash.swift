import Crypto
#if canImport(Glibc)
import Glibc
#endif

/// SHA-256 content digests, as lower-case hex, for files, byte strings and folder trees.
///
/// swift-crypto's SHA-256 runs at about 1.2 GB/s per core on SHA-NI hardware; files are read
/// in 1 MiB chunks so memory stays flat whatever their size.
public enum ContentHash {
    /// The digest of a byte string.
    public static func of(_ bytes: some Collection<UInt8>) -> String {
        var hasher = SHA256()
        if let contiguous = bytes.withContiguousStorageIfAvailable({ $0 }) {
            hasher.update(bufferPointer: UnsafeRawBufferPointer(contiguous))
        } else {
            hasher.update(data: Array(bytes))
        }
        return hex(hasher.finalize())
    }

    /// The digest of a string's UTF-8 bytes.
    public static func of(text: String) -> String { of(Array(text.utf8)) }

    /// The digest of a file's content, read in chunks.
    ///
    /// - Throws: ``LeptonError/Code/io`` naming the path.
    public static func ofFile(_ path: String) throws(LeptonError) -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileSystem().ioError("cannot read '\(path)'") }
        defer { close(descriptor) }
        var hasher = SHA256()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
        defer { buffer.deallocate() }
        while true {
            let count = read(descriptor, buffer.baseAddress, buffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                throw FileSystem().ioError("cannot read '\(path)'")
            }
            if count == 0 { break }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
        return hex(hasher.finalize())
    }

    /// Incremental hashing of a stream, for copies that verify while they write.
    public struct Stream {
        private var hasher = SHA256()
        public init() {}
        public mutating func update(_ buffer: UnsafeRawBufferPointer) { hasher.update(bufferPointer: buffer) }
        public func finalize() -> String { ContentHash.hex(hasher.finalize()) }
    }

    static func hex(_ digest: SHA256.Digest) -> String {
        let table: [UInt8] = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(64)
        for byte in digest {
            out.append(table[Int(byte >> 4)])
            out.append(table[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether a string looks like a digest this module produced.
    public static func isDigest(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}
