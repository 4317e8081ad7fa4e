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
    public var bytes: [UInt8] { bytes(reusing: nil) }

    /// The bytes a lock was read from and the records they hold, so a build that changed one
    /// stage of 1,000 copies the other records' bytes instead of writing them again.
    struct Read {
        let bytes: [UInt8]
        let records: [String: StageRecord]
        let spans: [String: Range<Int>]

        /// Nil when the records' byte ranges cannot be found (a key with escapes).
        init?(bytes: [UInt8], records: [String: StageRecord]) {
            guard let spans = LockFile.spans(of: bytes) else { return nil }
            self.bytes = bytes
            self.records = records
            self.spans = spans.records
        }
    }

    /// The byte ranges of a lock's version and of each stage's record, found without decoding
    /// them; nil when the file is not shaped as Lepton writes it (a key with escapes).
    static func spans(of bytes: [UInt8]) -> (version: Range<Int>, records: [String: Range<Int>])? {
        guard let top = JSONMemberSpans.of(bytes), let version = top["version"], let stages = top["stages"],
            let records = JSONMemberSpans.of(bytes, in: stages)
        else { return nil }
        return (version, records)
    }

    /// ``bytes``, with each record equal to the one `read` holds copied from its bytes.
    func bytes(reusing read: Read?) -> [UInt8] {
        var stream = JSONStream(pretty: true, capacity: stages.count * 1536 + 256)
        stream.beginObject()
        stream.key("generator")
        stream.string("lepton; commit this file, do not edit it by hand")
        stream.key("stages")
        stream.beginObject()
        for (name, record) in stages.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
            stream.key(name)
            if let read, let span = read.spans[name], read.records[name] == record {
                stream.raw(read.bytes[span])
            } else {
                record.write(to: &stream)
            }
        }
        stream.endObject()
        stream.key("version")
        stream.integer(LockFile.version)
        stream.endObject()
        return stream.finish()
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
