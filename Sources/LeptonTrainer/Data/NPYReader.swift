import Foundation

/// Reads NumPy `.npy` files (format versions 1–3, C order) of float32/64, signed or unsigned
/// 8/16/32/64-bit integers, or booleans, little-endian.
enum NPYReader {
    /// The array as floats with the file's shape.
    ///
    /// - Throws: ``TrainerError`` for a file that is not NPY, is Fortran-ordered, big-endian,
    ///   of an unsupported type, or short.
    static func read(_ path: String) throws(TrainerError) -> Tensor {
        let bytes = try FileBytes.read(path)
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
            throw TrainerError("\(path) is not a NumPy .npy file (no \\x93NUMPY magic)")
        }
        let major = bytes[6]
        let headerLength: Int
        let headerStart: Int
        if major == 1 {
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        } else {
            guard bytes.count >= 12 else { throw TrainerError("\(path): the .npy header is truncated") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        }
        guard bytes.count >= headerStart + headerLength else {
            throw TrainerError("\(path): the .npy header is truncated")
        }
        let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
        guard let descr = field("descr", in: header), let shapeText = field("shape", in: header) else {
            throw TrainerError("\(path): the .npy header has no descr or shape: \(header)")
        }
        if field("fortran_order", in: header) == "True" {
            throw TrainerError("\(path): Fortran-ordered arrays are not supported; save with np.ascontiguousarray")
        }
        let shape = shapeText.split(separator: ",").compactMap { Int(String($0).trimmingWhitespace()) }
        let count = shape.reduce(1, *)
        let type = descr.replacingOccurrences(of: "'", with: "")
        guard let width = Int(type.dropFirst(2)), type.first != ">" else {
            throw TrainerError("\(path): unsupported dtype '\(type)'; use little-endian numbers")
        }
        let start = headerStart + headerLength
        guard bytes.count >= start + count * width else {
            throw TrainerError(
                "\(path): holds \(bytes.count - start) data bytes, its header announces \(count * width)")
        }
        let kind = type.dropFirst().first
        var values = [Float](repeating: 0, count: count)
        for i in 0..<count {
            var raw: UInt64 = 0
            for b in 0..<width { raw |= UInt64(bytes[start + i * width + b]) << (8 * UInt64(b)) }
            switch (kind, width) {
            case ("f", 4): values[i] = Float(bitPattern: UInt32(raw))
            case ("f", 8): values[i] = Float(Double(bitPattern: raw))
            case ("u", _), ("b", 1): values[i] = Float(raw)
            case ("i", 1): values[i] = Float(Int8(truncatingIfNeeded: raw))
            case ("i", 2): values[i] = Float(Int16(truncatingIfNeeded: raw))
            case ("i", 4): values[i] = Float(Int32(truncatingIfNeeded: raw))
            case ("i", 8): values[i] = Float(Int64(bitPattern: raw))
            default: throw TrainerError("\(path): unsupported dtype '\(type)'")
            }
        }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw TrainerError(
                "\(path): element \(bad) is \(values[bad]) (NaN, infinity or too large for 32-bit floats); the trainer needs finite numbers"
            )
        }
        return Tensor(shape: shape.isEmpty ? [1] : shape, values: values)
    }

    /// The raw text of `'key': value` in the header dictionary (a tuple's contents without parentheses).
    private static func field(_ key: String, in header: String) -> String? {
        guard let range = header.range(of: "'\(key)':") else { return nil }
        var rest = header[range.upperBound...].drop { $0 == " " }
        if rest.first == "(" {
            rest = rest.dropFirst()
            return rest.firstIndex(of: ")").map { String(rest[..<$0]) }
        }
        let end = rest.firstIndex(of: ",") ?? rest.firstIndex(of: "}") ?? rest.endIndex
        return String(rest[..<end]).trimmingWhitespace()
    }
}
