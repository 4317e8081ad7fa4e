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

        func signal(_ number: Int32) { if pid > 0 { kill(pid, number) } }

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
        for (name, value) in environment {
            env.removeAll { $0.hasPrefix(name + "=") }  // a test's own value replaces the default
            env.append("\(name)=\(value)")
        }
        let argv = [path] + arguments + (packagePath ? ["-C", directory] : [])
        let pid = spawnLikeAShell(path, arguments: argv, environment: env, actions: &actions) ?? 0
        posix_spawn_file_actions_destroy(&actions)
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
