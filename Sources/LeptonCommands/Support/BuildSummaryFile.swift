import LeptonCore
import LeptonSystem

/// The `--summary-json` file: what a build did, for CI pipelines to read.
///
/// ```json
/// {"version": 1, "status": "succeeded", "exitCode": 0, "seconds": 1.2, "run": "…",
///  "counts": {"ran": 1, "restored": 2, …},
///  "stages": [{"name": "train", "outcome": "restored", "source": "remote", "seconds": 0.4,
///              "reasons": ["…"], "downloadedBytes": 1234}],
///  "remote": {"url": "…", "uploads": false, "hits": 2, "misses": 1, …}}
/// ```
struct BuildSummaryFile {
    let summary: BuildSummary
    let exitCode: Int32
    let run: String?
    let remote: RemoteCache?

    var json: JSON {
        var counts: [String: Int] = [:]
        var stages: [JSON] = []
        for (name, outcome) in summary.outcomes {
            var object: [String: JSON] = ["name": .string(name)]
            let label: String
            var reasons: [RebuildReason] = []
            switch outcome {
            case .upToDate: label = "up-to-date"
            case .ran(let why):
                label = "ran"
                reasons = why
            case .restored(let why, let source):
                label = "restored"
                reasons = why
                switch source {
                case .localCache:
                    object["source"] = .string("local")
                case .remote(let bytes, let deferred):
                    object["source"] = .string("remote")
                    object["downloadedBytes"] = .int(Int(bytes))
                    object["deferred"] = .bool(deferred)
                }
            case .wouldRun(let why):
                label = "would-run"
                reasons = why
            case .wouldRestore(let why):
                label = "would-restore"
                reasons = why
            case .failed(let failure):
                label = failure.isGateFailure ? "gate-failed" : "failed"
                object["message"] = .string(failure.message)
                if let log = failure.logPath { object["log"] = .string(log) }
            case .skipped(let because):
                label = "skipped"
                object["message"] = .string(because)
            }
            counts[label, default: 0] += 1
            object["outcome"] = .string(label)
            if !reasons.isEmpty { object["reasons"] = .array(reasons.map { .string($0.description) }) }
            if let seconds = summary.durations[name] { object["seconds"] = .number(Format.seconds(seconds)) }
            stages.append(.object(object))
        }
        let status: String
        switch exitCode {
        case 0: status = "succeeded"
        case 3: status = "gate-failed"
        case 130: status = "interrupted"
        default: status = "failed"
        }
        var root: [String: JSON] = [
            "version": .int(1), "status": .string(status), "exitCode": .int(Int(exitCode)),
            "seconds": .number(Format.seconds(summary.seconds)), "stages": .array(stages),
            "counts": .object(counts.mapValues { .int($0) }),
        ]
        if let run { root["run"] = .string(run) }
        if let remote {
            let stats = remote.stats
            var object: [String: JSON] = [
                "url": .string(remote.location), "uploads": .bool(remote.uploads), "hits": .int(stats.hits),
                "misses": .int(stats.misses), "downloadedFiles": .int(stats.downloadedFiles),
                "downloadedBytes": .int(Int(stats.downloadedBytes)), "uploadedFiles": .int(stats.uploadedFiles),
                "uploadedBytes": .int(Int(stats.uploadedBytes)), "uploadedEntries": .int(stats.uploadedEntries),
                "corruptDownloads": .int(stats.corruptDownloads), "retries": .int(stats.retries),
            ]
            if let problem = remote.unavailable { object["unavailable"] = .string(problem.message) }
            root["remote"] = .object(object)
        }
        return .object(root)
    }

    func write(to path: String) throws(LeptonError) {
        try PosixFileSystem().writeAtomically(Array((json.prettyText + "\n").utf8), to: path, durable: false)
    }
}

extension Format {
    /// Seconds with millisecond precision, as a JSON number.
    static func seconds(_ value: Double) -> String {
        let milliseconds = Int((value * 1000).rounded())
        let fraction = String(milliseconds % 1000)
        return "\(milliseconds / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}
