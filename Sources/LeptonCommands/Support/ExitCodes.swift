import ArgumentParser

/// Lepton's documented exit codes.
enum ExitCodes {
    /// A stage failed, or `status` found something stale.
    static let failure = ExitCode(1)
    /// The Leptonfile or pipeline is invalid (configuration error).
    static let invalid = ExitCode(2)
    /// A quality gate on a metric failed (`lepton evaluate --require`).
    static let gateFailed = ExitCode(3)
    /// `--remote-required` and the remote cache could not be used.
    static let remoteUnavailable = ExitCode(4)
    /// Lepton's own state (`.lepton/`, `Lepton.lock`) could not be read or written: a
    /// read-only or full disk, not a failed stage.
    static let state = ExitCode(5)
    /// The build was interrupted by SIGINT or SIGTERM.
    static let interrupted = ExitCode(130)
}
