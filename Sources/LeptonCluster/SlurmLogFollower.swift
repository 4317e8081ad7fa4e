import LeptonSystem

/// Reads a job's output file as it grows (the job writes it on a node; the file system is
/// shared) and hands on each complete line.
struct SlurmLogFollower {
    let path: String
    private var descriptor: FileDescriptor?
    private var pending: [UInt8] = []
    /// Whether Slurm's step daemon wrote that it killed the job for exceeding its memory.
    private(set) var sawMemoryKill = false

    init(path: String) { self.path = path }

    /// Passes on the lines written since the last call.
    mutating func follow(_ onLine: ((String) -> Void)?) {
        if descriptor == nil { descriptor = try? PosixFileSystem().open(path, .read) }
        guard let descriptor else { return }
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count =
                (try? buffer.withUnsafeMutableBytes { raw throws(LeptonError) in try descriptor.read(into: raw) }) ?? 0
            if count <= 0 { break }
            pending += buffer[0..<count]
        }
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            emit(Array(pending[..<newline]), onLine)
            pending.removeSubrange(...newline)
        }
    }

    /// Passes on what is left once the job ended, and closes the file.
    mutating func finish(_ onLine: ((String) -> Void)?) {
        follow(onLine)
        if !pending.isEmpty { emit(pending, onLine) }
        pending = []
        descriptor?.close()
        descriptor = nil
    }

    private mutating func emit(_ bytes: [UInt8], _ onLine: ((String) -> Void)?) {
        let line = String(decoding: bytes, as: UTF8.self)
        if line.hasPrefix("slurmstepd") && line.contains("memory limit") { sawMemoryKill = true }
        onLine?(line)
    }
}
