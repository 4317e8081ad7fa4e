import ArgumentParser
import LeptonCore
import _LeptonTestSupport

@testable import LeptonCommands

/// Runs a `lepton` command inside the test process, its output captured through a
/// ``CapturedTerminal`` — no process, no binary: what most command tests need. Commands that run
/// Lepton's own tool (`.train` stages), send signals or need a second process use
/// ``LeptonBinary``.
enum InProcess {
    /// Runs `lepton ARGS -C directory`; returns the exit status and everything printed.
    static func run(_ arguments: [String], in directory: String) -> LeptonBinary.Result {
        let terminal = CapturedTerminal()
        let status: Int32 = TerminalScope.$current.withValue(terminal) {
            do {
                var command = try LeptonCommand.parseAsRoot(arguments + ["-C", directory])
                try command.run()
                return 0
            } catch {
                let code = LeptonCommand.exitCode(for: error)
                let message = LeptonCommand.fullMessage(for: error)
                if !message.isEmpty { terminal.write(message + "\n", error: true) }
                return code.rawValue
            }
        }
        return LeptonBinary.Result(status: status, output: terminal.output)
    }
}
