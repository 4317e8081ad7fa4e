import CLeptonSpawn

#if canImport(Glibc)
    import Glibc
#endif

/// The process groups of stages that are running, one small file each in
/// `.lepton/running/` (`<pid> <start time> <stage>`), so that the next command can stop what a
/// build killed by SIGKILL left behind (a stage's children outlive it even where the stage
/// itself dies with Lepton).
///
/// A pid alone could name an unrelated process by the time it is read; with the process's start
/// time (from `/proc`) it names one process for good, so only Lepton's own stages are stopped.
public struct RunningProcesses: Sendable {
    public let directory: String
    let fileSystem: FileSystem

    public init(directory: String, fileSystem: FileSystem = FileSystem()) {
        self.directory = directory
        self.fileSystem = fileSystem
    }

    /// Records a group that just started.
    public func started(_ pid: pid_t, stage: String) {
        try? fileSystem.createDirectories(directory)
        let text = "\(pid) \(lepton_process_start_time(pid)) \(stage)\n"
        try? fileSystem.writeAtomically(Array(text.utf8), to: "\(directory)/\(pid)", durable: false)
    }

    /// Forgets a group that ended.
    public func ended(_ pid: pid_t) { try? fileSystem.remove("\(directory)/\(pid)") }

    /// Stops every recorded group whose leader is still the process that was recorded (SIGKILL
    /// to the whole group) and forgets them all. Call it holding the build lock, so that no
    /// running build's stages are among them.
    ///
    /// - Returns: the stages stopped.
    @discardableResult
    public func stopLeftovers() -> [String] {
        guard let entries = try? fileSystem.list(directory) else { return [] }
        var stopped: [String] = []
        for entry in entries where entry.kind == .file {
            let path = "\(directory)/\(entry.name)"
            defer { try? fileSystem.remove(path) }
            guard let text = try? fileSystem.readText(path) else { continue }
            let fields = text.split(separator: " ", maxSplits: 2)
            guard fields.count == 3, let pid = pid_t(fields[0]), pid > 1, let started = UInt64(fields[1]) else {
                continue
            }
            let stage = fields[2].trimmingSuffix("\n")
            let alive = started != 0 && lepton_process_start_time(pid) == started
            // The leader may be gone while the group lives on: a group id is not reused while
            // any member is alive, so killing it is safe when the leader is ours or gone.
            if alive || lepton_process_start_time(pid) == 0 {
                if kill(-pid, SIGKILL) == 0 { stopped.append(stage) }
            }
        }
        return stopped
    }
}

extension Substring {
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : String(self)
    }
}
