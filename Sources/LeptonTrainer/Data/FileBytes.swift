import CLeptonKernels
import Foundation

/// Reads a data file whole, inflating it when it is gzip-compressed (`.gz` or not).
enum FileBytes {
    /// - Throws: ``TrainerError`` naming the path and the system's reason.
    static func read(_ path: String) throws(TrainerError) -> [UInt8] {
        var bytes: UnsafeMutablePointer<UInt8>?
        var length = 0
        let status = lepton_read_maybe_gzip(path, &bytes, &length)
        guard status == 0, let bytes else {
            if status == -2 { throw TrainerError("\(path): the gzip data is damaged or truncated") }
            throw TrainerError("cannot read '\(path)': \(String(cString: strerror(errno)))")
        }
        defer { free(bytes) }
        return Array(UnsafeBufferPointer(start: bytes, count: length))
    }
}
