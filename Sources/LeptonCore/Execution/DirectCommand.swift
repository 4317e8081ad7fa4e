#if canImport(Glibc)
    import Glibc
#endif

/// A stage's shell line that Lepton runs without a shell: one program with plain words and at
/// most simple redirections, as GNU make runs a recipe line without metacharacters.
///
/// Why: `/bin/sh -c 'exec head -c 64 a > b'` starts a shell only to parse the line and exec the
/// program; that shell's start (its dynamic loading and libc initialization) cost about 0.7 ms
/// of CPU per stage on the development VM, more than the rest of Lepton's own work per stage.
///
/// What runs directly: a line ``CommandDescription/shellLine(_:)`` prefixed with `exec` (a
/// simple command), whose words are all made of letters, digits and `_ . / + - = , : @ %` — no
/// quotes, `$`, globs, `~`, escapes or non-ASCII bytes, which a shell would interpret — and whose
/// redirections are the separate tokens `<`, `>`, `>>`, `2>` or `2>>`, each followed by such a
/// word. The program then runs exactly as the shell would run it: the same argv, `PATH` search,
/// working directory and environment (with `PWD` set, as the shell sets it), the redirections
/// opened in order after the working directory is set (mode 0666 less the umask), and the
/// shell's failures: a redirection that cannot be opened ends the stage with status 2 and a
/// message in its log, a program that is not found with 127. Anything else runs through
/// `/bin/sh -c` as before; `LEPTON_ALWAYS_SHELL=1` runs every line through it.
struct DirectCommand: Equatable {
    struct Redirection: Equatable {
        var descriptor: Int32
        var path: String
        var flags: Int32
    }

    var arguments: [String]
    var redirections: [Redirection]

    /// The direct form of `["/bin/sh", "-c", "exec …"]`; nil for anything a shell must run.
    init?(shellArguments arguments: [String]) {
        guard arguments.count == 3, arguments[0] == "/bin/sh", arguments[1] == "-c",
            arguments[2].utf8.starts(with: "exec ".utf8)
        else { return nil }
        var words: [String] = []
        var redirections: [Redirection] = []
        var pending: (descriptor: Int32, flags: Int32)?
        for token in arguments[2].utf8.dropFirst(5).split(whereSeparator: { $0 == 0x20 || $0 == 0x09 }) {
            if let redirection = DirectCommand.redirection(token) {
                guard pending == nil else { return nil }
                pending = redirection
                continue
            }
            guard token.allSatisfy(DirectCommand.isPlain) else { return nil }
            let word = String(decoding: token, as: UTF8.self)
            if let target = pending {
                redirections.append(Redirection(descriptor: target.descriptor, path: word, flags: target.flags))
                pending = nil
            } else {
                words.append(word)
            }
        }
        guard pending == nil, let program = words.first, !program.utf8.contains(UInt8(ascii: "=")) else {
            return nil
        }
        self.arguments = words
        self.redirections = redirections
    }

    private static let write = O_WRONLY | O_CREAT
    private static let truncate = write | O_TRUNC
    private static let append = write | O_APPEND

    /// The descriptor and open flags of a redirection token; nil for a word.
    private static func redirection(_ token: Substring.UTF8View.SubSequence) -> (descriptor: Int32, flags: Int32)? {
        switch String(decoding: token, as: UTF8.self) {
        case "<": return (0, O_RDONLY)
        case ">": return (1, truncate)
        case ">>": return (1, append)
        case "2>": return (2, truncate)
        case "2>>": return (2, append)
        default: return nil
        }
    }

    /// A byte a shell takes literally in a word.
    private static func isPlain(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "/"),
            UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "="), UInt8(ascii: ","), UInt8(ascii: ":"),
            UInt8(ascii: "@"), UInt8(ascii: "%"):
            return true
        default:
            return false
        }
    }
}
