import Foundation
import LeptonCore
import Testing

/// CLeptonHash's SHA-256 against FIPS 180-4's vectors and Python's hashlib (OpenSSL), for the
/// CPU's SHA extensions and the portable block function, at every length around block edges.
@Suite(.serialized)
struct SHA256Tests {
    static let vectors: [(String, String)] = [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        ),
    ]

    @Test(arguments: [false, true])
    func knownVectors(generic: Bool) {
        ContentHash.preferGeneric(generic)
        defer { ContentHash.preferGeneric(false) }
        for (text, digest) in SHA256Tests.vectors { #expect(ContentHash.of(text: text) == digest) }
        #expect(
            ContentHash.of([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test(arguments: [false, true])
    func agreesWithHashlibAtEveryLengthAroundBlockEdges(generic: Bool) throws {
        ContentHash.preferGeneric(generic)
        defer { ContentHash.preferGeneric(false) }
        var generator = SystemRandomNumberGenerator()
        let lengths = Array(0...130) + [191, 192, 193, 4095, 4096, 4097, 65_599, 1 << 20, (1 << 20) + 7]
        var payloads: [[UInt8]] = []
        for length in lengths {
            payloads.append((0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) })
        }
        let folder = NSTemporaryDirectory() + "lepton-sha-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for (index, payload) in payloads.enumerated() {
            try Data(payload).write(to: URL(fileURLWithPath: "\(folder)/\(index)"))
        }
        let script = """
            import hashlib, sys
            for i in range(int(sys.argv[2])):
                print(hashlib.sha256(open(f"{sys.argv[1]}/{i}", "rb").read()).hexdigest())
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, folder, String(payloads.count)]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let expected = output.split(separator: "\n").map(String.init)
        try #require(expected.count == payloads.count)
        for (index, payload) in payloads.enumerated() {
            #expect(ContentHash.of(payload) == expected[index], "length \(payload.count)")
            #expect(try ContentHash.ofFile("\(folder)/\(index)") == expected[index], "file of length \(payload.count)")
            // Fed in uneven pieces through the stream, as verified copies do.
            var stream = ContentHash.Stream()
            var offset = 0
            var piece = 1
            while offset < payload.count {
                let end = min(payload.count, offset + piece)
                payload[offset..<end].withUnsafeBytes { stream.update($0) }
                offset = end
                piece = piece * 3 + 1
            }
            #expect(stream.finalize() == expected[index], "stream of length \(payload.count)")
        }
    }

    @Test func thisMachineUsesTheSHAExtensionsWhenItHasThem() throws {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let hasSHA = cpuinfo.split(separator: "\n").contains {
            $0.hasPrefix("flags") && $0.split(separator: " ").contains("sha_ni")
        }
        #expect(ContentHash.implementation == (hasSHA ? "sha-ni" : "generic"))
    }
}
