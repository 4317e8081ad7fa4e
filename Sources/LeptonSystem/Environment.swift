#if canImport(Glibc)
    import Glibc
#endif

/// Reads the process environment (the one place Lepton calls `getenv`).
public enum Environment {
    /// The value of a variable, nil when unset or empty.
    public static func value(_ name: String) -> String? {
        guard let raw = raw(name), !raw.isEmpty else { return nil }
        return raw
    }

    /// The value of a variable, also when empty; nil when unset.
    public static func raw(_ name: String) -> String? {
        guard let raw = getenv(name) else { return nil }
        return String(cString: raw)
    }

    /// The whole process environment.
    public static var all: [String: String] {
        var result: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            pointer += 1
        }
        return result
    }
}
