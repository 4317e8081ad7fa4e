import LeptonSystem
import Testing
import _LeptonTestSupport

@testable import LeptonCore

#if canImport(Glibc)
    import Glibc
#endif

/// Simple shell lines run without a shell, exactly as the shell would run them.
struct DirectCommandTests {
    private func direct(_ line: String) -> DirectCommand? {
        DirectCommand(shellArguments: CommandDescription.shell(line).argv(tool: "lepton"))
    }

    @Test func plainWordsAndSeparateRedirectionsRunDirectly() {
        let command = direct("head -c 64 in/s1_0.txt > out/s1.txt")
        #expect(command?.arguments == ["head", "-c", "64", "in/s1_0.txt"])
        #expect(command?.redirections.map(\.descriptor) == [1])
        #expect(command?.redirections.map(\.path) == ["out/s1.txt"])
        #expect(direct("python3 train.py --lr=0.1 --out=models/m.pkl")?.arguments.count == 4)
        #expect(direct("sort < raw.csv >> sorted.csv 2> errors.log")?.redirections.map(\.descriptor) == [0, 1, 2])
    }

    @Test(arguments: [
        "echo 'quoted words'", "echo \"$HOME\"", "cp data/*.csv out", "ls ~/data", "echo a?b", "cat [ab]",
        "head -c 5 in>out", "head -c 5 in 2>out", "cat <<EOF", "cat <in", "echo résumé", "head >", "> out",
        "FOO=1 python3 train.py", "sort raw.csv | uniq > clean.csv", "cmd 2>&1", "echo !x", "echo a^b",
    ])
    func anythingAShellWouldInterpretRunsThroughIt(line: String) {
        #expect(direct(line) == nil)
    }

    @Test func theSwitchRunsEveryLineThroughTheShell() {
        #expect(direct("true") != nil)
        let package = TemporaryPackage()
        package.write("in.txt", "hello world")
        let runner = PosixProcessRunner(runsWithoutShell: false)
        let outcome = runner.run(
            ProcessRequest(
                stage: "s", arguments: CommandDescription.shell("head -c 5 in.txt > out.txt").argv(tool: "lepton"),
                workingDirectory: package.root, environment: [:], logPath: package.root + "/log"))
        #expect(outcome == .exited(0))
        #expect(package.read("out.txt") == "hello")
    }

    /// The same line through `/bin/sh -c` and without a shell, each in its own package: the same
    /// status, the same files, the same environment.
    @Test(arguments: [
        ("head -c 5 in.txt > out.txt", 0),
        ("cat < in.txt > out.txt", 0),
        ("cat in.txt >> out.txt", 0),
        ("ls missing-file 2> out.txt", 2),
        ("printf %s,%s a b > out.txt", 0),
        ("./tool.sh first > out.txt", 0),
        ("env > out.txt", 0),
        ("false", 1),
        ("lepton-no-such-program-xyz arg", 127),
        ("head -c 5 in.txt > no-such-folder/out.txt", 2),
        ("cat < no-such-file.txt", 2),
    ])
    func runsAsTheShellWould(line: String, status: Int32) {
        #expect(direct(line) != nil)
        var seen: [(outcome: ProcessOutcome, files: [String?], log: String)] = []
        for withoutShell in [false, true] {
            let package = TemporaryPackage()
            package.write("in.txt", "hello world\n")
            package.write("out.txt", "kept\n")
            package.write("tool.sh", "#!/bin/sh\necho \"$0 $1 $PWD\"\n")
            chmod(package.root + "/tool.sh", 0o755)
            let outcome = PosixProcessRunner(runsWithoutShell: withoutShell).run(
                ProcessRequest(
                    stage: "s", arguments: CommandDescription.shell(line).argv(tool: "lepton"),
                    workingDirectory: package.root, environment: ["LEPTON_STAGE": "s"],
                    logPath: package.root + "/.log"))
            var files = [package.read("out.txt"), package.read("in.txt")]
            // The environment, without what each run's package changes.
            if line.hasPrefix("env") {
                files[0] = (files[0] ?? "").split(separator: "\n").filter { !$0.hasPrefix("_=") }.sorted()
                    .joined(separator: "\n").replacing(package.root, with: "ROOT")
            } else {
                files[0] = files[0]?.replacing(package.root, with: "ROOT")
            }
            seen.append((outcome, files, package.read(".log") ?? ""))
        }
        #expect(seen[0].outcome == .exited(status))
        #expect(seen[1].outcome == seen[0].outcome)
        #expect(seen[1].files == seen[0].files)
        // A failure of the run itself (not of the program) says what failed in the log.
        if status == 127 || line.contains("no-such-f") { #expect(!seen[1].log.isEmpty) }
    }
}
