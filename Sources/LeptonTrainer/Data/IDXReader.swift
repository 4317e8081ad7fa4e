/// Reads IDX files, the format MNIST and Fashion-MNIST ship in (gzip-compressed or not):
/// magic 0x0000, a type byte, a dimension count, big-endian 32-bit dimensions, then the data.
enum IDXReader {
    /// The array as floats, shaped by the file's dimensions (unsigned bytes stay 0–255).
    ///
    /// - Throws: ``TrainerError`` when the file is not IDX, uses an unknown type, or is short.
    static func read(_ path: String) throws(TrainerError) -> Tensor {
        let bytes = try FileBytes.read(path)
        guard bytes.count >= 4, bytes[0] == 0, bytes[1] == 0 else {
            throw TrainerError("\(path) is not an IDX file (it does not start with the IDX magic 00 00)")
        }
        let type = bytes[2]
        let dimensions = Int(bytes[3])
        guard dimensions >= 1, bytes.count >= 4 + 4 * dimensions else {
            throw TrainerError("\(path): the IDX header is truncated")
        }
        var shape: [Int] = []
        for d in 0..<dimensions {
            let o = 4 + 4 * d
            shape.append(Int(bytes[o]) << 24 | Int(bytes[o + 1]) << 16 | Int(bytes[o + 2]) << 8 | Int(bytes[o + 3]))
        }
        let count = shape.reduce(1, *)
        let start = 4 + 4 * dimensions
        let width: Int
        switch type {
        case 0x08, 0x09: width = 1
        case 0x0B: width = 2
        case 0x0C, 0x0D: width = 4
        case 0x0E: width = 8
        default: throw TrainerError("\(path): unknown IDX element type 0x\(String(type, radix: 16))")
        }
        guard bytes.count >= start + count * width else {
            throw TrainerError(
                "\(path): holds \(bytes.count - start) data bytes but its header announces \(count * width)")
        }
        var values = [Float](repeating: 0, count: count)
        for i in 0..<count {
            let o = start + i * width
            switch type {
            case 0x08: values[i] = Float(bytes[o])
            case 0x09: values[i] = Float(Int8(bitPattern: bytes[o]))
            case 0x0B: values[i] = Float(Int16(bitPattern: UInt16(bytes[o]) << 8 | UInt16(bytes[o + 1])))
            case 0x0C: values[i] = Float(Int32(bitPattern: bigEndian32(bytes, o)))
            case 0x0D: values[i] = Float(bitPattern: bigEndian32(bytes, o))
            default:
                let high = UInt64(bigEndian32(bytes, o))
                let low = UInt64(bigEndian32(bytes, o + 4))
                values[i] = Float(Double(bitPattern: high << 32 | low))
            }
        }
        return Tensor(shape: shape, values: values)
    }

    private static func bigEndian32(_ bytes: [UInt8], _ o: Int) -> UInt32 {
        UInt32(bytes[o]) << 24 | UInt32(bytes[o + 1]) << 16 | UInt32(bytes[o + 2]) << 8 | UInt32(bytes[o + 3])
    }
}
