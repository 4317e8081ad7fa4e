import Dispatch

#if canImport(Glibc)
    import Glibc
#endif

/// Turns SIGINT, SIGTERM and SIGHUP (a closed terminal) into a call (cancelling the build), instead of killing Lepton
/// before it can stop its children and save what finished. A second signal exits at once.
final class SignalForwarder: @unchecked Sendable {
    private var sources: [any DispatchSourceSignal] = []
    private var count = 0

    /// - Parameters:
    ///   - announce: Whether the first signal prints that running stages are awaited.
    ///   - handler: Called on the first signal.
    init(announce: Bool = true, _ handler: @escaping @Sendable () -> Void) {
        for number in [SIGINT, SIGTERM, SIGHUP] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [unowned self] in
                self.count += 1
                if self.count > 1 { _exit(130) }
                if announce {
                    StandardTerminal().write(
                        "\nlepton: stopping; waiting for running stages to end (press Ctrl-C again to quit at once)\n",
                        error: true)
                }
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
