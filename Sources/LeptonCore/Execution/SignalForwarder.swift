import CLeptonSpawn
import LeptonSystem
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Turns SIGINT, SIGTERM and SIGHUP (a closed terminal) into a call (cancelling the build), instead of killing Lepton
/// before it can stop its children and save what finished. A second signal exits at once.
///
/// A real handler writes each signal to a pipe that a thread of its own reads (``lepton_signals_catch``):
/// it works whichever thread the kernel picks and whatever mask Lepton inherited. (Dispatch's
/// signal sources on Linux read a signalfd, which only sees a signal that every thread blocks;
/// with the disposition set to ignore, a signal delivered to any thread that did not block it —
/// any thread, when Lepton is started from a shell — was dropped, and Ctrl-C did nothing.)
public final class SignalForwarder: Sendable {
    private let caught: Bool

    /// - Parameters:
    ///   - announce: Called on the first signal before `handler`, to tell the user that running
    ///     stages are awaited (the CLI prints; the engine never does).
    ///   - handler: Called on the first signal.
    public init(announce: (@Sendable () -> Void)? = nil, _ handler: @escaping @Sendable () -> Void) {
        let readEnd = lepton_signals_catch()
        caught = readEnd >= 0
        guard readEnd >= 0 else { return }
        let pipe = FileDescriptor(raw: readEnd)
        DetachedThread.detach {
            var count = 0
            var byte: [UInt8] = [0]
            while true {
                let read =
                    (try? byte.withUnsafeMutableBytes { raw throws(LeptonError) in try pipe.read(into: raw) }) ?? 0
                // End of file: the forwarder was released.
                guard read > 0 else { return }
                count += 1
                if count > 1 { _exit(130) }
                announce?()
                handler()
            }
        }
    }

    deinit {
        if caught { lepton_signals_release() }
    }
}
