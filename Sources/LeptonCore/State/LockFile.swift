import LeptonSystem

/// `Lepton.lock`: per stage, the key, input digests and output digests of its last successful
/// build. Sorted, indented JSON, meant to be committed: with it and a cache, a fresh clone
/// knows what is up to date without running anything.
public struct LockFile: Sendable, Equatable {
    /// The format version written in the file.
    public static let version = 1
    /// The file name at the package root.
    public static let fileName = "Lepton.lock"

    /// Records by stage name.
    public var stages: [String: StageRecord]

    public init(stages: [String: StageRecord] = [:]) { self.stages = stages }

    /// The file's text.
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    /// The file's bytes: sorted, indented JSON, written member by member.
    public var bytes: [UInt8] {
        LockFile.bytes(stages: Set(stages.keys)) { name, stream in stages[name]?.write(to: &stream) }
    }

    /// A lock's bytes with a record for each of `names`, in order, written by `record` (which
    /// may copy a record's bytes from the file as read: they are at the same indentation).
    static func bytes(stages names: Set<String>, record: (String, inout JSONStream) -> Void) -> [UInt8] {
        var stream = JSONStream(pretty: true, capacity: names.count * 1536 + 256)
        stream.beginObject()
        stream.key("generator")
        stream.string("lepton; commit this file, do not edit it by hand")
        stream.key("stages")
        stream.beginObject()
        for name in names.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            stream.key(name)
            record(name, &stream)
        }
        stream.endObject()
        stream.key("version")
        stream.integer(LockFile.version)
        stream.endObject()
        return stream.finish()
    }

    /// The byte ranges of a lock's version and of each stage's record, found without decoding
    /// them; nil when the file is not shaped as Lepton writes it (a key with escapes).
    static func spans(of bytes: [UInt8]) -> (version: Range<Int>, records: [String: Range<Int>])? {
        guard let top = JSONMemberSpans.of(bytes), let version = top["version"], let stages = top["stages"],
            let records = JSONMemberSpans.of(bytes, in: stages)
        else { return nil }
        return (version, records)
    }

    /// The same bytes through a ``JSON`` tree: what ``bytes`` must equal.
    var treeBytes: [UInt8] {
        JSON.object([
            "version": .int(LockFile.version),
            "generator": .string("lepton; commit this file, do not edit it by hand"),
            "stages": .object(stages.mapValues(\.json)),
        ]).prettyBytes
    }

    /// Parses the file.
    ///
    /// - Throws: ``LeptonError/Code/corruptState`` naming the file and what is wrong; the
    ///   caller decides to start over with a warning.
    public init(bytes: [UInt8], path: String) throws(LeptonError) {
        let json: JSON
        do {
            json = try JSON.parse(bytes)
        } catch {
            throw LeptonError(.corruptState, "'\(path)' is not valid JSON (\(error)); Lepton will rebuild it")
        }
        guard json["version"]?.intValue == LockFile.version else {
            throw LeptonError(.corruptState, "'\(path)' has an unknown version; Lepton will rebuild it")
        }
        var stages: [String: StageRecord] = [:]
        for (name, value) in json["stages"]?.objectValue ?? [:] {
            guard let record = StageRecord(json: value) else {
                throw LeptonError(
                    .corruptState, "'\(path)': the entry of stage '\(name)' is damaged; Lepton will rebuild it")
            }
            stages[name] = record
        }
        self.stages = stages
    }
}
