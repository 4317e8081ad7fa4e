import LeptonCore
import LeptonSystem
import Synchronization

/// A ``ProcessRunner`` that runs no process: it records each stage it was asked to run, in
/// order, and calls a Swift closure that plays the command (writing outputs, failing, …).
public final class FakeProcessRunner: ProcessRunner {
    /// What a faked command does; returns the exit status.
    public typealias Behavior = @Sendable (ProcessRequest) -> Int32

    private let state = Mutex<(ran: [String], behaviors: [String: Behavior])>(([], [:]))
    private let fallback: Behavior

    /// - Parameter fallback: What stages without their own behaviour do.
    public init(fallback: @escaping Behavior = { _ in 0 }) { self.fallback = fallback }

    /// Sets what a stage's command does.
    public func on(_ stage: String, _ behavior: @escaping Behavior) {
        state.withLock { $0.behaviors[stage] = behavior }
    }

    /// The stages run so far, in order.
    public var ran: [String] { state.withLock { $0.ran } }

    /// Forgets the stages run so far.
    public func reset() { state.withLock { $0.ran.removeAll() } }

    public func run(_ request: ProcessRequest) -> ProcessOutcome {
        let behavior = state.withLock { state -> Behavior in
            state.ran.append(request.stage)
            return state.behaviors[request.stage] ?? fallback
        }
        let status = behavior(request)
        return .exited(status)
    }

    public func terminateAll() {}
}

/// Records what a build reported.
public final class RecordingObserver: BuildObserver {
    private let state = Mutex<(finished: [String: StageOutcome], warnings: [String])>(([:], []))

    public init() {}

    public func stageStarted(_ stage: String, restoring: Bool) {}

    public func stageFinished(_ stage: String, outcome: StageOutcome, seconds: Double) {
        state.withLock { $0.finished[stage] = outcome }
    }

    public func warning(_ message: String) { state.withLock { $0.warnings.append(message) } }

    public var warnings: [String] { state.withLock { $0.warnings } }

    /// The outcome reported for a stage so far, nil before it finished.
    public func outcome(of stage: String) -> StageOutcome? { state.withLock { $0.finished[stage] } }
}

/// A clock the test moves by hand.
public final class ManualClock: LeptonSystem.Clock {
    private let now = Mutex<Int64>(1_700_000_000_000_000_000)

    public init() {}

    public func fileTimeNow() -> Int64 { now.withLock { $0 } }
    public func monotonicNow() -> UInt64 { UInt64(now.withLock { $0 }) }

    /// Moves time forward.
    public func tick(_ nanoseconds: Int64 = 1_000_000_000) { now.withLock { $0 += nanoseconds } }

    /// Sets the time.
    public func set(_ value: Int64) { now.withLock { $0 = value } }
}
