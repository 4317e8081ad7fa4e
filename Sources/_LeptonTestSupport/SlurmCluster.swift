import LeptonSystem
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A real single-node Slurm cluster for a test: munged, slurmctld and slurmd on loopback,
/// started by `Tests/SlurmCluster/slurm-cluster.py` (which installs Debian's slurm-wlm and munge
/// as root when they are missing) and stopped when the value is dropped.
public final class SlurmCluster: @unchecked Sendable {
    /// The `slurm.conf` clients read: `SLURM_CONF` for every process that talks to it.
    public let configuration: String
    /// The node's name.
    public let node: String
    private let daemon: ScriptDaemon

    public init() throws {
        let install = geteuid() == 0 && PosixFileSystem().exists("/usr/bin/apt-get")
        daemon = try ScriptDaemon(
            script: ScriptDaemon.script("SlurmCluster/slurm-cluster.py"), arguments: install ? ["--install"] : [],
            failure: "the Slurm cluster did not start (apt-get install slurm-wlm munge)")
        guard let conf = daemon.description["conf"]?.stringValue, let node = daemon.description["node"]?.stringValue
        else { throw ScriptDaemon.StartError(description: "the Slurm cluster printed no configuration") }
        configuration = conf
        self.node = node
    }

    /// The variables a process needs to reach the cluster.
    public var environment: [String: String] { ["SLURM_CONF": configuration] }

    /// Runs a Slurm client command (`squeue`, `scontrol`, …) against the cluster; what it printed.
    @discardableResult
    public func run(_ arguments: [String]) -> String {
        guard let pipe = try? FileDescriptor.pipe() else { return "" }
        let output = [pipe.read.release(), pipe.write.release()]
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_adddup2(&actions, output[1], 1)
        posix_spawn_file_actions_adddup2(&actions, output[1], 2)
        posix_spawn_file_actions_addclose(&actions, output[0])
        var environment = ["SLURM_CONF=\(configuration)"]
        if let path = getenv("PATH") { environment.append("PATH=" + String(cString: path)) }
        let spawned = spawnLikeAShell(
            arguments[0], arguments: arguments, environment: environment, search: true, actions: &actions)
        posix_spawn_file_actions_destroy(&actions)
        close(output[1])
        defer { close(output[0]) }
        guard let child = spawned else { return "" }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(output[0], &buffer, buffer.count)
            if count <= 0 { break }
            bytes += buffer[0..<count]
        }
        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0 && errno == EINTR {}
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Every job the controller knows (it keeps ended ones for an hour): id, name, state, by id.
    public func jobs() -> [(id: Int, name: String, state: String)] {
        run(["squeue", "--states=all", "--noheader", "--Format=JobID:|,Name:|,State:|"])
            .split(separator: "\n")
            .compactMap { line in
                let fields = line.split(separator: "|", omittingEmptySubsequences: false).map {
                    String($0.filter { $0 != " " })
                }
                guard fields.count >= 3, let id = Int(fields[0]) else { return nil }
                return (id, fields[1], fields[2])
            }
            .sorted { $0.id < $1.id }
    }

    /// What `scontrol show job ID` says, as `Key=Value` pairs.
    public func job(_ id: Int) -> [String: String] {
        var fields: [String: String] = [:]
        for word in run(["scontrol", "show", "job", String(id)]).split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            guard let equals = word.firstIndex(of: "=") else { continue }
            fields[String(word[..<equals])] = String(word[word.index(after: equals)...])
        }
        return fields
    }

    /// One cluster for every test of a process that needs it (starting one takes a second or
    /// two); nil with the reason when it cannot start here.
    public static func shared() -> Result<SlurmCluster, ScriptDaemon.StartError> {
        sharedCluster.withLock { cluster in
            if let cluster { return cluster }
            let started: Result<SlurmCluster, ScriptDaemon.StartError>
            do {
                started = .success(try SlurmCluster())
            } catch let error as ScriptDaemon.StartError {
                started = .failure(error)
            } catch {
                started = .failure(ScriptDaemon.StartError(description: "\(error)"))
            }
            cluster = started
            return started
        }
    }

    private static let sharedCluster = Mutex<Result<SlurmCluster, ScriptDaemon.StartError>?>(nil)
}
