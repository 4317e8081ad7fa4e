import LeptonCore
import LeptonSystem
import Synchronization
import Testing
import _LeptonTestSupport

@testable import LeptonCommands

/// What a long or failing stage tells the user: heartbeats while it is silent, and the line of
/// its log that says what went wrong.
struct FailureReportTests {
    @Test func aSilentStageGetsAHeartbeatEveryHalfMinuteAndOutputPutsItOff() {
        let now = Mutex(100.0)
        let observer = ConsoleObserver(
            console: Console(terminal: CapturedTerminal()), verbose: false, showUpToDate: true, heartbeats: false,
            clock: { now.withLock { $0 } })
        observer.stageStarted("features", restoring: false)
        now.withLock { $0 += 29 }
        #expect(observer.heartbeats().isEmpty)
        now.withLock { $0 += 1 }
        #expect(observer.heartbeats() == ["  still running features (30.0s)"])
        #expect(observer.heartbeats().isEmpty, "a heartbeat right after another")
        now.withLock { $0 += 20 }
        observer.stageOutput("features", line: "step 1")
        now.withLock { $0 += 29 }
        #expect(observer.heartbeats().isEmpty, "the stage printed 29 s ago")
        now.withLock { $0 += 81 }
        #expect(observer.heartbeats() == ["  still running features (2m40s)"])
        observer.stageFinished("features", outcome: .ran(reasons: []), seconds: 160)
        now.withLock { $0 += 60 }
        #expect(observer.heartbeats().isEmpty)
    }

    @Test(arguments: [
        (
            "Swift/Array.swift:418: Fatal error: Index out of range\nCurrent stack trace:\n0 libswiftCore.so 0x1\n",
            "Swift/Array.swift:418: Fatal error: Index out of range"
        ),
        (
            "epoch 1\nTraceback (most recent call last):\n  File \"t.py\", line 3, in <module>\n    f()\nValueError: bad shape\n",
            "ValueError: bad shape"
        ),
        ("compiling\nmain.c:3:1: error: expected ';'\n1 error generated.\n", "main.c:3:1: error: expected ';'"),
        ("fine\nall good\n", nil),
    ])
    func theFirstErrorLineIsFoundInATrapATracebackOrACompilerError(log: String, expected: String?) {
        #expect(FirstErrorLine.find(in: log.split(separator: "\n", omittingEmptySubsequences: false)) == expected)
    }

    @Test func aFailedStagesSummaryShowsTheFirstErrorAboveTheTail() {
        let package = TemporaryPackage("first-error")
        package.write("train.py", "print('loading')\nraise ValueError('labels must be integers')\n")
        // A long tail after the error (a crash reporter's dump), so the error is not among the last lines.
        package.write(
            "Leptonfile",
            """
            import LeptonDescription
            let pipeline = Pipeline(stages: [
                .stage(name: "train", command: "python3 train.py; status=$?; for i in $(seq 1 30); do echo \\"r$i 0x0\\"; done; exit $status",
                       code: ["train.py"], outputs: ["model.bin"]),
            ])
            """)
        let result = LeptonBinary.run(["build"], in: package.root)
        #expect(result.status == 1)
        #expect(result.output.contains("first error: ValueError: labels must be integers"), "\(result.output)")
    }
}
