/// What a stage's process finds in its environment.
///
/// A stage inherits Lepton's environment, minus the variables that hold Lepton's own
/// credentials for the remote cache (a stage that logs its environment must not put a token
/// into an output, which would be cached and uploaded), plus `LEPTON_STAGE`, `LEPTON_ROOT` and
/// `LEPTON_PARAMS`. docs/Design/TrustModel.md lists them.
public enum StageEnvironment {
    /// Inherited variables no stage sees.
    public static let withheld: Set<String> = [
        "LEPTON_REMOTE_TOKEN", "LEPTON_REMOTE_USER", "LEPTON_REMOTE_PASSWORD", "NETRC",
    ]
}
