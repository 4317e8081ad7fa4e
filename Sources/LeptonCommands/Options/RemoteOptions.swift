import ArgumentParser

/// The remote cache options `build`, `push`, `pull` and `remote status` share (`build` adds
/// ``UploadOption``; `push` always uploads, `pull` and `remote status` never do).
struct RemoteOptions: ParsableArguments {
    @Option(
        name: .customLong("remote"),
        help: ArgumentHelp(
            "The remote cache: a name from Lepton.config or an http(s) URL (default: $LEPTON_REMOTE_URL, else Lepton.config's default).",
            valueName: "name-or-url"))
    var remote: String?

    @Flag(name: .customLong("no-remote"), help: "Use no remote cache, whatever is configured.")
    var noRemote = false

    @Flag(
        name: .customLong("remote-required"),
        help: "Fail with exit code 4 when the remote cache is unreachable, instead of going on without it.")
    var required = false

    /// The options as plain values, which the commands use.
    var choice: RemoteChoice { RemoteChoice(remote: remote, noRemote: noRemote, required: required) }
}

/// `build`'s `--remote-upload`: the only command that may or may not upload.
struct UploadOption: ParsableArguments {
    @Flag(
        name: .customLong("remote-upload"),
        help: "Upload what runs to the remote cache (default: read-only; LEPTON_REMOTE_UPLOAD=1 does the same).")
    var upload = false
}
