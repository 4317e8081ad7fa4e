import LeptonCore
import Testing
import _LeptonTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A stage's single program replaces the shell, so it dies with Lepton (PR_SET_PDEATHSIG).
struct ShellLineTests {
    @Test(arguments: [
        ("python3 src/train.py data/features model.pkl", true),
        ("python3 -B scripts/prepare.py > log.txt", true),
        ("./tools/run.sh --fast", true),
        ("cp in/1.txt out/1.txt", true),
        ("mkdir -p dist && tar -cf dist/a.tar a", false),
        ("sort raw.csv | uniq > clean.csv", false),
        ("FOO=1 python3 train.py", false),
        ("cd data; make", false),
        ("cd data", false),
        ("echo $(date) > stamp", false),
        ("python3 -c 'print(1)'", false),
        ("for i in 1 2; do echo $i; done", false),
        ("cmd 2>&1", false),
        ("long \\\n continued", false),
        ("  head -c 64 in/a.txt > out/a.txt", true),
        ("head\t-c 64 a", true),
        ("résumé-tool --in data", true),
        ("export X=1", false),
        ("-x file", false),
        ("   ", false),
        ("", false),
        ("echo {a,b}", false),
        ("wc -l a # count", false),
        ("[ -f a ] && b", false),
    ])
    func simpleCommandsAreExecuted(line: String, simple: Bool) {
        let argv = CommandDescription.shell(line).argv(tool: "lepton")
        #expect(argv == ["/bin/sh", "-c", simple ? "exec " + line : line])
    }

    @Test func theProgramIsLeptonsDirectChild() {
        let package = TemporaryPackage()
        package.write("report.sh", "#!/bin/sh\necho $PPID > parent.txt\n")
        chmod(package.root + "/report.sh", 0o755)
        let argv = CommandDescription.shell("./report.sh").argv(tool: "lepton")
        let outcome = PosixProcessRunner().run(
            ProcessRequest(
                stage: "s", arguments: argv, workingDirectory: package.root, environment: [:],
                logPath: package.root + "/log"))
        #expect(outcome == .exited(0))
        // Before: dash ran the script as its child, out of reach of PR_SET_PDEATHSIG.
        #expect(package.read("parent.txt") == "\(getpid())\n")
    }
}
