import LeptonSystem

/// Times the phases of a build, in order (what `build --verbose` prints).
struct PhaseTimer {
    let clock: any Clock
    private var start: UInt64
    private(set) var phases: [(name: String, seconds: Double)] = []

    init(clock: any Clock, start: UInt64) {
        self.clock = clock
        self.start = start
    }

    /// Ends the current phase under `name`; the next starts now.
    mutating func end(_ name: String) {
        let now = clock.monotonicNow()
        phases.append((name, Double(now - start) / 1e9))
        start = now
    }
}
