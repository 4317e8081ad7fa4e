/// The stat cache file as loaded: its bytes and an open-addressing table of entry offsets by
/// path, so a command that looks up ten paths decodes ten entries, not the eleven thousand the
/// file holds (`lepton status` with one stale stage of 1,000 spent a tenth of its CPU decoding
/// them into a dictionary).
///
/// The format is ``StatCache``'s: magic, version, a count, then per entry the path length and
/// bytes, six 64-bit fields and the 32-byte digest; a later entry of a path wins, and a damaged
/// or torn tail leaves the entries before it.
struct StatCacheFile: Sendable {
    private let bytes: [UInt8]
    /// Offset + 1 of each path's entry (0: empty), at the slot its path hashes to, probed linearly.
    private let slots: [Int32]
    /// The number of distinct paths.
    let count: Int
    /// Whether the bytes end exactly after a whole entry.
    let clean: Bool

    /// An empty file.
    init() {
        bytes = []
        slots = []
        count = 0
        clean = false
    }

    /// Indexes `bytes`; another format or version gives an empty file.
    init(bytes: [UInt8]) {
        let (offsets, clean) = StatCacheFile.entryOffsets(bytes)
        var slots = [Int32](repeating: 0, count: StatCacheFile.slotCount(for: offsets.count))
        var count = 0
        bytes.withUnsafeBytes { raw in
            let mask = slots.count - 1
            for offset in offsets {
                let path = StatCacheFile.path(at: offset, in: raw)
                var slot = Int(truncatingIfNeeded: StatCacheFile.hash(path)) & mask
                while slots[slot] != 0 {
                    if StatCacheFile.path(at: Int(slots[slot]) - 1, in: raw).elementsEqual(path) { break }
                    slot = (slot + 1) & mask
                }
                if slots[slot] == 0 { count += 1 }
                slots[slot] = Int32(offset + 1)
            }
        }
        self.bytes = bytes
        self.slots = slots
        self.count = count
        self.clean = clean
    }

    /// The entry of `path`, if the file has one.
    func entry(for path: String) -> StatCache.Entry? {
        guard !slots.isEmpty else { return nil }
        var path = path
        return path.withUTF8 { wanted in
            bytes.withUnsafeBytes { raw -> StatCache.Entry? in
                let mask = slots.count - 1
                var slot = Int(truncatingIfNeeded: StatCacheFile.hash(UnsafeRawBufferPointer(wanted))) & mask
                while slots[slot] != 0 {
                    let offset = Int(slots[slot]) - 1
                    if StatCacheFile.path(at: offset, in: raw).elementsEqual(UnsafeRawBufferPointer(wanted)) {
                        return StatCacheFile.entry(at: offset, in: raw)
                    }
                    slot = (slot + 1) & mask
                }
                return nil
            }
        }
    }

    /// Calls `body` with each path and its entry's bytes as written (the latest of each path).
    func forEach(_ body: (String, UnsafeRawBufferPointer) -> Void) {
        bytes.withUnsafeBytes { raw in
            for slot in slots where slot != 0 {
                let offset = Int(slot) - 1
                let path = StatCacheFile.path(at: offset, in: raw)
                let end = offset + 4 + path.count + StatCacheFile.fieldBytes
                body(String(decoding: path, as: UTF8.self), UnsafeRawBufferPointer(rebasing: raw[offset..<end]))
            }
        }
    }

    /// Six 64-bit fields and the 32-byte digest after each path.
    static let fieldBytes = 48 + 32

    /// Where each whole entry starts, and whether the bytes end after the last one.
    private static func entryOffsets(_ bytes: [UInt8]) -> (offsets: [Int], clean: Bool) {
        bytes.withUnsafeBytes { raw -> ([Int], Bool) in
            guard raw.count >= 16, raw.prefix(8).elementsEqual(StatCache.magic),
                raw.loadUnaligned(fromByteOffset: 8, as: UInt32.self) == StatCache.version
            else { return ([], false) }
            var offsets: [Int] = []
            offsets.reserveCapacity(Int(raw.loadUnaligned(fromByteOffset: 12, as: UInt32.self)))
            var offset = 16
            while offset + 4 <= raw.count {
                let length = Int(raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
                let end = offset + 4 + length + fieldBytes
                guard length > 0, end <= raw.count, end < Int(Int32.max) else { break }
                offsets.append(offset)
                offset = end
            }
            return (offsets, offset == raw.count)
        }
    }

    /// A power of two at least twice `entries` (half full at most).
    private static func slotCount(for entries: Int) -> Int {
        var count = 16
        while count < entries * 2 { count *= 2 }
        return count
    }

    private static func path(at offset: Int, in raw: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        let length = Int(raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
        return UnsafeRawBufferPointer(rebasing: raw[(offset + 4)..<(offset + 4 + length)])
    }

    private static func entry(at offset: Int, in raw: UnsafeRawBufferPointer) -> StatCache.Entry {
        let fields = offset + 4 + path(at: offset, in: raw).count
        func field(_ index: Int) -> Int64 { raw.loadUnaligned(fromByteOffset: fields + 8 * index, as: Int64.self) }
        return StatCache.Entry(
            device: UInt64(bitPattern: field(0)), inode: UInt64(bitPattern: field(1)), size: field(2),
            mtime: field(3), ctime: field(4), recordedAt: field(5),
            digest: ContentHash.hex(UnsafeRawBufferPointer(rebasing: raw[(fields + 48)..<(fields + 80)])))
    }

    /// FNV-1a over the path's bytes (the table is rebuilt on every load, so no seed is needed).
    private static func hash(_ path: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in path { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash
    }
}
