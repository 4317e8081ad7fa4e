#if canImport(Glibc)
    import Glibc
#endif

/// Carries a child's output through a pipe: every byte goes to the stage's log, and every
/// complete line to a callback (the stage's name in front, on the console).
///
/// The thread that runs the stage does the reading (no thread per stage).
///
/// - Important: After the child exits, the reader drains for at most a second: a process the
///   stage left in the background (outside its process group) that keeps the pipe open must
///   not hang the build.
final class OutputStream: @unchecked Sendable {
    /// The end the child writes to; closed in the parent once the child has it.
    private(set) var writeEnd: Int32
    private let readEnd: Int32
    private let log: Int32

    init?(logPath: String) {
        var ends: [Int32] = [0, 0]
        guard OutputStream.makePipe(&ends) else { return nil }
        let log = open(logPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard log >= 0 else {
            close(ends[0])
            close(ends[1])
            return nil
        }
        readEnd = ends[0]
        writeEnd = ends[1]
        self.log = log
    }

    /// `pipe2(O_CLOEXEC)` (not exported by the Glibc module map), so that no child spawned
    /// by another thread inherits either end; falls back to `pipe` + `FD_CLOEXEC`.
    private static let pipe2 = CSymbol.load(
        "pipe2", as: (@convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32).self)

    private static func makePipe(_ ends: inout [Int32]) -> Bool {
        if let pipe2 {
            return ends.withUnsafeMutableBufferPointer { buffer in
                buffer.baseAddress.map { pipe2($0, O_CLOEXEC) == 0 } ?? false
            }
        }
        guard pipe(&ends) == 0 else { return false }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        return true
    }

    /// Closes everything when the child could not be started.
    func abandon() {
        close(writeEnd)
        close(readEnd)
        close(log)
    }

    /// Reads the child's output on the calling thread until the pipe closes, and reaps the
    /// child; returns its wait status. Once the child has exited, a process it left holding
    /// the pipe gets at most a second more.
    func pump(child: pid_t, onLine: @Sendable (String) -> Void) -> Int32 {
        close(writeEnd)
        writeEnd = -1
        defer {
            close(readEnd)
            close(log)
        }
        var status: Int32 = 0
        var reaped = false
        var deadline: UInt64?
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            var poller = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, reaped ? 100 : 50)
            if ready < 0 && errno == EINTR { continue }
            if ready == 0 {
                if !reaped, waitpid(child, &status, WNOHANG) == child {
                    reaped = true
                    // What the stage left running in its group goes now; only detached
                    // processes can keep the pipe open past this point.
                    kill(-child, SIGKILL)
                }
                if reaped {
                    let now = SystemClock().monotonicNow()
                    if let deadline, now > deadline { break }
                    if deadline == nil { deadline = now + 1_000_000_000 }
                }
                continue
            }
            let count = buffer.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            _ = buffer.withUnsafeBytes { writeAll(log, UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
            pending.append(contentsOf: buffer[0..<count])
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                onLine(String(decoding: pending[..<newline], as: UTF8.self))
                pending.removeSubrange(...newline)
            }
        }
        if !pending.isEmpty { onLine(String(decoding: pending, as: UTF8.self)) }
        if !reaped {
            while waitpid(child, &status, 0) < 0 && errno == EINTR {}
        }
        return status
    }
}
