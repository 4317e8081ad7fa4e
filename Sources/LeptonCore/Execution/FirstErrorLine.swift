/// The line of a failed stage's log that says what went wrong, for its FAILED summary: the end
/// of a log is often a backtrace's frames or a register dump, and the cause is further up.
///
/// In log order, the first of: a Swift runtime trap (`Fatal error:`, `Precondition failed`,
/// `Assertion failed`), a Python traceback's exception line (the first line after
/// `Traceback (most recent call last):` that is not indented), a compiler-style `error:`, or a
/// line that starts with `Error`, `ERROR` or `FATAL`.
public enum FirstErrorLine {
    public static func find(in lines: some Sequence<Substring>) -> String? {
        var inTraceback = false
        for line in lines {
            if inTraceback {
                if line.first == " " || line.first == "\t" || line.isEmpty { continue }
                return String(line)
            }
            if line.hasPrefix("Traceback (most recent call last):") {
                inTraceback = true
                continue
            }
            if line.contains("Fatal error:") || line.contains("Precondition failed")
                || line.contains("Assertion failed")
                || line.hasPrefix("error:") || line.contains(": error:") || line.hasPrefix("Error")
                || line.hasPrefix("ERROR") || line.hasPrefix("FATAL")
            {
                return String(line)
            }
        }
        return nil
    }
}
