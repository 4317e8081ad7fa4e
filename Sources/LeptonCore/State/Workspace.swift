import LeptonSystem

/// Where a package's Lepton files live: the root, `Lepton.lock`, and the `.lepton/` folder
/// (cache, stat cache, journal, logs, evaluated-Leptonfile cache), which git should ignore.
public struct Workspace: Sendable {
    /// The package root (absolute).
    public let root: String

    public init(root: String) { self.root = root }

    public var leptonfile: String { root + "/Leptonfile" }
    public var lockFile: String { root + "/" + LockFile.fileName }
    public var stateDirectory: String { root + "/.lepton" }
    public var cacheDirectory: String { stateDirectory + "/cache" }
    public var logDirectory: String { stateDirectory + "/logs" }
    public var statCacheFile: String { stateDirectory + "/stat-cache" }
    public var journalFile: String { stateDirectory + "/journal" }
    public var noOpSnapshotFile: String { stateDirectory + "/noop-snapshot" }
    public var buildLockFile: String { stateDirectory + "/build.lock" }
    public var loaderDirectory: String { stateDirectory + "/leptonfile" }

    /// The absolute path of a package-relative path.
    public func absolute(_ relative: String) -> String { RelativePath.join(root, relative) }

    /// Creates `.lepton/` and its folders, with a `.gitignore` inside that ignores everything.
    public func prepare(fileSystem: any FileSystem = PosixFileSystem()) throws(LeptonError) {
        for folder in [stateDirectory, cacheDirectory, logDirectory] { try fileSystem.createDirectories(folder) }
        let ignore = stateDirectory + "/.gitignore"
        if !fileSystem.exists(ignore) { try fileSystem.writeAtomically("# created by lepton\n*\n", to: ignore) }
    }

    /// Finds the package root: the nearest folder, from `start` up, holding a Leptonfile.
    public static func find(from start: String, fileSystem: any FileSystem = PosixFileSystem()) -> Workspace? {
        var current = start
        while true {
            if fileSystem.status(current + "/Leptonfile") != nil { return Workspace(root: current) }
            guard let parent = RelativePath.parent(current), !parent.isEmpty, parent != current else { return nil }
            current = parent
        }
    }
}
