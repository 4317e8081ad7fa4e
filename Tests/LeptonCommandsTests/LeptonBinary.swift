import LeptonCore
import LeptonSystem
import _LeptonTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Runs the built `lepton` executable, as a user would (ArgumentParser's `AssertExecuteCommand`).
struct LeptonBinary {
    /// The `lepton` binary beside the test bundle, or `$LEPTON_BINARY`.
    static var path: String {
        if let override = getenv("LEPTON_BINARY") { return String(cString: override) }
        let executable = PosixFileSystem().realPath("/proc/self/exe") ?? ""
        return (RelativePath.parent(executable) ?? ".") + "/lepton"
    }

    struct Result {
        var status: Int32
        var output: String
    }

    /// A running `lepton` process.
    struct Running {
        let pid: pid_t
        let log: String

        func signal(_ number: Int32) { kill(pid, number) }

        func wait() -> Result {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            let code = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
            return Result(status: code, output: (try? PosixFileSystem().readText(log)) ?? "")
        }

        func output() -> String { (try? PosixFileSystem().readText(log)) ?? "" }
    }

    /// Starts `lepton ARGS` in `directory`, output (stdout and stderr) to a log file; with
    /// `packagePath`, `-C directory` is appended (commands that take no package, such as
    /// `predict`, get absolute paths instead).
    static func start(
        _ arguments: [String], in directory: String, environment: [String: String] = [:], packagePath: Bool = true
    ) -> Running {
        let log = "\(directory)/.lepton-test-\(UInt32.random(in: 0..<UInt32.max)).log"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // One user-level DSL cache for every test process: the DSL is compiled once per run.
        var env = [
            "NO_COLOR=1", "PATH=\(String(cString: getenv("PATH")))", "HOME=\(directory)",
            "LEPTON_CACHE_HOME=/tmp/lepton-test-cache-\(getuid())",
        ]
        for (name, value) in environment { env.append("\(name)=\(value)") }
        let argv = [path] + arguments + (packagePath ? ["-C", directory] : [])
        var pid: pid_t = 0
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = env.map { strdup($0) } + [nil]
        // As a shell starts it: no signal blocked, default handling (a test thread's own mask
        // and dispositions would otherwise be inherited and hide how Lepton catches signals).
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for number in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&defaults, number) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawn(&pid, path, &actions, &attributes, cArgs, cEnv)
        posix_spawnattr_destroy(&attributes)
        posix_spawn_file_actions_destroy(&actions)
        for pointer in cArgs { free(pointer) }
        for pointer in cEnv { free(pointer) }
        return Running(pid: pid, log: log)
    }

    /// Runs `lepton ARGS` to completion.
    static func run(
        _ arguments: [String], in directory: String, environment: [String: String] = [:], packagePath: Bool = true
    ) -> Result {
        let running = start(arguments, in: directory, environment: environment, packagePath: packagePath)
        let result = running.wait()
        unlink(running.log)
        return result
    }
}

/// Lines of a build's output that say a stage ran: `ran  <name> …`.
func stagesThatRan(_ output: String) -> [String] {
    output.split(separator: "\n").compactMap { line in
        let words = line.split(separator: " ")
        guard words.count >= 2, words[0] == "ran" else { return nil }
        return String(words[1])
    }
}
