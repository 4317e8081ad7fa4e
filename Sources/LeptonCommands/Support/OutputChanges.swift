import LeptonCore

/// Prints what an ``OutputCheckout`` changed (`lepton checkout`, `lepton pull`).
enum OutputChanges {
    static func print(
        _ changes: [OutputCheckout.Change], unchanged: [String], console: Console, verbose: Bool, dryRun: Bool
    ) {
        if verbose { for path in unchanged { console.line("  unchanged  \(path)") } }
        for change in changes {
            if dryRun {
                console.line("  would restore  \(change.path) \(console.dim("(\(change.stage))"))")
            } else {
                let was = change.previous.map { " (was \($0.digest.prefix(12)), kept in the cache)" } ?? ""
                console.line("  restored   \(change.path) \(console.dim("(\(change.stage))\(was)"))")
            }
        }
    }
}
