#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An open file, pipe end or folder, closed when the value goes (or by ``close()``): what must
/// stay open across calls, such as the build lock's `flock`, the journal's appends, a stage's
/// log, or a streamed copy. Opened through ``FileSystem/open(_:_:permissions:)`` or ``pipe()``;
/// every descriptor is close-on-exec, so no stage inherits one.
public final class FileDescriptor: @unchecked Sendable {
    /// How to open.
    public enum Mode: Sendable {
        /// Read only.
        case read
        /// Read and write, created when absent.
        case readWrite
        /// Write at the end, created when absent.
        case append
        /// Write a new file; fails when something is there (for temporaries).
        case createExclusive
        /// Write, created when absent and emptied when present (a log).
        case truncate
        /// A folder, for `*at` calls relative to it.
        case directory

        var flags: Int32 {
            switch self {
            case .read: return O_RDONLY
            case .readWrite: return O_RDWR | O_CREAT
            case .append: return O_WRONLY | O_APPEND | O_CREAT
            case .createExclusive: return O_WRONLY | O_CREAT | O_EXCL
            case .truncate: return O_WRONLY | O_CREAT | O_TRUNC
            case .directory: return O_RDONLY | O_DIRECTORY
            }
        }
    }

    /// The descriptor number (-1 once closed), for `poll`, `*at` calls and a child's stdio.
    public private(set) var raw: Int32

    package init(raw: Int32) { self.raw = raw }

    /// Gives the descriptor up: it stays open, and closing it is the caller's (test support
    /// hands pipe ends to `posix_spawn`).
    public func release() -> Int32 {
        let value = raw
        raw = -1
        return value
    }

    deinit { close() }

    /// Closes now; later calls do nothing.
    public func close() {
        if raw >= 0 { _ = Glibc.close(raw) }
        raw = -1
    }

    /// Reads what is there, up to the buffer's size; 0 at the end. EINTR is retried.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(LeptonError) -> Int {
        while true {
            let count = Glibc.read(raw, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            if errno != EINTR { throw LeptonError.io("cannot read") }
        }
    }

    /// Writes every byte, retrying short writes and EINTR; false on an error (`errno` says which).
    @discardableResult
    public func writeAll(_ buffer: UnsafeRawBufferPointer) -> Bool { LeptonSystem.writeAll(raw, buffer) }

    /// Writes every byte of `bytes`.
    @discardableResult
    public func writeAll(_ bytes: [UInt8]) -> Bool { bytes.withUnsafeBytes { writeAll($0) } }

    /// Writes `bytes` at `offset`, not moving the file position.
    @discardableResult
    public func write(_ bytes: [UInt8], at offset: Int64) -> Bool {
        bytes.withUnsafeBytes { pwrite(raw, $0.baseAddress, $0.count, off_t(offset)) == $0.count }
    }

    /// Up to `count` bytes from `offset`, not moving the file position (fewer at the end of the
    /// file); nil on an error. EINTR and short reads are retried.
    public func read(at offset: Int64, count: Int) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let got = bytes.withUnsafeMutableBytes { buffer in
                pread(raw, buffer.baseAddress.map { $0 + done }, count - done, off_t(offset) + off_t(done))
            }
            if got == 0 { break }
            if got < 0 {
                if errno == EINTR { continue }
                return nil
            }
            done += got
        }
        bytes.removeLast(count - done)
        return bytes
    }

    /// The open file's status (`fstat`): the file this descriptor reads, whatever its path now names.
    public func status() -> FileStatus? {
        var info = stat()
        guard fstat(raw, &info) == 0 else { return nil }
        return FileStatus(info)
    }

    /// Cuts the file to `size` bytes.
    public func truncate(to size: Int64) { _ = ftruncate(raw, off_t(size)) }

    /// Flushes the file's data to the disk.
    @discardableResult
    public func sync() -> Bool { fsync(raw) == 0 }

    /// Sets permission bits.
    public func setPermissions(_ mode: mode_t) { _ = fchmod(raw, mode) }

    /// Takes an exclusive `flock`: at once or not (`wait: false`), or waiting for it.
    ///
    /// - Throws: ``LeptonError/Code/io`` when the lock cannot be taken for another reason.
    public func lockExclusively(wait: Bool) throws(LeptonError) -> Bool {
        while true {
            if flock(raw, wait ? LOCK_EX : LOCK_EX | LOCK_NB) == 0 { return true }
            if errno == EINTR { continue }
            if errno == EWOULDBLOCK { return false }
            throw LeptonError.io("cannot lock")
        }
    }

    /// Releases a `flock`.
    public func unlock() { _ = flock(raw, LOCK_UN) }

    /// The result of a copy in the kernel.
    public enum KernelCopy: Sendable, Equatable {
        /// Everything up to the end of `source` was copied.
        case done
        /// The kernel cannot copy between these files (another file system, no support); copy
        /// by reading and writing.
        case unsupported
        /// An I/O error; `errno` says which.
        case failed
    }

    /// Copies the rest of `source` from its position to this file's position with `copy_file_range(2)` (the
    /// file system may share blocks).
    public func copyInKernel(from source: FileDescriptor) -> KernelCopy {
        guard let copyFileRange = KernelCopyFunction.copyFileRange else { return .unsupported }
        while true {
            let count = copyFileRange(source.raw, nil, raw, nil, 1 << 30, 0)
            if count > 0 { continue }
            if count == 0 { return .done }
            if errno == EINTR { continue }
            // Both positions moved past what was copied: reading and writing goes on from there.
            if [EXDEV, ENOSYS, EINVAL, EOPNOTSUPP].contains(errno) { return .unsupported }
            return .failed
        }
    }

    /// A pipe whose ends are close-on-exec (`pipe2`, else `pipe` + `FD_CLOEXEC`).
    public static func pipe() throws(LeptonError) -> (read: FileDescriptor, write: FileDescriptor) {
        var ends: [Int32] = [0, 0]
        let made: Bool
        if let pipe2 = KernelCopyFunction.pipe2 {
            made = ends.withUnsafeMutableBufferPointer { buffer in
                buffer.baseAddress.map { pipe2($0, O_CLOEXEC) == 0 } ?? false
            }
        } else {
            made = Glibc.pipe(&ends) == 0
            if made { for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) } }
        }
        guard made else { throw LeptonError.io("cannot create a pipe") }
        return (FileDescriptor(raw: ends[0]), FileDescriptor(raw: ends[1]))
    }
}

/// Writes every byte of a buffer to a descriptor, retrying on short writes and EINTR (the one
/// rule for every write Lepton makes).
public func writeAll(_ descriptor: Int32, _ buffer: UnsafeRawBufferPointer) -> Bool {
    var offset = 0
    while offset < buffer.count {
        let count = write(descriptor, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
        if count < 0 {
            if errno == EINTR { continue }
            return false
        }
        offset += count
    }
    return true
}

/// C library functions the Glibc module map does not export, looked up at run time.
private enum KernelCopyFunction {
    typealias CopyFileRange =
        @convention(c) (Int32, UnsafeMutablePointer<Int64>?, Int32, UnsafeMutablePointer<Int64>?, Int, UInt32) -> Int
    static let copyFileRange = CSymbol.load("copy_file_range", as: CopyFileRange.self)
    static let pipe2 = CSymbol.load("pipe2", as: (@convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32).self)
}
