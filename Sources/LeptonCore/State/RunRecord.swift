import LeptonSystem

/// What one build did, kept in the run history (`.lepton/history/`): when, on which commit,
/// with which parameter overrides, each stage's outcome, key, parameter values and output
/// digests, and the metrics the build left.
public struct RunRecord: Sendable, Equatable {
    public static let version = 1

    /// One stage in a run.
    public struct Stage: Sendable, Equatable {
        /// `ran`, `restored`, `up to date`, `failed` or `skipped`.
        public var outcome: String
        /// The record the stage's outputs correspond to (nil if it never succeeded).
        public var record: StageRecord? {
            get { decoded ?? lockBytes.flatMap { try? JSON.parse($0) }.flatMap(StageRecord.init(json:)) }
            set {
                decoded = newValue
                lockBytes = nil
            }
        }
        private var decoded: StageRecord?
        /// The record as `Lepton.lock` holds it (JSON), for a stage the build left unread
        /// (``BuildSummary/unreadRecords``): written to the history as it is, compacted.
        private var lockBytes: ArraySlice<UInt8>?
        public var seconds: Double?
        /// The cluster job it ran as (`slurm:1234`), when it ran on a cluster.
        public var job: String?

        public init(outcome: String, record: StageRecord?, seconds: Double?, job: String? = nil) {
            self.job = job
            self.outcome = outcome
            self.decoded = record
            self.seconds = seconds
        }

        /// A stage whose record is the lock's, as its bytes there.
        init(outcome: String, lockBytes: ArraySlice<UInt8>, seconds: Double?, job: String? = nil) {
            self.init(outcome: outcome, record: nil, seconds: seconds, job: job)
            self.lockBytes = lockBytes
        }

        /// Writes the record member of the history's form, if the stage has a record.
        func writeRecord(to stream: inout JSONStream) {
            if let lockBytes {
                stream.key("record")
                stream.rawCompacted(lockBytes)
            } else if let decoded {
                stream.key("record")
                decoded.write(to: &stream)
            }
        }

        public static func == (left: Stage, right: Stage) -> Bool {
            left.outcome == right.outcome && left.seconds == right.seconds && left.job == right.job
                && left.record == right.record
        }
    }

    /// `YYYYMMDD-HHMMSS-mmm` (UTC), so ids sort by time.
    public var id: String
    /// Seconds since 1970.
    public var started: Int
    public var seconds: Double
    /// `succeeded`, `failed` or `interrupted`.
    public var status: String
    /// The git commit the package was at, if it is in a git repository.
    public var commit: String?
    /// `--set` values, canonical JSON by key.
    public var overrides: [String: String]
    public var stages: [String: Stage]
    /// The stages in the order the build finished them (dependencies first); empty in records
    /// written before it was kept. See ``stageNames``.
    public var order: [String] = []
    /// Metrics by file, then by flattened name.
    public var metrics: [String: [String: Double]]

    public init(
        id: String, started: Int, seconds: Double, status: String, commit: String?, overrides: [String: String],
        stages: [String: Stage], metrics: [String: [String: Double]]
    ) {
        self.id = id
        self.started = started
        self.seconds = seconds
        self.status = status
        self.commit = commit
        self.overrides = overrides
        self.stages = stages
        self.metrics = metrics
    }

    /// The stage names in build order (dependencies first), any the order misses after them by name.
    public var stageNames: [String] {
        let known = order.filter { stages[$0] != nil }
        let listed = Set(known)
        return known + stages.keys.filter { !listed.contains($0) }.sorted()
    }

    /// The stages that ran or were restored.
    public var changedStages: [String] {
        stages.filter { $0.value.outcome == "ran" || $0.value.outcome == "restored" }.keys.sorted()
    }

    /// Every parameter value the run's stages read, by label (`train.lr`, `file:key`).
    public var params: [String: String] {
        var values: [String: String] = [:]
        for stage in stages.values {
            for (label, value) in stage.record?.params ?? [:] { values[label] = value }
        }
        return values.merging(overrides) { _, override in override }
    }

    /// Sorted, compact JSON.
    public var json: JSON {
        var stageObjects: [String: JSON] = [:]
        for (name, stage) in stages {
            var members: [String: JSON] = ["outcome": .string(stage.outcome)]
            if let job = stage.job { members["job"] = .string(job) }
            if let record = stage.record { members["record"] = record.json }
            if let seconds = stage.seconds { members["seconds"] = RunRecord.milliseconds(seconds) }
            stageObjects[name] = .object(members)
        }
        var object: [String: JSON] = [
            "version": .int(RunRecord.version), "id": .string(id), "started": .int(started),
            "seconds": RunRecord.milliseconds(seconds), "status": .string(status), "overrides": overridesJSON,
            "stages": .object(stageObjects), "metrics": metricsJSON,
        ]
        if let commit { object["commit"] = .string(commit) }
        if !order.isEmpty { object["order"] = .array(order.map { .string($0) }) }
        return .object(object)
    }

    /// ``json``'s compact bytes, written member by member (a run of a large pipeline holds a
    /// record per stage).
    public var compactBytes: [UInt8] {
        var stream = JSONStream(pretty: false, capacity: stages.count * 1024 + 512)
        let byBytes: (String, String) -> Bool = { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        stream.beginObject()
        if let commit {
            stream.key("commit")
            stream.string(commit)
        }
        stream.key("id")
        stream.string(id)
        stream.key("metrics")
        stream.value(metricsJSON)
        if !order.isEmpty {
            stream.key("order")
            stream.value(.array(order.map { .string($0) }))
        }
        stream.key("overrides")
        stream.value(overridesJSON)
        stream.key("seconds")
        stream.value(RunRecord.milliseconds(seconds))
        stream.key("stages")
        stream.beginObject()
        for name in stages.keys.sorted(by: byBytes) {
            guard let stage = stages[name] else { continue }
            stream.key(name)
            stream.beginObject()
            if let job = stage.job {
                stream.key("job")
                stream.string(job)
            }
            stream.key("outcome")
            stream.string(stage.outcome)
            stage.writeRecord(to: &stream)
            if let seconds = stage.seconds {
                stream.key("seconds")
                stream.value(RunRecord.milliseconds(seconds))
            }
            stream.endObject()
        }
        stream.endObject()
        stream.key("started")
        stream.integer(started)
        stream.key("status")
        stream.string(status)
        stream.key("version")
        stream.integer(RunRecord.version)
        stream.endObject()
        return stream.finish()
    }

    /// The parts ``json`` and ``compactBytes`` write alike.
    private var metricsJSON: JSON {
        .object(metrics.mapValues { .object($0.mapValues { .number(MetricsFile.text($0)) }) })
    }

    private var overridesJSON: JSON { .object(overrides.mapValues { (try? JSON.parse($0)) ?? .string($0) }) }

    /// Seconds to the millisecond, as run records keep durations.
    private static func milliseconds(_ seconds: Double) -> JSON { .number(String(Double(Int(seconds * 1000)) / 1000)) }

    /// Reads a record back; nil for another version or a damaged file.
    public init?(json: JSON) {
        guard json["version"]?.intValue == RunRecord.version, let id = json["id"]?.stringValue,
            let started = json["started"]?.intValue, let seconds = json["seconds"]?.doubleValue,
            let status = json["status"]?.stringValue, let stageObjects = json["stages"]?.objectValue
        else { return nil }
        var stages: [String: Stage] = [:]
        for (name, value) in stageObjects {
            guard let outcome = value["outcome"]?.stringValue else { return nil }
            stages[name] = Stage(
                outcome: outcome, record: value["record"].flatMap(StageRecord.init(json:)),
                seconds: value["seconds"]?.doubleValue, job: value["job"]?.stringValue)
        }
        var metrics: [String: [String: Double]] = [:]
        for (file, values) in json["metrics"]?.objectValue ?? [:] {
            metrics[file] = (values.objectValue ?? [:]).compactMapValues(\.doubleValue)
        }
        self.init(
            id: id, started: started, seconds: seconds, status: status, commit: json["commit"]?.stringValue,
            overrides: (json["overrides"]?.objectValue ?? [:]).mapValues { ParamsFile.canonical($0) }, stages: stages,
            metrics: metrics)
        order = (json["order"]?.arrayValue ?? []).compactMap(\.stringValue)
    }
}
