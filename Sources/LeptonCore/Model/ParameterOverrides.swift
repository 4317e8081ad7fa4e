import LeptonSystem

/// Parameter values given on the command line (`lepton build --set train.lr=0.003`).
///
/// An override replaces the value a params file gives the key for one build, without editing
/// the file. It enters the stage key like any value, so the build reruns (or restores) what
/// reads it, and the lock records it; the next build without it sees the file's value again.
public enum ParameterOverrides {
    /// Parses `KEY=VALUE` items; VALUE is read as a YAML scalar (`0.003`, `true`, `adam`,
    /// `[64, 128]`), so it compares like the same value written in the params file.
    ///
    /// - Returns: canonical JSON text by key.
    /// - Throws: ``LeptonError/Code/invalidPipeline`` for an item without `=` or a key no stage
    ///   declares (with the nearest declared key).
    public static func parse(_ items: [String], declared: [String]) throws(LeptonError) -> [String: String] {
        var overrides: [String: String] = [:]
        for item in items {
            guard let equals = item.firstIndex(of: "="), equals != item.startIndex else {
                throw LeptonError(.invalidPipeline, "--set '\(item)' is not KEY=VALUE; write e.g. --set train.lr=0.003")
            }
            let key = String(item[..<equals])
            let text = String(item[item.index(after: equals)...])
            guard declared.contains(key) else {
                var message = "--set \(key): no stage declares the parameter '\(key)'"
                if let suggestion = EditDistance.suggestion(for: key, among: declared) {
                    message += "; did you mean '\(suggestion)'?"
                } else if !declared.isEmpty {
                    message += "; declared parameters: \(declared.sorted().joined(separator: ", "))"
                }
                throw LeptonError(.invalidPipeline, message)
            }
            let parsed = try ParamsFile(path: "--set", bytes: Array("value: \(text)".utf8))
            overrides[key] = ParamsFile.canonical(parsed.value(at: "value") ?? .string(text))
        }
        return overrides
    }
}
