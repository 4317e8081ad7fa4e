/// Why a stage must run (or be restored): the exact difference from its last successful build.
public enum RebuildReason: Sendable, Equatable, CustomStringConvertible {
    case newStage
    case forced
    case commandChanged
    /// A parameter's value changed; nil means added or removed.
    case paramChanged(key: String, old: String?, new: String?)
    case inputChanged(String)
    case inputAdded(String)
    case inputRemoved(String)
    case codeChanged(String)
    case codeAdded(String)
    case codeRemoved(String)
    case environmentChanged(String)
    case outputsDeclaredChanged
    case outputMissing(String)
    case outputModified(String)
    /// Dry run only: an upstream stage will run first, so this stage's inputs are not known yet.
    case upstreamWillRun(String)

    public var description: String {
        switch self {
        case .newStage: return "new stage"
        case .forced: return "forced"
        case .commandChanged: return "command changed"
        case .paramChanged(let key, let old, let new):
            switch (old, new) {
            case (nil, let new?): return "param \(key) added (\(new))"
            case (let old?, nil): return "param \(key) removed (was \(old))"
            default: return "param \(key) changed \(old ?? "") -> \(new ?? "")"
            }
        case .inputChanged(let path): return "input \(path) changed"
        case .inputAdded(let path): return "input \(path) added"
        case .inputRemoved(let path): return "input \(path) removed"
        case .codeChanged(let path): return "code \(path) changed"
        case .codeAdded(let path): return "code \(path) added"
        case .codeRemoved(let path): return "code \(path) removed"
        case .environmentChanged(let name): return "environment \(name) changed"
        case .outputsDeclaredChanged: return "declared outputs changed"
        case .outputMissing(let path): return "output \(path) missing"
        case .outputModified(let path): return "output \(path) modified"
        case .upstreamWillRun(let stage): return "upstream stage \(stage) will run first"
        }
    }

    /// The reasons a stage with record `new` differs from its last build `old`.
    static func differences(from old: StageRecord?, to new: StageRecord) -> [RebuildReason] {
        guard let old else { return [.newStage] }
        var reasons: [RebuildReason] = []
        if old.command != new.command { reasons.append(.commandChanged) }
        for key in Set(old.params.keys).union(new.params.keys).sorted() where old.params[key] != new.params[key] {
            reasons.append(.paramChanged(key: key, old: old.params[key], new: new.params[key]))
        }
        for name in Set(old.environment.keys).union(new.environment.keys).sorted()
        where old.environment[name] != new.environment[name] {
            reasons.append(.environmentChanged(name))
        }
        reasons += compare(
            old.code, new.code, changed: RebuildReason.codeChanged, added: RebuildReason.codeAdded,
            removed: RebuildReason.codeRemoved)
        reasons += compare(
            old.inputs, new.inputs, changed: RebuildReason.inputChanged, added: RebuildReason.inputAdded,
            removed: RebuildReason.inputRemoved)
        if reasons.isEmpty { reasons.append(.outputsDeclaredChanged) }
        return reasons
    }

    private static func compare(
        _ old: [String: String], _ new: [String: String], changed: (String) -> RebuildReason,
        added: (String) -> RebuildReason, removed: (String) -> RebuildReason
    ) -> [RebuildReason] {
        var reasons: [RebuildReason] = []
        for path in Set(old.keys).union(new.keys).sorted() {
            switch (old[path], new[path]) {
            case (nil, _?): reasons.append(added(path))
            case (_?, nil): reasons.append(removed(path))
            case (let a?, let b?) where a != b: reasons.append(changed(path))
            default: continue
            }
        }
        return reasons
    }
}
