import LeptonSystem

#if canImport(Glibc)
    import Glibc
#endif

/// Waits until `condition` holds, checking every 10 ms, for at most `seconds`; returns whether
/// it came true. For waiting on an event another process causes (a child exits, a file
/// appears), never as a fixed sleep that stands in for one.
@discardableResult
public func eventually(within seconds: Double = 10, _ condition: () -> Bool) -> Bool {
    let clock = SystemClock()
    let deadline = clock.monotonicNow() + UInt64(seconds * 1e9)
    while !condition() {
        if clock.monotonicNow() > deadline { return false }
        usleep(10_000)
    }
    return true
}

/// Whether no process is left in any process group `.lepton/running` of `root` recorded.
public func recordedGroupsAreGone(in root: String) -> Bool {
    let text = (try? PosixFileSystem().readText(root + "/.lepton/running")) ?? ""
    return text.split(separator: "\n").allSatisfy { line in
        let fields = line.split(separator: " ")
        guard fields.count >= 2, fields[0] == "s", let pid = pid_t(fields[1]) else { return true }
        return kill(-pid, 0) != 0 && errno == ESRCH
    }
}
