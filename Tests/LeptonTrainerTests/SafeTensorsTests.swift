import Testing

@testable import LeptonTrainer

struct SafeTensorsTests {
    @Test func roundTripsAndLaysOutTheHeaderAsTheFormatSays() throws {
        let tensors = [
            "0.weight": Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6]),
            "0.bias": Tensor(shape: [2], values: [-0.5, 0.25]),
        ]
        let bytes = SafeTensors.encode(tensors, metadata: ["format": "pt"])
        let headerLength = (0..<8).reduce(0) { $0 | Int(bytes[$1]) << (8 * $1) }
        #expect(headerLength % 8 == 0)
        #expect(bytes.count == 8 + headerLength + 8 * 4)
        let header = String(decoding: bytes[8..<(8 + headerLength)], as: UTF8.self)
        #expect(header.hasPrefix(#"{"0.bias":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"0.weight""#))
        let (decoded, metadata) = try SafeTensors.decode(bytes, path: "m.safetensors")
        #expect(decoded["0.weight"]?.values == [1, 2, 3, 4, 5, 6])
        #expect(decoded["0.weight"]?.shape == [2, 3])
        #expect(decoded["0.bias"]?.values == [-0.5, 0.25])
        #expect(metadata == ["format": "pt"])
        #expect(SafeTensors.encode(decoded, metadata: metadata) == bytes)
    }

    @Test func rejectsTruncatedFiles() throws {
        let bytes = SafeTensors.encode(["w": Tensor(shape: [4], values: [1, 2, 3, 4])])
        #expect(throws: TrainerError.self) { try SafeTensors.decode(Array(bytes.dropLast(3)), path: "w.safetensors") }
        #expect(throws: TrainerError.self) { try SafeTensors.decode(Array(bytes.prefix(5)), path: "w.safetensors") }
    }

    @Test func sidecarPathReplacesTheExtension() {
        #expect(ModelCheckpoint.sidecarPath(for: "models/model.safetensors") == "models/model.json")
        #expect(ModelCheckpoint.sidecarPath(for: "a.b/model") == "a.b/model.json")
    }
}
