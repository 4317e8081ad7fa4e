import LeptonSystem

#if canImport(Glibc)
    import Glibc
#endif

/// Cleans up what a dead Lepton process left in a package, before a command changes it: the
/// process groups of its stages, the params files a `--set` build had overlaid, temporary
/// files beside the lock, the state and outputs, and the copies of a killed sweep.
///
/// Run it holding the build lock (see ``WorkspaceLock``): then no live build owns any of it.
/// Temporary files carry their writer's pid (``FileSystem/temporaryName(beside:)``) and are
/// removed only when that process is gone.
public struct WorkspaceRecovery: Sendable {
    public let workspace: Workspace
    let fileSystem: any FileSystem

    public init(workspace: Workspace, fileSystem: any FileSystem = PosixFileSystem()) {
        self.workspace = workspace
        self.fileSystem = fileSystem
    }

    /// What was cleaned up, for a warning.
    public struct Report: Sendable, Equatable {
        public var stoppedStages: [String] = []
        public var restoredParamsFiles: [String] = []
        public var keptParamsFiles: [String] = []
        public var removedTemporaries = 0
        public var removedSweepCopies = false

        public var messages: [String] {
            var messages: [String] = []
            if !stoppedStages.isEmpty {
                messages.append(
                    "stopped stage process(es) an interrupted build left running: "
                        + stoppedStages.map { "'\($0)'" }.joined(separator: ", "))
            }
            if !restoredParamsFiles.isEmpty {
                messages.append(
                    "restored \(restoredParamsFiles.joined(separator: ", ")) after an interrupted build with --set")
            }
            for path in keptParamsFiles {
                messages.append(
                    "'\(path)' was edited during an interrupted build with --set; kept your version")
            }
            return messages
        }
    }

    /// Cleans up.
    ///
    /// - Parameters:
    ///   - outputs: The declared outputs (temporaries are looked for beside them).
    ///   - holderDied: Whether the last holder of the build lock died holding it (see
    ///     ``WorkspaceLock``); only then are the folders of every output listed, which costs a
    ///     `readdir` per folder on a large pipeline. The package root and `.lepton/` are
    ///     always looked at.
    /// - Returns: What was cleaned up.
    public func run(outputs: [String], holderDied: Bool = true) -> Report {
        var report = Report()
        report.stoppedStages = RunningProcesses(path: workspace.runningFile).stopLeftovers()
        let overlay = ParamsOverlay(workspace: workspace).recover()
        report.restoredParamsFiles = overlay.restored
        report.keptParamsFiles = overlay.kept
        var folders: Set<String> = ["", ".lepton", ".lepton/logs", ".lepton/leptonfile"]
        for output in outputs where holderDied {
            if let parent = RelativePath.parent(output) { folders.insert(parent) }
        }
        for folder in folders {
            report.removedTemporaries += removeDeadTemporaries(in: workspace.absolute(folder))
        }
        report.removedSweepCopies = removeDeadSweep()
        return report
    }

    /// Removes `.NAME.lepton-tmp.PID.N` entries whose writer is gone.
    func removeDeadTemporaries(in folder: String) -> Int {
        guard let entries = try? fileSystem.list(folder) else { return 0 }
        var count = 0
        for entry in entries where entry.name.hasPrefix(".") {
            guard let pid = WorkspaceRecovery.writerPid(ofTemporary: entry.name), !WorkspaceRecovery.isAlive(pid)
            else { continue }
            if (try? fileSystem.remove(RelativePath.join(folder, entry.name))) != nil { count += 1 }
        }
        return count
    }

    /// The pid in a temporary name made by ``FileSystem/temporaryName(beside:)``.
    static func writerPid(ofTemporary name: String) -> pid_t? {
        guard let marker = name.firstRange(of: ".lepton-tmp.") else { return nil }
        let rest = name[marker.upperBound...]
        guard let dot = rest.firstIndex(of: ".") else { return nil }
        return pid_t(rest[..<dot])
    }

    static func isAlive(_ pid: pid_t) -> Bool {
        pid > 0 && (kill(pid, 0) == 0 || errno == EPERM)
    }

    /// Removes `.lepton/sweep/` when the sweep that made it is gone.
    func removeDeadSweep() -> Bool {
        let folder = workspace.stateDirectory + "/sweep"
        guard fileSystem.status(folder) != nil else { return false }
        if let owner = try? fileSystem.readText(folder + "/owner"),
            let pid = pid_t(owner.split(separator: "\n").first ?? ""),
            WorkspaceRecovery.isAlive(pid)
        {
            return false
        }
        // The copies' cache and Leptonfile folders are symlinks to the package's: remove the
        // links, never what they point to.
        if let copies = try? fileSystem.list(folder) {
            for copy in copies where copy.kind == .directory {
                for name in ["cache", "leptonfile"] {
                    let link = "\(folder)/\(copy.name)/.lepton/\(name)"
                    if fileSystem.status(link)?.kind == .symlink { try? fileSystem.remove(link) }
                }
            }
        }
        return (try? fileSystem.remove(folder)) != nil
    }
}

extension Workspace {
    /// Where running stages' process groups are recorded (see ``RunningProcesses``).
    public var runningFile: String { stateDirectory + "/running" }
}
