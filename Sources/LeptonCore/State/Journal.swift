import LeptonSystem

#if canImport(Glibc)
    import Glibc
#endif

/// An append-only log of stage records finished since `Lepton.lock` was last written.
///
/// Writing the whole lock after every stage would cost O(stages²) on a large pipeline, so a
/// build appends one line per finished stage here and writes the lock once at the end. If
/// Lepton is killed, the next build replays the journal onto the lock it was based on, so only
/// stages that did not finish run again. A torn last line (a kill mid-write) is ignored.
public final class Journal: @unchecked Sendable {
    static let header = "# lepton journal v1 lock="

    private let path: String
    private var file: FileDescriptor?

    init(path: String) { self.path = path }

    /// The records a previous, interrupted build left, if they apply to a lock with this digest.
    static func replay(path: String, lockDigest: String, fileSystem: any FileSystem) -> [String: StageRecord] {
        guard let bytes = try? fileSystem.read(path) else { return [:] }
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)[...]
        guard let first = lines.popFirst(), String(decoding: first, as: UTF8.self) == header + lockDigest else {
            return [:]
        }
        // A complete line ends with "\n"; the element after the last newline is empty or torn.
        if !lines.isEmpty { lines.removeLast() }
        var records: [String: StageRecord] = [:]
        for line in lines {
            guard let json = try? JSON.parse(line), let name = json["stage"]?.stringValue,
                let value = json["record"], let record = StageRecord(json: value)
            else { continue }
            records[name] = record
        }
        return records
    }

    /// Starts a fresh journal for a lock with this digest (replacing any old one atomically).
    func start(lockDigest: String, fileSystem: any FileSystem) throws(LeptonError) {
        file = nil
        // Not flushed to disk: a lost header only makes the next build ignore a stale journal.
        try fileSystem.writeAtomically(Array((Journal.header + lockDigest + "\n").utf8), to: path, durable: false)
        do throws(LeptonError) {
            file = try fileSystem.open(path, .append)
        } catch {
            throw LeptonError.io("cannot open the journal '\(path)'", error.errno ?? .current)
        }
    }

    /// Appends one finished stage's record as a single write.
    func append(stage: String, record: StageRecord) {
        guard let file else { return }
        // Streamed (the same bytes as the tree's compact text): one line per stage a build runs.
        var stream = JSONStream(pretty: false, capacity: 2048)
        stream.beginObject()
        stream.key("record")
        record.write(to: &stream)
        stream.key("stage")
        stream.string(stage)
        stream.endObject()
        var bytes = stream.finish()
        bytes.append(UInt8(ascii: "\n"))
        file.writeAll(bytes)
    }
}
