import LeptonSystem

#if canImport(Glibc)
    import Glibc
#endif

/// A throw-away copy of the package in which one sweep combination builds while others build
/// in theirs (`.lepton/sweep/N/`).
///
/// Files are hard links (copies across file systems), except the declared outputs, which are
/// left out, and `Lepton.lock`, which is copied. Lepton never writes a file in place (outputs
/// are replaced by rename after the previous content is moved away), so the links cannot change
/// the package. The copy's `.lepton/cache` and `.lepton/leptonfile` are symlinks to the
/// package's: every combination stores into, and restores from, the one content-addressed cache
/// (objects and entries are written to unique temporary names and renamed, so concurrent
/// builds are safe), and the Leptonfile's DSL is compiled once.
struct SweepCopy {
    let root: String
    private let fileSystem = PosixFileSystem()

    /// Mirrors the package into `.lepton/sweep/<index>`, leaving out the declared `outputs`.
    init(workspace: Workspace, outputs: Set<String>, index: Int) throws(LeptonError) {
        root = workspace.stateDirectory + "/sweep/\(index)"
        try? fileSystem.remove(root)
        try fileSystem.createDirectories(root)
        try mirror(from: workspace.root, to: root, relative: "", outputs: outputs)
        try fileSystem.createDirectories(root + "/.lepton")
        for name in ["cache", "leptonfile"] {
            try fileSystem.createDirectories(workspace.stateDirectory + "/" + name)
            try fileSystem.symlink(workspace.stateDirectory + "/" + name, at: root + "/.lepton/" + name)
        }
    }

    private func mirror(from source: String, to target: String, relative: String, outputs: Set<String>)
        throws(LeptonError)
    {
        for entry in try fileSystem.list(source) {
            let path = relative.isEmpty ? entry.name : relative + "/" + entry.name
            if relative.isEmpty && (entry.name == ".lepton" || entry.name == ".git" || entry.name.hasPrefix(".build")) {
                continue
            }
            if outputs.contains(path) { continue }
            let from = source + "/" + entry.name
            let to = target + "/" + entry.name
            switch entry.kind {
            case .directory:
                try fileSystem.createDirectories(to)
                try mirror(from: from, to: to, relative: path, outputs: outputs)
            case .symlink:
                if let destination = fileSystem.readLink(from) { try? fileSystem.symlink(destination, at: to) }
            case .file where entry.name != LockFile.fileName && (try? fileSystem.hardLink(from, at: to)) != nil:
                continue
            default:
                try fileSystem.writeAtomically(try fileSystem.read(from), to: to, durable: false)
            }
        }
    }

    /// Removes the copy (the shared cache stays).
    func remove() {
        try? fileSystem.remove(root + "/.lepton/cache")
        try? fileSystem.remove(root + "/.lepton/leptonfile")
        try? fileSystem.remove(root)
    }

    /// The runs this copy's builds recorded, newest first.
    var runs: [RunRecord] { RunHistory(workspace: Workspace(root: root)).all() }
}
