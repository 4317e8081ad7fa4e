import LeptonSystem

#if canImport(Glibc)
    import Glibc
#endif

/// A helper script of the test suite that starts real servers, prints one JSON line describing
/// them, and stops them when its standard input closes — when this value is dropped, or when
/// the test process dies, so nothing outlives a test run.
public final class ScriptDaemon: @unchecked Sendable {
    /// The line the script printed.
    let description: JSON
    private let pid: pid_t
    private let control: Int32

    public struct StartError: Error, CustomStringConvertible {
        public let description: String
    }

    /// A script under `Tests/`, found from this source file's place in the package.
    static func script(_ path: String) -> String {
        let here = #filePath
        let root = RelativePath.parent(RelativePath.parent(RelativePath.parent(here) ?? "") ?? "") ?? "."
        return root + "/Tests/" + path
    }

    /// Starts `python3 script arguments…` and reads its line.
    ///
    /// - Throws: ``StartError`` with `failure` when it cannot start or prints no JSON object.
    init(script: String, arguments: [String] = [], failure: String) throws {
        // Close-on-exec: a server started later must not hold this one's pipe open (its script would
        // never see its input close, and the deinit would wait for it forever).
        guard let inputPipe = try? FileDescriptor.pipe(), let outputPipe = try? FileDescriptor.pipe() else {
            throw StartError(description: "pipe failed")
        }
        let input = [inputPipe.read.release(), inputPipe.write.release()]
        let output = [outputPipe.read.release(), outputPipe.write.release()]
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_adddup2(&actions, input[0], 0)
        posix_spawn_file_actions_adddup2(&actions, output[1], 1)
        posix_spawn_file_actions_addclose(&actions, input[1])
        posix_spawn_file_actions_addclose(&actions, output[0])
        let spawned = spawnLikeAShell(
            "python3", arguments: ["python3", script] + arguments, search: true, actions: &actions)
        posix_spawn_file_actions_destroy(&actions)
        close(input[0])
        close(output[1])
        guard let child = spawned else { throw StartError(description: "cannot start python3") }
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while read(output[0], &byte, 1) == 1, byte != 10 { line.append(byte) }
        close(output[0])
        guard let json = try? JSON.parse(line), json.objectValue != nil, json["error"] == nil else {
            close(input[1])
            var status: Int32 = 0
            waitpid(child, &status, 0)
            let said = (try? JSON.parse(line))?["error"]?.stringValue ?? String(decoding: line, as: UTF8.self)
            throw StartError(description: "\(failure): \(said)")
        }
        pid = child
        control = input[1]
        description = json
    }

    deinit {
        close(control)  // the script stops its servers when its input closes
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }
}
