import ArgumentParser
import LeptonCore
import LeptonSystem

extension LeptonCommand {
    /// `lepton checkout RUN [--stage S…]`: puts an earlier run's outputs back (a model rollback).
    struct Checkout: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Restore the outputs of an earlier run from the cache, without running anything.",
            discussion: """
                Every object is checked first: if the cache lacks one, nothing changes and the missing \
                outputs are listed. An output whose current content the cache does not hold (you edited \
                it) is stored in the cache before it is replaced, so nothing is lost. Lepton.lock then \
                records the run's stages, so `lepton status` tells how the inputs differ from that run \
                and `lepton build` brings everything back to the current inputs.
                """)

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The run: an id, a unique id prefix, a tag, or `latest`.") var name: String
        @Option(help: "Only this stage's outputs (repeatable).") var stage: [String] = []
        @Flag(name: [.customShort("n"), .long], help: "Say what would change; change nothing.") var dryRun = false

        func run() throws {
            let console = Console()
            let workspace = try PackageSession.findWorkspace(global)
            let result: RunCheckout.Result
            do throws(LeptonError) {
                result = try RunCheckout(workspace: workspace, events: .printing(to: console))
                    .checkout(name, stages: stage, dryRun: dryRun)
            } catch  where error.code == .usage {
                throw ValidationError(error.message.prefix(1).uppercased() + error.message.dropFirst() + ".")
            } catch {
                console.error(console.red("error: ") + error.message)
                throw ExitCodes.failure
            }
            OutputChanges.print(
                result.changes, unchanged: result.unchanged, console: console, verbose: global.verbose, dryRun: dryRun)
            let changed = result.changes.count
            if dryRun {
                console.line("\(changed) output\(changed == 1 ? "" : "s") would change")
                return
            }
            console.line("checked out run \(result.run.id): \(changed) output\(changed == 1 ? "" : "s") changed")
        }
    }
}
