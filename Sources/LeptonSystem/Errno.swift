#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A C library error number, carried as the cause of every I/O ``LeptonError`` so callers can
/// tell a full disk from a missing file without parsing messages.
public struct Errno: Error, Equatable, Sendable, CustomStringConvertible {
    public var code: Int32

    public init(_ code: Int32) { self.code = code }

    /// The calling thread's current `errno`.
    public static var current: Errno { Errno(errno) }

    public static let noEntry = Errno(ENOENT)
    public static let noSpace = Errno(ENOSPC)
    public static let readOnly = Errno(EROFS)
    public static let permission = Errno(EACCES)
    public static let exists = Errno(EEXIST)
    public static let interrupted = Errno(EINTR)

    /// `strerror`'s text.
    public var description: String { String(cString: strerror(code)) }
}

extension LeptonError {
    /// An ``LeptonError/Code/io`` error for the current `errno`: the message, then the reason.
    public static func io(_ message: String, _ cause: Errno = .current) -> LeptonError {
        LeptonError(.io, "\(message): \(cause)", cause: cause)
    }

    /// The error number behind an I/O error, if one is.
    public var errno: Errno? { cause as? Errno }
}
