import LeptonSystem

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
    private let writer: FileDescriptor
    private let reader: FileDescriptor
    /// Opened when the first byte arrives: a quiet stage leaves no log (creating a file per
    /// stage was a good part of a cold build's cost), and none of an earlier run.
    private var log: FileDescriptor?
    private let logPath: String

    /// The descriptor the child gets as stdout and stderr.
    var writeEnd: Int32 { writer.raw }

    init?(logPath: String) {
        guard let (reader, writer) = try? FileDescriptor.pipe() else { return nil }
        self.reader = reader
        self.writer = writer
        self.logPath = logPath
    }

    /// How long a stage must be quiet before a line it has not ended is shown (250 ms).
    static let partialLineDelay: UInt64 = 250_000_000

    /// Closes everything when the child could not be started.
    func abandon() {
        writer.close()
        reader.close()
    }

    /// Reads the child's output on the calling thread until the pipe closes, and reaps the
    /// child; returns its wait status. Once the child has exited, a process it left holding
    /// the pipe gets at most a second more.
    func pump(child: pid_t, onLine: @Sendable (String) -> Void) -> Int32 {
        writer.close()
        defer {
            reader.close()
            if let log { log.close() } else { try? PosixFileSystem().remove(logPath) }
        }
        var status: Int32 = 0
        var reaped = false
        var deadline: UInt64?
        var pending: [UInt8] = []
        var lastData = SystemClock().monotonicNow()
        var shownPartial = false
        // Not zeroed: 64 KiB of memset per stage for a buffer most stages never fill.
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            var poller = pollfd(fd: reader.raw, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, reaped ? 100 : 50)
            if ready < 0 && errno == EINTR { continue }
            if ready == 0 {
                // A partial line (a prompt, "waiting for …" without a newline) is shown once
                // the stage has been quiet for a moment; what follows starts a new line.
                if !pending.isEmpty && SystemClock().monotonicNow() - lastData >= OutputStream.partialLineDelay {
                    onLine(String(decoding: pending, as: UTF8.self))
                    pending.removeAll()
                    shownPartial = true
                }
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
            guard let count = try? reader.read(into: buffer), count > 0 else { break }
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
            if log == nil { log = try? PosixFileSystem().open(logPath, .truncate) }
            _ = log?.writeAll(chunk)
            lastData = SystemClock().monotonicNow()
            pending.append(contentsOf: chunk)
            // The newline that ends a line already shown in part ends it; it is no empty line.
            if shownPartial && pending.first == UInt8(ascii: "\n") { pending.removeFirst() }
            shownPartial = false
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
