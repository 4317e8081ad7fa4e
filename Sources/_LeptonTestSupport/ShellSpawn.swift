#if canImport(Glibc)
    import Glibc
#endif

/// Starts a program as a shell would: no signal blocked and SIGINT, SIGTERM and SIGHUP at their
/// default handling. A test thread's own mask (Swift Testing's threads block signals) would
/// otherwise be inherited — by Lepton, hiding how it catches signals, and by the daemons a helper
/// script starts, which then could not be stopped with SIGTERM.
///
/// - Parameters:
///   - program: A path, or with `search` a name looked up on `PATH`.
///   - arguments: The whole argument vector, `argv[0]` included.
///   - environment: `NAME=value` entries; nil inherits this process's.
///   - search: Whether to look `program` up on `PATH`.
///   - actions: The file actions (redirections) to apply.
/// - Returns: The child's pid, or nil when it could not be started.
public func spawnLikeAShell(
    _ program: String, arguments: [String], environment: [String]? = nil, search: Bool = false,
    actions: inout posix_spawn_file_actions_t
) -> pid_t? {
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var empty = sigset_t()
    sigemptyset(&empty)
    posix_spawnattr_setsigmask(&attributes, &empty)
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for number in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&defaults, number) }
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    let cArgs = arguments.map { strdup($0) } + [nil]
    let cEnv = environment.map { $0.map { strdup($0) } + [nil] }
    defer { for pointer in cArgs + (cEnv ?? []) { free(pointer) } }
    var pid: pid_t = 0
    let status: Int32
    if let cEnv {
        status =
            search
            ? posix_spawnp(&pid, program, &actions, &attributes, cArgs, cEnv)
            : posix_spawn(&pid, program, &actions, &attributes, cArgs, cEnv)
    } else {
        status =
            search
            ? posix_spawnp(&pid, program, &actions, &attributes, cArgs, environ)
            : posix_spawn(&pid, program, &actions, &attributes, cArgs, environ)
    }
    return status == 0 ? pid : nil
}
