import LeptonCore
import LeptonSystem

/// The `// lepton-tools-version: 0.1` line a Leptonfile may start with: the oldest Lepton whose
/// DSL it is written for (like `swift-tools-version` in `Package.swift`).
///
/// A Leptonfile asking for a newer DSL than this Lepton has is refused before it is compiled,
/// with a message saying so (instead of compiler errors about symbols this DSL lacks). A
/// Leptonfile without the line is read as written for this version.
enum ToolsVersion {
    /// The DSL version this Lepton provides.
    static let current = (major: 0, minor: 1)

    /// The version the first line of `bytes` asks for, nil when there is no such line.
    static func declared(in bytes: [UInt8]) -> (major: Int, minor: Int)? {
        let firstLine = bytes.prefix { $0 != UInt8(ascii: "\n") }
        let text = String(decoding: firstLine, as: UTF8.self)
        let prefix = "// lepton-tools-version:"
        guard text.hasPrefix(prefix) else { return nil }
        let number = text.dropFirst(prefix.count).split(separator: " ").first.map(String.init) ?? ""
        let parts = number.split(separator: ".").map { Int($0) }
        guard parts.count >= 1, parts.count <= 3, parts.allSatisfy({ $0 != nil }), let major = parts[0] else {
            return (-1, -1)
        }
        return (major, parts.count > 1 ? (parts[1] ?? 0) : 0)
    }

    /// - Throws: ``LeptonError/Code/leptonfileVersion`` when the Leptonfile asks for a newer
    ///   DSL, or writes the version in a form Lepton cannot read.
    static func check(_ bytes: [UInt8], leptonfile: String) throws(LeptonError) {
        guard let declared = declared(in: bytes) else { return }
        let supported = "\(current.major).\(current.minor)"
        if declared.major < 0 {
            throw LeptonError(
                .leptonfileVersion,
                "\(leptonfile):1: the lepton-tools-version line cannot be read; write it as `// lepton-tools-version: \(supported)`"
            )
        }
        if (declared.major, declared.minor) > (current.major, current.minor) {
            throw LeptonError(
                .leptonfileVersion,
                "\(leptonfile):1: this Leptonfile needs lepton-tools-version \(declared.major).\(declared.minor), and this Lepton provides \(supported); update Lepton (or lower the version if the Leptonfile does not need newer DSL)"
            )
        }
    }
}
