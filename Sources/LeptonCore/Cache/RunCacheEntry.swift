import LeptonSystem

/// One successful run's outputs, by the key that produced them: a line of
/// `.lepton/cache/runs.log` (see ``RunLog``; older caches hold files under `runs/`) and, with a
/// remote cache, the blob at `ac/<key>`.
public struct RunCacheEntry: Sendable, Equatable {
    public var key: String
    public var stage: String
    public var outputs: [String: PathDigest]
    /// Seconds since the epoch when the entry was written.
    public var created: Int

    public init(key: String, stage: String, outputs: [String: PathDigest], created: Int) {
        self.key = key
        self.stage = stage
        self.outputs = outputs
        self.created = created
    }

    /// Parses an entry; nil unless it is intact, of a known version and for `key` (an entry
    /// stored under another key is never trusted, whoever wrote it).
    public init?(bytes: some Collection<UInt8>, key: String) {
        guard let json = try? JSON.parse(bytes), json["version"]?.intValue == 1, json["key"]?.stringValue == key
        else { return nil }
        var outputs: [String: PathDigest] = [:]
        for (path, value) in json["outputs"]?.objectValue ?? [:] {
            guard let digest = PathDigest(json: value), ContentHash.isDigest(digest.digest) else { return nil }
            outputs[path] = digest
        }
        self.init(
            key: key, stage: json["stage"]?.stringValue ?? "", outputs: outputs, created: json["created"]?.intValue ?? 0
        )
    }

    /// The entry as the remote cache stores it (version 1 JSON).
    public var bytes: [UInt8] { Array(json.prettyText.utf8) }

    /// The entry's version 1 JSON object.
    var json: JSON {
        var outputs: [String: JSON] = [:]
        for (path, digest) in self.outputs { outputs[path] = digest.json }
        return JSON.object([
            "version": .int(1), "key": .string(key), "stage": .string(stage), "created": .int(created),
            "outputs": .object(outputs),
        ])
    }
}
