import Foundation

/// The safetensors format (Hugging Face): an 8-byte little-endian header length, a JSON header
/// mapping each tensor name to `{dtype, shape, data_offsets}` (plus optional string
/// `__metadata__`), then the raw little-endian data. PyTorch, NumPy and JAX load it with the
/// `safetensors` package.
///
/// Lepton writes F32 tensors and I64 scalars (PyTorch's `num_batches_tracked`), in name order,
/// header keys sorted and padded with spaces to a multiple of 8 bytes, so the same tensors always
/// give the same bytes.
public enum SafeTensors {
    /// The file bytes for `tensors`, the 64-bit integer scalars `integers`, and `metadata`.
    public static func encode(
        _ tensors: [String: Tensor], integers: [String: Int64] = [:], metadata: [String: String] = [:]
    ) -> [UInt8] {
        var entries: [String] = []
        var offset = 0
        let names = Set(tensors.keys).union(integers.keys).sorted()
        for name in names {
            if integers[name] != nil {
                entries.append(
                    "\(quoted(name)):{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[\(offset),\(offset + 8)]}")
                offset += 8
                continue
            }
            guard let tensor = tensors[name] else { continue }
            let end = offset + tensor.count * 4
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            entries.append(
                "\(quoted(name)):{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(quoted($0)):\(quoted(metadata[$0] ?? ""))" }
            entries.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        // Keys are sorted; `__metadata__` sorts before lower-case names in byte order, but the
        // format does not require an order, only that ours is fixed.
        var header = Array("{\(entries.joined(separator: ","))}".utf8)
        while header.count % 8 != 0 { header.append(UInt8(ascii: " ")) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + header.count + offset)
        var length = UInt64(header.count).littleEndian
        withUnsafeBytes(of: &length) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: header)
        for name in names {
            if var integer = integers[name]?.littleEndian {
                withUnsafeBytes(of: &integer) { bytes.append(contentsOf: $0) }
                continue
            }
            tensors[name]?.withValues { values in
                for value in values {
                    var bits = value.bitPattern.littleEndian
                    withUnsafeBytes(of: &bits) { bytes.append(contentsOf: $0) }
                }
            }
        }
        return bytes
    }

    /// The tensors and metadata of a safetensors file's bytes.
    ///
    /// - Throws: ``TrainerError`` for a truncated file, a header that is not JSON, a dtype other
    ///   than F32/F64/F16/BF16/I64 (integers are read as floats), or offsets outside the data.
    public static func decode(_ bytes: [UInt8], path: String) throws(TrainerError) -> (
        tensors: [String: Tensor], metadata: [String: String]
    ) {
        guard bytes.count >= 8 else { throw TrainerError("\(path) is too short to be a safetensors file") }
        var length = 0
        for i in 0..<8 { length |= Int(bytes[i]) << (8 * i) }
        guard length > 0, 8 + length <= bytes.count else {
            throw TrainerError("\(path): the safetensors header length \(length) exceeds the file")
        }
        let header = Data(bytes[8..<(8 + length)])
        guard let object = try? JSONSerialization.jsonObject(with: header) as? [String: Any] else {
            throw TrainerError("\(path): the safetensors header is not a JSON object")
        }
        let dataStart = 8 + length
        var tensors: [String: Tensor] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in object {
            if name == "__metadata__" {
                metadata = value as? [String: String] ?? [:]
                continue
            }
            guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
                let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int], offsets.count == 2
            else { throw TrainerError("\(path): tensor '\(name)' has a malformed header entry") }
            let count = shape.reduce(1, *)
            let width = ["F32": 4, "F64": 8, "F16": 2, "BF16": 2, "I64": 8][dtype]
            guard let width else { throw TrainerError("\(path): tensor '\(name)' has unsupported dtype \(dtype)") }
            guard offsets[1] - offsets[0] == count * width, dataStart + offsets[1] <= bytes.count, offsets[0] >= 0
            else {
                throw TrainerError(
                    "\(path): tensor '\(name)' has data offsets \(offsets) that do not fit shape \(shape) or the file")
            }
            var values = [Float](repeating: 0, count: count)
            let base = dataStart + offsets[0]
            for i in 0..<count {
                var raw: UInt64 = 0
                for b in 0..<width { raw |= UInt64(bytes[base + i * width + b]) << (8 * UInt64(b)) }
                switch dtype {
                case "F32": values[i] = Float(bitPattern: UInt32(raw))
                case "F64": values[i] = Float(Double(bitPattern: raw))
                case "I64": values[i] = Float(Int64(bitPattern: raw))
                case "BF16": values[i] = Float(bitPattern: UInt32(raw) << 16)
                default: values[i] = Float(Float16(bitPattern: UInt16(raw)))
                }
            }
            tensors[name] = Tensor(shape: shape, values: values)
        }
        return (tensors, metadata)
    }

    private static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            default:
                if scalar.value < 0x20 {
                    result += String(format: "\\u%04x", scalar.value)
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }
}
