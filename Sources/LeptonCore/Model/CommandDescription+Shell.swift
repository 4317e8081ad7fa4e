extension CommandDescription {
    /// The shell line a stage's `/bin/sh -c` runs: a simple command (one program with its
    /// arguments and redirections, `python3 train.py --lr 0.1 > log`) is prefixed with `exec`,
    /// so the program replaces the shell instead of running as its child.
    ///
    /// Why: `/bin/sh` (dash on Debian) keeps running as the parent of a single command, so the
    /// program was Lepton's grandchild, out of reach of `PR_SET_PDEATHSIG` — after a SIGKILL of
    /// Lepton it kept running and writing until the next build stopped its group. bash does the
    /// same `exec` by itself. Anything else (lists, pipes, `&&`, subshells, substitutions,
    /// variable assignments, builtins, keywords) runs unchanged.
    static func shellLine(_ line: String) -> String {
        isSimpleCommand(line) ? "exec " + line : line
    }

    /// Whether `line` is one external command: no shell operator or substitution anywhere (even
    /// quoted, to stay on the safe side), and a first word that is a plain program name or path,
    /// not a builtin, keyword or assignment.
    static func isSimpleCommand(_ line: String) -> Bool {
        // Bytes, not Characters: this runs for every stage a build starts.
        var first: [UInt8] = []
        var inFirst = true
        for byte in line.utf8 {
            switch byte {
            case UInt8(ascii: ";"), UInt8(ascii: "&"), UInt8(ascii: "|"), UInt8(ascii: "("), UInt8(ascii: ")"),
                UInt8(ascii: "`"), UInt8(ascii: "\n"), UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "\\"),
                UInt8(ascii: "#"):
                return false
            case UInt8(ascii: " "), UInt8(ascii: "\t"):
                if !first.isEmpty { inFirst = false }
            default:
                if inFirst { first.append(byte) }
            }
        }
        guard !first.isEmpty, first[0] != UInt8(ascii: "-"),
            first.allSatisfy({ byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "/"),
                    UInt8(ascii: "+"), UInt8(ascii: "-"), 0x80...0xFF:  // UTF-8: letters of other scripts
                    return true
                default:
                    return false
                }
            })
        else { return false }
        return !shellWords.contains(String(decoding: first, as: UTF8.self))
    }

    /// Builtins and keywords that are not programs (`exec cd dir` would fail).
    private static let shellWords: Set<String> = [
        "cd", ":", ".", "source", "export", "set", "unset", "alias", "unalias", "eval", "exit", "return", "shift",
        "trap", "umask", "wait", "read", "local", "readonly", "type", "ulimit", "exec", "command", "hash", "getopts",
        "jobs", "fg", "bg", "times", "break", "continue", "if", "then", "else", "elif", "fi", "for", "while", "until",
        "do", "done", "case", "esac", "in", "function", "select", "!", "[[", "time",
    ]
}
