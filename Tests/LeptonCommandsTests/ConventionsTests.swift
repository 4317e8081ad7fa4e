import LeptonCore
import LeptonSystem
import Testing
import _LeptonTestSupport

@testable import LeptonCommands

/// The small conventions command-line users expect (issue 13's list): colour variables, usage
/// errors that show the subcommand's usage, options only where they mean something, runs in
/// build order.
struct ConventionsTests {
    @Test(arguments: [
        // (interactive, environment, colours)
        (true, [String: String](), true), (false, [:], false),
        (true, ["NO_COLOR": "1"], false), (true, ["NO_COLOR": ""], true),
        (false, ["FORCE_COLOR": "1"], true), (false, ["FORCE_COLOR": "0"], false),
        (false, ["CLICOLOR_FORCE": "1"], true), (false, ["FORCE_COLOR": "1", "NO_COLOR": "1"], false),
    ])
    func coloursFollowNoColorAndForceColor(interactive: Bool, environment: [String: String], colours: Bool) {
        // Environment.value treats an empty value as unset, as no-color.org asks of NO_COLOR.
        let value: (String) -> String? = { name in environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        #expect(Console.wantsColors(interactive: interactive, environment: value) == colours)
    }

    private func package() -> TemporaryPackage {
        let package = TemporaryPackage("conventions")
        package.write("raw.csv", "b\na\n")
        package.write(
            "Leptonfile",
            """
            import LeptonDescription
            let pipeline = Pipeline(stages: [
                .stage(name: "zeta", command: "sort raw.csv > a.txt", inputs: ["raw.csv"], outputs: ["a.txt"]),
                .stage(name: "alpha", command: "cat a.txt > b.txt", inputs: ["a.txt"], outputs: ["b.txt"]),
            ])
            """)
        return package
    }

    @Test func aUsageErrorFoundAfterParsingShowsTheSubcommandsUsage() {
        let package = package()
        for arguments in [["build", "nosuch"], ["build", "-j", "2", "nosuch"], ["status", "nosuch"]] {
            let result = LeptonBinary.run(arguments, in: package.root)
            #expect(result.status == 64)
            #expect(result.output.contains("unknown stage or output 'nosuch'"), "\(result.output)")
            #expect(result.output.contains("Usage: lepton \(arguments[0]) "), "\(arguments): \(result.output)")
            #expect(!result.output.contains("lepton <subcommand>"), "\(result.output)")
        }
        let zero = LeptonBinary.run(["build", "--jobs", "0"], in: package.root)
        #expect(zero.status == 64)
        #expect(zero.output.contains("Usage: lepton build "), "\(zero.output)")
    }

    @Test func onlyBuildOffersRemoteUpload() {
        let package = package()
        // An option of the help screen's list, not a mention in a description.
        func offers(_ command: [String]) -> Bool {
            LeptonBinary.run(command + ["--help"], in: package.root).output.split(separator: "\n").contains {
                $0.drop { $0 == " " }.hasPrefix("--remote-upload")
            }
        }
        #expect(offers(["build"]))
        for command in [["push"], ["pull"], ["remote", "status"]] {
            #expect(!offers(command), "\(command) offers --remote-upload")
        }
    }

    @Test func runsShowListsStagesInBuildOrder() {
        let package = package()
        #expect(LeptonBinary.run(["build"], in: package.root).status == 0)
        let shown = LeptonBinary.run(["runs", "show", "latest"], in: package.root).output
        let stages = shown.split(separator: "\n").compactMap { line in
            line.split(separator: " ").first.map(String.init).flatMap { ["zeta", "alpha"].contains($0) ? $0 : nil }
        }
        #expect(stages.prefix(2) == ["zeta", "alpha"], "\(shown)")
    }
}
