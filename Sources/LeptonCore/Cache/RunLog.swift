import LeptonSystem
import Synchronization

/// The run-cache entries in one append-only file, `.lepton/cache/runs.log`: a line per entry,
/// `<key> <version 1 JSON, compact>\n`, the last line of a key winning.
///
/// One file instead of a file per entry: a cold build of 1,000 stages used to create 1,000
/// entry files and 256 fan-out folders, each an inode and a 4 KiB block for 250 bytes. An append
/// is one `write` under an exclusive `flock`. A line torn by a crash is ignored (it does not
/// parse), and the next append starts on a fresh line. Removing entries (`cache gc`) rewrites
/// the file under the same lock and renames the new one over it; an appender that waited on the
/// old file sees that the path names another file now and appends to the new one.
///
/// Lookups use an index of the file (key to line) read once and extended by the lines appended
/// since, by this or any other process: a key the index lacks makes it read the file's new tail
/// first, and a replaced file is read again from the start.
final class RunLog: Sendable {
    /// What the log holds for a key.
    enum Lookup: Equatable {
        case absent
        case damaged
        case found(RunCacheEntry)
    }

    private struct Index {
        var lines: [String: (offset: Int64, length: Int)] = [:]
        var length: Int64 = 0
        var file: (device: UInt64, inode: UInt64)?
    }

    let path: String
    private let fileSystem: any FileSystem
    private let index = Mutex(Index())
    /// The descriptor appends go through, open from one append to the next.
    private let appender = Mutex<FileDescriptor?>(nil)

    init(path: String, fileSystem: any FileSystem) {
        self.path = path
        self.fileSystem = fileSystem
    }

    // MARK: Reading

    /// The latest line for `key`.
    func lookup(_ key: String) -> Lookup {
        if let found = indexedEntry(key), case .found = found { return found }
        refresh()
        return indexedEntry(key) ?? .absent
    }

    /// The latest entry of every key, and the keys whose latest line is damaged.
    func all() -> (entries: [RunCacheEntry], damaged: [String]) {
        refresh()
        let file = try? fileSystem.open(path, .read)
        var entries: [RunCacheEntry] = []
        var damaged: [String] = []
        for key in index.withLock({ Array($0.lines.keys) }).sorted() {
            switch indexedEntry(key, in: file) {
            case .found(let entry): entries.append(entry)
            case .damaged: damaged.append(key)
            case .absent, nil: continue
            }
        }
        return (entries, damaged)
    }

    /// The indexed line of `key`, parsed (read through `file` when given, the log opened
    /// otherwise); nil when the index has none.
    private func indexedEntry(_ key: String, in file: FileDescriptor? = nil) -> Lookup? {
        guard let line = index.withLock({ $0.lines[key] }) else { return nil }
        guard let file = file ?? (try? fileSystem.open(path, .read)),
            let bytes = file.read(at: line.offset, count: line.length), bytes.count == line.length
        else { return .damaged }
        let json = bytes.dropFirst(key.utf8.count + 1)
        return RunCacheEntry(bytes: json, key: key).map { .found($0) } ?? .damaged
    }

    /// Indexes the lines appended since the last look, or the whole file when it was replaced.
    private func refresh() {
        guard let file = try? fileSystem.open(path, .read), let status = file.status() else {
            index.withLock { $0 = Index() }
            return
        }
        let (start, sameFile) = index.withLock { index in
            let same = index.file.map { $0 == (status.device, status.inode) } ?? false
            return (same && status.size >= index.length ? index.length : 0, same)
        }
        guard status.size > start || !sameFile else { return }
        guard let tail = file.read(at: start, count: Int(status.size - start)) else { return }
        var lines: [(key: String, offset: Int64, length: Int)] = []
        var lineStart = 0
        var consumed = 0
        for (position, byte) in tail.enumerated() where byte == UInt8(ascii: "\n") {
            if let key = RunLog.key(of: tail[lineStart..<position]) {
                lines.append((key, start + Int64(lineStart), position - lineStart))
            }
            lineStart = position + 1
            consumed = lineStart
        }
        index.withLock { index in
            if !sameFile || start == 0 { index = Index() }
            index.file = (status.device, status.inode)
            for line in lines { index.lines[line.key] = (line.offset, line.length) }
            // A line without its newline yet (being written, or torn) is read again next time.
            index.length = start + Int64(consumed)
        }
    }

    /// The key a line starts with (64 hex digits and a space), nil for a torn or foreign line.
    private static func key(of line: ArraySlice<UInt8>) -> String? {
        guard line.count > 65, line[line.startIndex + 64] == UInt8(ascii: " ") else { return nil }
        let key = String(decoding: line.prefix(64), as: UTF8.self)
        return ContentHash.isDigest(key) ? key : nil
    }

    // MARK: Writing

    /// Appends an entry as one line.
    func append(_ entry: RunCacheEntry) throws(LeptonError) {
        let line = Array("\(entry.key) \(entry.json.compactText)\n".utf8)
        try withLockedFile(mode: .append) { file, status throws(LeptonError) in
            // A crash mid-append leaves a line without its newline: start a fresh one.
            var bytes = line
            if status.size > 0, file.read(at: status.size - 1, count: 1) != [UInt8(ascii: "\n")] {
                bytes.insert(UInt8(ascii: "\n"), at: 0)
            }
            guard file.writeAll(bytes) else { throw LeptonError.io("cannot append to '\(path)'", .current) }
        }
    }

    /// Rewrites the log without the entries of `keys`, and without superseded, torn or foreign
    /// lines.
    func remove(_ keys: Set<String>) throws(LeptonError) {
        guard fileSystem.exists(path) else { return }
        try withLockedFile(mode: .readWrite) { file, status throws(LeptonError) in
            guard let bytes = file.read(at: 0, count: Int(status.size)) else {
                throw LeptonError.io("cannot read '\(path)'", .current)
            }
            var latest: [String: ArraySlice<UInt8>] = [:]
            var order: [String] = []
            for line in bytes.split(separator: UInt8(ascii: "\n")) {
                guard let key = RunLog.key(of: line), !keys.contains(key),
                    RunCacheEntry(bytes: line.dropFirst(65), key: key) != nil
                else { continue }
                if latest.updateValue(line, forKey: key) == nil { order.append(key) }
            }
            var kept: [UInt8] = []
            for key in order {
                if let line = latest[key] { kept += line + [UInt8(ascii: "\n")] }
            }
            try fileSystem.writeAtomically(kept, to: path, durable: false)
        }
        index.withLock { $0 = Index() }
    }

    /// Runs `body` with the log open and exclusively locked, the path still naming that file.
    ///
    /// Appends keep their descriptor open for the next append (an `open`, a `close` and a folder
    /// check saved per stage); it is opened again when the path names another file by then.
    /// The mutex is held throughout: `flock` does not exclude the threads sharing a descriptor.
    private func withLockedFile(
        mode: FileDescriptor.Mode, _ body: (FileDescriptor, FileStatus) throws(LeptonError) -> Void
    ) throws(LeptonError) {
        try appender.withLock { kept throws(LeptonError) in
            for _ in 0..<100 {
                let file: FileDescriptor
                if mode == .append, let open = kept {
                    file = open
                } else {
                    try fileSystem.createDirectories(RelativePath.parent(path) ?? ".")
                    do throws(LeptonError) {
                        file = try fileSystem.open(path, mode, permissions: 0o644)
                    } catch {
                        throw LeptonError.io("cannot open '\(path)'", error.errno ?? .current)
                    }
                }
                kept = mode == .append ? file : nil
                guard try file.lockExclusively(wait: true) else {
                    kept = nil
                    continue
                }
                defer { file.unlock() }
                guard let status = file.status() else { throw LeptonError.io("cannot read '\(path)'", .current) }
                // `cache gc` renamed a rewritten log over the one opened here (or the cache was
                // removed): use the file the path names now.
                guard let current = fileSystem.statusFollowingLinks(path), current.device == status.device,
                    current.inode == status.inode
                else {
                    kept = nil
                    continue
                }
                try body(file, status)
                return
            }
            throw LeptonError(.io, "'\(path)' kept being replaced while Lepton tried to lock it; run the command again")
        }
    }
}
