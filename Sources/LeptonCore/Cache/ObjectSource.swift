import LeptonSystem

#if canImport(Glibc)
    import Glibc
#endif

/// Where a restore gets a file object the local cache lacks: the remote cache, which writes the
/// verified bytes straight into the staging file beside the workspace target, so a download is
/// written once. The restored file is then recorded as held (see ``HeldObject``).
public protocol ObjectSource: Sendable {
    /// How many objects to fetch at once.
    var width: Int { get }

    /// Writes the object `digest` to a new file at `path` with permissions `mode`, every byte
    /// verified against the digest; nothing is left at `path` when it throws.
    ///
    /// - Throws: ``LeptonError/Code/cacheMiss`` when the object cannot be had intact.
    func fetch(_ digest: String, to path: String, mode: mode_t) throws(LeptonError)
}
