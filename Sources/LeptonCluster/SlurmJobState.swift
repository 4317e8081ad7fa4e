/// What the queue says of one job: its state (`PENDING`, `RUNNING`, `COMPLETED`, `FAILED`,
/// `OUT_OF_MEMORY`, `TIMEOUT`, `NODE_FAIL`, `CANCELLED`, …), the reason Slurm gives, and the
/// wait status of its batch script once it ended.
struct SlurmJobState: Sendable, Equatable {
    var state: String
    var reason: String
    /// The raw wait status (`exit_code`): the exit status in the high byte, a signal in the low.
    var waitStatus: Int32

    /// States after which the job never runs again.
    static let terminal: Set<String> = [
        "COMPLETED", "FAILED", "OUT_OF_MEMORY", "TIMEOUT", "NODE_FAIL", "BOOT_FAIL", "CANCELLED", "PREEMPTED",
        "DEADLINE", "SPECIAL_EXIT", "REVOKED",
    ]
    /// Terminal states that say nothing about the command: the job is worth submitting again.
    static let retriable: Set<String> = ["NODE_FAIL", "BOOT_FAIL", "PREEMPTED"]

    var isTerminal: Bool { SlurmJobState.terminal.contains(state) }

    /// The `|`-separated fields of an `squeue --Format=…:|` line, padding removed; nil unless the
    /// first is a job id.
    static func fields(_ line: Substring, count: Int) -> [String]? {
        let fields = line.split(separator: "|", omittingEmptySubsequences: false).map {
            String($0.filter { $0 != " " })
        }
        guard fields.count >= count, !fields[0].isEmpty, fields[0].allSatisfy(\.isNumber) else { return nil }
        return fields
    }

    /// `squeue -O JobID:|,State:|,Reason:|,exit_code:|` lines, by job id; others are ignored.
    static func parse(_ lines: [Substring]) -> [String: SlurmJobState] {
        var states: [String: SlurmJobState] = [:]
        for line in lines {
            guard let fields = fields(line, count: 4) else { continue }
            // A CANCELLED state reads `CANCELLED` or `CANCELLEDby0` (by uid).
            var state = fields[1]
            if state.hasPrefix("CANCELLED") { state = "CANCELLED" }
            states[fields[0]] = SlurmJobState(state: state, reason: fields[2], waitStatus: Int32(fields[3]) ?? 0)
        }
        return states
    }

    /// `sacct -n -P -X -o JobID,State,ExitCode` lines (`12|FAILED|3:0`), by job id.
    static func parseAccounting(_ lines: [Substring]) -> [String: SlurmJobState] {
        var states: [String: SlurmJobState] = [:]
        for line in lines {
            let fields = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 3, !fields[0].isEmpty, fields[0].allSatisfy(\.isNumber) else { continue }
            let state = fields[1].split(separator: " ").first.map(String.init) ?? fields[1]
            let codes = fields[2].split(separator: ":").map { Int32($0) ?? 0 }
            let status = (codes.first ?? 0) << 8 | (codes.count > 1 ? codes[1] & 0x7F : 0)
            states[fields[0]] = SlurmJobState(state: state, reason: "", waitStatus: status)
        }
        return states
    }
}
