import LeptonSystem

#if canImport(Glibc)
    import Glibc
#endif

/// The run history: one JSON file per recorded build in `.lepton/history/`, and the tags that
/// name runs in `.lepton/history/tags.json`. Files are written to a temporary name and renamed,
/// so a crash leaves either the old state or the new one; a damaged run file is skipped, never
/// fatal.
public struct RunHistory: Sendable {
    public let directory: String
    private let fileSystem = PosixFileSystem()

    public init(workspace: Workspace) {
        directory = workspace.stateDirectory + "/history"
    }

    var tagsFile: String { directory + "/tags.json" }

    /// A new run id for a build that started `nanoseconds` after 1970 (UTC):
    /// `YYYYMMDD-HHMMSS-mmm`. Builds of a package hold its build lock, so two never start in the
    /// same millisecond; ids sort by time.
    public static func newID(started nanoseconds: Int64) -> String {
        let seconds = Int(nanoseconds / 1_000_000_000)
        let milliseconds = Int(nanoseconds / 1_000_000 % 1000)
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let date = "\(parts.tm_year + 1900)\(two(parts.tm_mon + 1))\(two(parts.tm_mday))"
        let clock = "\(two(parts.tm_hour))\(two(parts.tm_min))\(two(parts.tm_sec))"
        let suffix = String(milliseconds)
        return "\(date)-\(clock)-\(String(repeating: "0", count: 3 - suffix.count))\(suffix)"
    }

    /// `id`, or `id-2`, `id-3`, … when the history already holds a run by that id: builds in a
    /// sweep's copies hold separate locks and can start in the same millisecond.
    public func unusedID(_ id: String) -> String {
        var candidate = id
        var number = 1
        while fileSystem.exists("\(directory)/\(candidate).json") {
            number += 1
            candidate = "\(id)-\(number)"
        }
        return candidate
    }

    /// Stores a run.
    ///
    /// - Throws: ``LeptonError`` with code ``LeptonError/Code/io`` when it cannot be written.
    public func record(_ run: RunRecord) throws(LeptonError) {
        try fileSystem.createDirectories(directory)
        try fileSystem.writeAtomically(
            run.compactBytes + [0x0A], to: "\(directory)/\(run.id).json", durable: false)
    }

    /// Every readable run, newest first.
    public func all() -> [RunRecord] {
        guard let entries = try? fileSystem.list(directory) else { return [] }
        return entries.filter { $0.name.hasSuffix(".json") && $0.name != "tags.json" }
            .compactMap { entry in
                guard let bytes = try? fileSystem.read("\(directory)/\(entry.name)"), let json = try? JSON.parse(bytes)
                else { return nil }
                return RunRecord(json: json)
            }
            .sorted { $0.id > $1.id }
    }

    /// The run a user names: a tag, an id, a unique id prefix, or `latest`.
    ///
    /// - Throws: ``LeptonError`` with code ``LeptonError/Code/unknownStage`` saying which runs
    ///   and tags exist when the name matches none or several.
    public func resolve(_ name: String) throws(LeptonError) -> RunRecord {
        let runs = all()
        if name == "latest", let first = runs.first { return first }
        if let id = tags()[name], let run = runs.first(where: { $0.id == id }) { return run }
        let matches = runs.filter { $0.id.hasPrefix(name) }
        if matches.count == 1 { return matches[0] }
        if matches.count > 1 {
            throw LeptonError(
                .unknownStage, "'\(name)' matches \(matches.count) runs; give more of the id (see 'lepton runs')")
        }
        let known = runs.prefix(3).map(\.id) + tags().keys.sorted()
        throw LeptonError(
            .unknownStage,
            "no run or tag '\(name)'"
                + (known.isEmpty
                    ? "; no run is recorded yet" : "; for example \(known.joined(separator: ", ")) (see 'lepton runs')")
        )
    }

    /// Tag names and the run ids they point to.
    public func tags() -> [String: String] {
        guard let bytes = try? fileSystem.read(tagsFile), let json = try? JSON.parse(bytes) else { return [:] }
        return (json.objectValue ?? [:]).compactMapValues(\.stringValue)
    }

    /// Points `name` at a run (moving it if it named another).
    public func tag(_ name: String, run: String) throws(LeptonError) {
        var all = tags()
        all[name] = run
        try writeTags(all)
    }

    /// Removes a tag; false if there was none.
    public func untag(_ name: String) throws(LeptonError) -> Bool {
        var all = tags()
        guard all.removeValue(forKey: name) != nil else { return false }
        try writeTags(all)
        return true
    }

    private func writeTags(_ tags: [String: String]) throws(LeptonError) {
        try fileSystem.createDirectories(directory)
        let json = JSON.object(tags.mapValues(JSON.string))
        try fileSystem.writeAtomically(Array(json.prettyText.utf8) + [0x0A], to: tagsFile)
    }

    /// The metrics of the newest successful run, by name and by `FILE:NAME` (the baseline of
    /// gates on `previous`); empty when there is none.
    public func lastSuccessfulMetrics() -> [String: Double] {
        guard let run = all().first(where: { $0.status == "succeeded" }) else { return [:] }
        return MetricsFile.byName(run.metrics)
    }

    /// The runs tags point to (whose objects garbage collection keeps).
    public func taggedRuns() -> [RunRecord] {
        let ids = Set(tags().values)
        return all().filter { ids.contains($0.id) }
    }
}
