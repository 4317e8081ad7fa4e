import LeptonCore

extension WorkflowEvents {
    /// Events printed on the console: waiting for the build lock, and warnings.
    static func printing(to console: Console) -> WorkflowEvents {
        WorkflowEvents(
            waiting: { holder in
                console.error("waiting for \(holder) to finish: it holds the build lock of this package")
            },
            warning: { message in console.error(console.yellow("warning: ") + message) })
    }
}
