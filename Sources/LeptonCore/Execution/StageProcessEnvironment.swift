import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The environment block a stage process starts with: Lepton's own (`environ`) without the
/// withheld names and the names the stage sets, then the stage's own variables, sorted.
///
/// Lepton's entries are passed as the pointers `environ` holds, not copied: glibc never frees
/// the strings `setenv` replaces, so they stay valid. Their names are parsed once and parsed
/// again only when `environ` no longer holds the same pointers (a `setenv` or `unsetenv` since),
/// so a build of 1,000 stages does not turn the same 50 variables into strings 1,000 times.
enum StageProcessEnvironment {
    private struct Parsed: @unchecked Sendable {
        var entries: [UnsafeMutablePointer<CChar>] = []
        var names: [String] = []
    }

    private static let parsed = Mutex(Parsed())

    /// Calls `body` with the NULL-terminated environment block for a process.
    static func with<R>(
        _ additions: [String: String], withheld: Set<String>, _ body: ([UnsafeMutablePointer<CChar>?]) -> R
    ) -> R {
        var block: [UnsafeMutablePointer<CChar>?] = []
        for (entry, name) in inherited() where additions[name] == nil && !withheld.contains(name) {
            block.append(entry)
        }
        let added = additions.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") }
        defer { for entry in added { free(entry) } }
        block += added
        block.append(nil)
        return body(block)
    }

    /// `environ`'s entries with their names, parsed again only when `environ` changed.
    private static func inherited() -> [(entry: UnsafeMutablePointer<CChar>, name: String)] {
        var current: [UnsafeMutablePointer<CChar>] = []
        var index = 0
        while let entry = environ[index] {
            current.append(entry)
            index += 1
        }
        let names = parsed.withLock { parsed in
            if parsed.entries != current {
                parsed.entries = current
                parsed.names = current.map { entry in
                    let text = String(cString: entry)
                    return String(text.prefix { $0 != "=" })
                }
            }
            return parsed.names
        }
        return Array(zip(current, names))
    }
}
