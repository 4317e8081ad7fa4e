import LeptonCore
import LeptonSystem

#if canImport(Glibc)
    import Glibc
#endif

/// The Swift compiler the loader uses: `$LEPTON_SWIFTC`, `$SWIFT_EXEC`, or `swiftc` on `PATH`.
struct Toolchain: Sendable {
    /// The compiler's absolute path.
    let swiftc: String
    /// Changes when the compiler is replaced (path, size, modification time), without the
    /// 100 ms cost of asking it for its version on every build.
    let identity: String

    static func find(fileSystem: any FileSystem = PosixFileSystem()) throws(LeptonError) -> Toolchain {
        var candidates: [String] = []
        for name in ["LEPTON_SWIFTC", "SWIFT_EXEC"] {
            if let value = Environment.raw(name) { candidates.append(value) }
        }
        if let path = Environment.raw("PATH") {
            for folder in path.split(separator: ":") { candidates.append("\(folder)/swiftc") }
        }
        candidates.append("/usr/bin/swiftc")
        for candidate in candidates {
            guard let status = fileSystem.statusFollowingLinks(candidate), status.kind == .file else { continue }
            let real = fileSystem.realPath(candidate) ?? candidate
            return Toolchain(swiftc: candidate, identity: "\(real) \(status.size) \(status.mtime)")
        }
        throw LeptonError(
            .leptonfileCompile,
            "cannot find the Swift compiler to evaluate the Leptonfile; put swiftc on PATH or set LEPTON_SWIFTC")
    }
}
