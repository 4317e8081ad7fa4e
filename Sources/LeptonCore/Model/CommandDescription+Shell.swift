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
        let operators: Set<Character> = [";", "&", "|", "(", ")", "`", "\n", "{", "}", "\\", "#"]
        guard !line.contains(where: operators.contains), !line.contains("$(") else { return false }
        let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard let first = words.first else { return false }
        let program = String(first)
        guard
            program.allSatisfy({ $0.isLetter || $0.isNumber || "._/+-".contains($0) }),
            !program.hasPrefix("-"), !shellWords.contains(program)
        else { return false }
        return true
    }

    /// Builtins and keywords that are not programs (`exec cd dir` would fail).
    private static let shellWords: Set<String> = [
        "cd", ":", ".", "source", "export", "set", "unset", "alias", "unalias", "eval", "exit", "return", "shift",
        "trap", "umask", "wait", "read", "local", "readonly", "type", "ulimit", "exec", "command", "hash", "getopts",
        "jobs", "fg", "bg", "times", "break", "continue", "if", "then", "else", "elif", "fi", "for", "while", "until",
        "do", "done", "case", "esac", "in", "function", "select", "!", "[[", "time",
    ]
}
