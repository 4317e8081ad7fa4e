import Dispatch

#if canImport(Glibc)
    import Glibc
#endif

/// Turns SIGINT, SIGTERM and SIGHUP (a closed terminal) into a call (cancelling the build), instead of killing Lepton
/// before it can stop its children and save what finished. A second signal exits at once.
public final class SignalForwarder: @unchecked Sendable {
    private var sources: [any DispatchSourceSignal] = []
    private var count = 0

    /// - Parameters:
    ///   - announce: Called on the first signal before `handler`, to tell the user that running
    ///     stages are awaited (the CLI prints; the engine never does).
    ///   - handler: Called on the first signal.
    public init(announce: (@Sendable () -> Void)? = nil, _ handler: @escaping @Sendable () -> Void) {
        for number in [SIGINT, SIGTERM, SIGHUP] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [unowned self] in
                self.count += 1
                if self.count > 1 { _exit(130) }
                announce?()
                handler()
            }
            source.resume()
            sources.append(source)
        }
    }

    deinit {
        for source in sources { source.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
        signal(SIGHUP, SIG_DFL)
    }
}
