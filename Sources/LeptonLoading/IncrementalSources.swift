import LeptonCore
import LeptonSystem

/// The files of a split Leptonfile (``SplitLeptonfile``) in the folder where the compiler's
/// incremental mode keeps its state between evaluations, and the arguments that compile them.
///
/// A file is written only when its bytes changed, and then what was compiled from it is
/// removed, so the driver compiles again only the pieces an edit touched (and those that depend
/// on what it changed) whether or not a modification time could tell. The folder is only used under the loader's evaluation lock. One
/// batch job compiles whatever must be compiled: a first compile of 41 files costs about what
/// the single file did (4.2 against 3.8 CPU s at 1,000 rows), where a job per file cost 8.8.
enum IncrementalSources {
    /// Writes `split` into `directory` and returns the compiler's input arguments.
    static func write(_ split: SplitLeptonfile, in directory: String, fileSystem: PosixFileSystem)
        throws(LeptonError) -> [String]
    {
        try fileSystem.createDirectories(directory)
        let files =
            [(directory + "/main.swift", split.main)]
            + split.pieces.enumerated().map { (directory + "/part\($0.offset + 1).swift", $0.element) }
        var entries: [String: JSON] = [
            "": .object(["swift-dependencies": .string(directory + "/main.priors.swiftdeps")])
        ]
        for (path, bytes) in files {
            let base = String(path.dropLast(".swift".count))
            if (try? fileSystem.read(path)) != bytes {
                try fileSystem.writeAtomically(bytes, to: path, durable: false)
                // The driver compares modification times with its record, which cannot tell two
                // writes in the same instant apart: what was compiled from the old text goes.
                for suffix in [".o", ".swiftdeps"] { try? fileSystem.remove(base + suffix) }
            }
            entries[path] = .object([
                "object": .string(base + ".o"), "swift-dependencies": .string(base + ".swiftdeps"),
            ])
        }
        // The pieces of an earlier, longer split go, with what was compiled from them.
        var stale = split.pieces.count + 1
        while fileSystem.status(directory + "/part\(stale).swift") != nil {
            for suffix in [".swift", ".o", ".swiftdeps"] {
                try? fileSystem.remove(directory + "/part\(stale)\(suffix)")
            }
            stale += 1
        }
        let map = directory + "/output-file-map.json"
        let mapBytes = Array(JSON.object(entries).compactText.utf8)
        if (try? fileSystem.read(map)) != mapBytes { try fileSystem.writeAtomically(mapBytes, to: map, durable: false) }
        return ["-incremental", "-enable-batch-mode", "-driver-batch-count", "1", "-j1", "-output-file-map", map]
            + files.map(\.0)
    }
}
