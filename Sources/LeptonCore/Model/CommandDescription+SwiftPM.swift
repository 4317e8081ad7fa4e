extension CommandDescription {
    /// The SwiftPM subcommand (`run`, `build`, `test`) this command starts on the package's own
    /// build folder, nil when it starts none or gives its own `--scratch-path`.
    ///
    /// Inside `swift package lepton`, SwiftPM holds the package's build-folder lock for as long
    /// as the plugin runs, so such a command waits for it forever ("Another instance of SwiftPM
    /// is already running using '.build', waiting…"). Lepton refuses it there with the fix.
    public var swiftPMInvocation: String? {
        let words: [Substring]
        switch self {
        case .shell(let line):
            words = line.split(whereSeparator: { " \t\n;&|()`".contains($0) })
        case .exec(let arguments):
            words = arguments.map { Substring($0) }
        case .tool, .product:
            return nil
        }
        guard !words.contains(where: { $0 == "--scratch-path" || $0.hasPrefix("--scratch-path=") }) else {
            return nil
        }
        for (index, word) in words.enumerated() where word == "swift" || word.hasSuffix("/swift") {
            guard index + 1 < words.count else { continue }
            let subcommand = String(words[index + 1])
            if ["run", "build", "test"].contains(subcommand) { return "swift \(subcommand)" }
        }
        return nil
    }
}
