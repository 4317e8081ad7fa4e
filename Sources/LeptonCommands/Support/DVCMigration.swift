import LeptonCore
import LeptonSystem

/// `lepton init --from-dvc`: a Leptonfile written from a DVC project's `dvc.yaml` (and its `.dvc`
/// files), with what could not be translated said in notes — printed, and as comments in the
/// Leptonfile where it applies.
///
/// Stages keep their names and commands; `deps` split into `code` (source files by extension,
/// or under `src/`, `scripts/`) and `inputs`; `params` by key (`.key(K, file:)` for another
/// file; a whole file's keys listed one by one); `outs`, `plots` files and `metrics` become
/// outputs and metrics; `foreach` and `matrix` become Swift loops; `${item}` becomes Swift
/// interpolation and `${key}` a `{param:key}` the stage reads; `wdir` a `cd` in the command.
/// Data `dvc add` tracks (`*.dvc` files) becomes `Pipeline(data:)`.
struct DVCMigration {
    /// The Leptonfile's text.
    private(set) var leptonfile = ""
    /// What was not translated, one line each.
    private(set) var notes: [String] = []

    private let root: String
    private let fileSystem: any FileSystem
    private var lines: [String] = []
    private var loops: [String] = []
    private var producedPaths = Set<String>()
    /// Top-level `metrics:` files, by the stage whose output holds them.
    private var topLevelMetrics: [String: [String]] = [:]

    static let codeExtensions: Set<String> = [
        "py", "sh", "bash", "r", "jl", "ipynb", "swift", "js", "ts", "rb", "pl", "m", "scala", "java", "go", "rs",
        "cpp", "cc", "c", "h", "hpp", "lua", "kt", "sql",
    ]

    /// Translates `dvc.yaml` in `root`.
    ///
    /// - Throws: ``LeptonError`` naming `dvc.yaml` when it is missing or not valid YAML.
    init(root: String, fileSystem: any FileSystem = PosixFileSystem()) throws(LeptonError) {
        self.root = root
        self.fileSystem = fileSystem
        let path = root + "/dvc.yaml"
        guard fileSystem.exists(path) else {
            throw LeptonError(
                .usage, "there is no dvc.yaml in \(root); run `lepton init --from-dvc` in the DVC project")
        }
        let bytes = try fileSystem.read(path)
        let document = try ParamsFile(path: "dvc.yaml", bytes: bytes).root
        let order = DVCMigration.stageOrder(String(decoding: bytes, as: UTF8.self))
        let stages = document["stages"]?.objectValue ?? [:]
        let names = order.filter { stages[$0] != nil } + stages.keys.filter { !order.contains($0) }.sorted()
        for name in names {
            for out in DVCMigration.pathList(stages[name]?["outs"]) + DVCMigration.pathList(stages[name]?["metrics"]) {
                producedPaths.insert(DVCMigration.join(stages[name]?["wdir"]?.stringValue, out.path))
            }
        }
        // Top-level metrics files belong to the stage whose outputs hold them.
        for metric in DVCMigration.pathList(document["metrics"]).map(\.path) {
            let owner = names.first { name in
                DVCMigration.pathList(stages[name]?["outs"]).contains {
                    let out = DVCMigration.join(stages[name]?["wdir"]?.stringValue, $0.path)
                    return out == metric || RelativePath.isWithin(metric, out)
                }
            }
            if let owner {
                topLevelMetrics[owner, default: []].append(metric)
            } else {
                notes.append("metrics file \(metric) (top-level metrics:) is written by no stage's outs")
            }
        }
        for key in ["artifacts", "params"] where document[key] != nil {
            notes.append("dvc.yaml's top-level '\(key):' is not translated")
        }
        let plots = (document["plots"]?.arrayValue ?? []).compactMap { plot(from: $0, owner: "plots:") }
        if document["vars"] != nil {
            notes.append("dvc.yaml's 'vars:' are not translated; `${...}` of params.yaml keys become {param:KEY}")
        }
        for name in names {
            guard let stage = stages[name] else { continue }
            translate(name, stage)
        }
        let data = trackedData()
        var text = [
            "// lepton-tools-version: 0.1",
            "// Written from dvc.yaml by `lepton init --from-dvc`; see docs/migrating-from-dvc.md.",
            "import LeptonDescription",
            "",
            "let pipeline = Pipeline(",
            "    name: \(DVCMigration.literal(DVCMigration.lastComponent(root))),",
            "    params: \"params.yaml\",",
            "    stages: [",
        ]
        text += lines
        text.append("    ]\(data.isEmpty && plots.isEmpty ? "" : ",")")
        if !data.isEmpty {
            text.append("    // Data `dvc add` tracked (its .dvc files): Lepton records it in Lepton.data.")
            text.append(
                "    data: [\(data.map { DVCMigration.literal($0) }.joined(separator: ", "))]\(plots.isEmpty ? "" : ",")"
            )
        }
        if !plots.isEmpty {
            text.append("    plots: [")
            text += plots.map { "        \($0)," }
            text.append("    ]")
        }
        text.append(")")
        text += loops
        if !notes.isEmpty {
            text.append("")
            text.append("// Not translated:")
            text += notes.map { "// - " + $0 }
        }
        leptonfile = text.joined(separator: "\n") + "\n"
    }

    /// One stage, or the loop of a `foreach` / `matrix` stage.
    private mutating func translate(_ name: String, _ stage: JSON) {
        if let foreach = stage["foreach"] {
            let body = stage["do"] ?? .object([:])
            let values: [JSON]
            if let list = foreach.arrayValue {
                values = list
            } else if let map = foreach.objectValue {
                values = map.keys.sorted().map { JSON.string($0) }
                notes.append(
                    "stage '\(name)': foreach over a dictionary loops over its keys; ${item.FIELD} is not translated")
            } else {
                notes.append("stage '\(name)': foreach over '\(foreach.compactText)' (a variable) is not translated")
                return
            }
            let items = values.map(DVCMigration.swiftValue).joined(separator: ", ")
            var body0 = stageLines(
                name: "\\(item)", prefix: name + "-", body, indent: "    ", loopVariables: ["item": "item"])
            body0[0] = "    pipeline.stages.append(" + body0[0].drop { $0 == " " }
            body0[body0.count - 1] = String(body0[body0.count - 1].dropLast()) + ")"
            loops.append("")
            loops.append("// foreach: \(name)@item in dvc.yaml")
            loops.append("for item in [\(items)] {")
            loops += body0
            loops.append("}")
            return
        }
        if let matrix = stage["matrix"]?.objectValue {
            let keys = matrix.keys.sorted()
            var variables: [String: String] = [:]
            for key in keys { variables["item.\(key)"] = DVCMigration.identifier(key) }
            let suffix = keys.map { "\\(\(DVCMigration.identifier($0)))" }.joined(separator: "-")
            var body = stageLines(name: suffix, prefix: name + "-", stage, indent: "    ", loopVariables: variables)
            body[0] = "    pipeline.stages.append(" + body[0].drop { $0 == " " }
            body[body.count - 1] = String(body[body.count - 1].dropLast()) + ")"
            loops.append("")
            loops.append("// matrix: \(name)@… in dvc.yaml")
            for (depth, key) in keys.enumerated() {
                let values = (matrix[key]?.arrayValue ?? []).map(DVCMigration.swiftValue).joined(separator: ", ")
                loops.append(
                    String(repeating: "    ", count: depth) + "for \(DVCMigration.identifier(key)) in [\(values)] {")
            }
            loops += body.map { String(repeating: "    ", count: max(0, keys.count - 1)) + $0 }
            for depth in (0..<keys.count).reversed() { loops.append(String(repeating: "    ", count: depth) + "}") }
            return
        }
        lines += stageLines(name: name, prefix: "", stage, indent: "        ", loopVariables: [:])
    }

    /// A `.stage(…)` call, ending with a comma, one argument per line.
    private mutating func stageLines(
        name: String, prefix: String, _ stage: JSON, indent: String, loopVariables: [String: String]
    ) -> [String] {
        let label = prefix + name
        let wdir = stage["wdir"]?.stringValue.flatMap { $0 == "." ? nil : $0 }
        var params: [String] = []
        var paramKeys = Set<String>()
        for entry in stage["params"]?.arrayValue ?? [] {
            if let key = entry.stringValue {
                params.append(DVCMigration.literal(key))
                paramKeys.insert(key)
            } else if let files = entry.objectValue {
                for (file, keys) in files.sorted(by: { $0.key < $1.key }) {
                    var listed = (keys.arrayValue ?? []).compactMap(\.stringValue)
                    if keys.arrayValue == nil || listed.isEmpty {
                        // DVC tracks the whole file: list its keys.
                        let bytes = (try? fileSystem.read(root + "/" + DVCMigration.join(wdir, file))) ?? []
                        listed = ((try? ParamsFile(path: file, bytes: bytes))?.leafKeys ?? []).sorted()
                        notes.append("stage '\(label)': every key of \(file) is listed; a new key there needs adding")
                    }
                    for key in listed {
                        params.append(".key(\(DVCMigration.literal(key)), file: \(DVCMigration.literal(file)))")
                    }
                }
            }
        }
        var command = DVCMigration.commandText(stage["cmd"])
        // ${item}, ${item.key}: the loop's variables; ${key}: a parameter the stage reads.
        command = DVCMigration.substitute(command, variables: loopVariables) { key in
            if !paramKeys.contains(key) {
                paramKeys.insert(key)
                params.append(DVCMigration.literal(key))
            }
        }
        if let wdir { command = "cd \(wdir) && " + command }
        var inputs: [String] = []
        var code: [String] = []
        for dependency in DVCMigration.pathList(stage["deps"]) {
            let path = DVCMigration.join(wdir, dependency.path)
            let literal = DVCMigration.literal(DVCMigration.interpolated(path, loopVariables))
            if !producedPaths.contains(path) && DVCMigration.isCode(path) {
                code.append(literal)
            } else {
                inputs.append(literal)
            }
        }
        var outputs: [String] = []
        var comments: [String] = []
        let declared = DVCMigration.pathList(stage["outs"]) + DVCMigration.pathList(stage["plots"])
        // A plot file inside one of the stage's output folders is part of that folder.
        let outs = declared.filter { out in
            !declared.contains { $0.path != out.path && RelativePath.isWithin(out.path, $0.path) }
        }
        for out in outs {
            outputs.append(
                DVCMigration.literal(DVCMigration.interpolated(DVCMigration.join(wdir, out.path), loopVariables)))
            if out.options["cache"]?.boolValue == false {
                comments.append("\(out.path) had cache: false in DVC; Lepton caches every output")
            }
            if out.options["persist"]?.boolValue == true {
                notes.append(
                    "stage '\(label)': \(out.path) had persist: true; Lepton saves an output to the cache and removes it before the stage runs"
                )
            }
        }
        let stagePlots = (stage["plots"]?.arrayValue ?? []).compactMap { entry -> String? in
            guard let plot = plot(from: entry, owner: "stage '\(label)'", folder: wdir) else { return nil }
            return loopVariables.isEmpty ? plot : DVCMigration.interpolated(plot, loopVariables)
        }
        let metrics =
            DVCMigration.pathList(stage["metrics"]).map {
                DVCMigration.literal(DVCMigration.interpolated(DVCMigration.join(wdir, $0.path), loopVariables))
            } + (loopVariables.isEmpty ? topLevelMetrics[name, default: []].map { DVCMigration.literal($0) } : [])
        if stage["frozen"]?.boolValue == true {
            notes.append("stage '\(label)' was frozen in DVC; Lepton has no frozen stages")
        }
        if stage["always_changed"]?.boolValue == true {
            notes.append(
                "stage '\(label)' had always_changed: true; use `lepton build --force \(label)` where that mattered")
        }
        if let description = stage["desc"]?.stringValue { comments.insert(description, at: 0) }
        let nameLiteral = "\"" + DVCMigration.escaped(prefix) + name + "\""
        var result = comments.map { indent + "// " + $0 }
        result.append(indent + ".stage(")
        var arguments = [
            "name: \(nameLiteral)",
            "command: \(DVCMigration.literal(command, keepingInterpolation: !loopVariables.isEmpty))",
        ]
        if !inputs.isEmpty { arguments.append("inputs: [\(inputs.joined(separator: ", "))]") }
        if !code.isEmpty { arguments.append("code: [\(code.joined(separator: ", "))]") }
        if !params.isEmpty { arguments.append("params: [\(params.joined(separator: ", "))]") }
        if !outputs.isEmpty { arguments.append("outputs: [\(outputs.joined(separator: ", "))]") }
        if !metrics.isEmpty { arguments.append("metrics: [\(metrics.joined(separator: ", "))]") }
        for (index, argument) in arguments.enumerated() {
            result.append(indent + "    " + argument + (index == arguments.count - 1 ? "" : ","))
        }
        if stagePlots.isEmpty {
            result.append(indent + "),")
        } else {
            result.append(indent + ")")
            result.append(indent + "    .plots(" + stagePlots.joined(separator: ", ") + "),")
        }
        return result
    }

    /// DVC's template names and the DSL's.
    static let templates = [
        "linear": ".linear", "simple": ".simple", "scatter": ".scatter", "smooth": ".smooth",
        "confusion": ".confusion", "confusion_normalized": ".confusionNormalized", "bar_horizontal": ".bar",
        "bar_horizontal_sorted": ".barSorted",
    ]

    /// A `.plot(…)` or `.image(…)` for one `plots:` entry: a path, `PATH: {x, y, template, …}`, or
    /// `NAME: {x, y: {FILE: FIELD(S)}, …}`; nil (with a note) when it is none of these.
    private mutating func plot(from entry: JSON, owner: String, folder: String? = nil) -> String? {
        var key: String
        let options: [String: JSON]
        if let path = entry.stringValue {
            key = path
            options = [:]
        } else if let object = entry.objectValue, object.count == 1, let (name, value) = object.first {
            key = name
            options = value.objectValue ?? [:]
        } else {
            notes.append("\(owner): plot \(entry.compactText) is not translated")
            return nil
        }
        // A path plot's key is its file, relative to the stage's wdir.
        if options["y"]?.objectValue == nil { key = DVCMigration.join(folder, key) }
        let suffix = key.split(separator: ".").last.map { $0.lowercased() } ?? ""
        if PlotSpec.imageSuffixes.contains(suffix) {
            return ".image(\(DVCMigration.literal(key)))"
        }
        var template = ""
        if let name = options["template"]?.stringValue {
            if let known = DVCMigration.templates[name] {
                template = name == "linear" ? "" : ", template: \(known)"
            } else {
                notes.append(
                    "\(owner): plot '\(key)' uses template '\(name)', which Lepton does not have; it is drawn as linear"
                )
            }
        }
        // x may name a field per file ({file: field}); Lepton takes one x for every file.
        var x = options["x"]?.stringValue
        if x == nil, let perFile = options["x"]?.objectValue {
            let fields = Set(perFile.values.compactMap(\.stringValue))
            x = perFile.keys.sorted().first.flatMap { perFile[$0]?.stringValue }
            if fields.count > 1 {
                notes.append("\(owner): plot '\(key)' has an x field per file; Lepton uses '\(x ?? "")' for all")
            }
        }
        var labels = ""
        if let title = options["title"]?.stringValue, options["y"]?.objectValue == nil {
            labels += ", title: \(DVCMigration.literal(title))"
        }
        if let label = options["x_label"]?.stringValue { labels += ", xLabel: \(DVCMigration.literal(label))" }
        if let label = options["y_label"]?.stringValue { labels += ", yLabel: \(DVCMigration.literal(label))" }
        let xArgument = x.map { ", x: \(DVCMigration.literal($0))" } ?? ""
        if let files = options["y"]?.objectValue {
            // Several files, one chart: file → field(s), in dvc.yaml's order of keys (sorted here).
            var pairs: [String] = []
            for file in files.keys.sorted() {
                let fields =
                    files[file]?.stringValue.map { [$0] } ?? (files[file]?.arrayValue ?? []).compactMap(\.stringValue)
                let path = DVCMigration.literal(DVCMigration.join(folder, file))
                for field in fields { pairs.append("\(path): \(DVCMigration.literal(field))") }
            }
            guard !pairs.isEmpty else {
                notes.append("\(owner): plot '\(key)' names no field of its files")
                return nil
            }
            let title = options["title"]?.stringValue ?? key
            return
                ".plot(\(DVCMigration.literal(title))\(xArgument), y: [\(pairs.joined(separator: ", "))]\(template)\(labels))"
        }
        var yArgument = ""
        if let field = options["y"]?.stringValue {
            yArgument = ", y: \(DVCMigration.literal(field))"
        } else if let fields = options["y"]?.arrayValue {
            yArgument =
                ", y: [\(fields.compactMap(\.stringValue).map { DVCMigration.literal($0) }.joined(separator: ", "))]"
        }
        return ".plot(\(DVCMigration.literal(key))\(xArgument)\(yArgument)\(template)\(labels))"
    }

    /// The paths of `.dvc` files' `outs`, relative to the package root.
    private func trackedData() -> [String] {
        var found: [String] = []
        var folders = [""]
        var visited = 0
        while let folder = folders.popLast(), visited < 20_000 {
            for entry in (try? fileSystem.list(folder.isEmpty ? root : root + "/" + folder)) ?? [] {
                visited += 1
                let relative = folder.isEmpty ? entry.name : folder + "/" + entry.name
                if entry.kind == .directory {
                    if ![".git", ".dvc", ".lepton", ".build", "node_modules", ".venv"].contains(entry.name) {
                        folders.append(relative)
                    }
                } else if entry.name.hasSuffix(".dvc"), let bytes = try? fileSystem.read(root + "/" + relative),
                    let pointer = try? ParamsFile(path: relative, bytes: bytes).root
                {
                    for out in DVCMigration.pathList(pointer["outs"]) {
                        found.append(DVCMigration.join(folder.isEmpty ? nil : folder, out.path))
                    }
                }
            }
        }
        return found.sorted()
    }

    // MARK: - Text

    /// Top-level stage names in the order dvc.yaml lists them.
    static func stageOrder(_ text: String) -> [String] {
        var names: [String] = []
        var inStages = false
        var indent: Int?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("stages:") {
                inStages = true
                continue
            }
            guard inStages else { continue }
            if let first = line.first, first != " " && first != "#" { break }
            let spaces = line.prefix { $0 == " " }.count
            let rest = line.dropFirst(spaces)
            guard !rest.isEmpty, !rest.hasPrefix("#"), let colon = rest.firstIndex(of: ":") else { continue }
            if indent == nil { indent = spaces }
            if spaces == indent { names.append(rest[..<colon].trimmingCharacters(in: "\"' ")) }
        }
        return names
    }

    /// A `deps`/`outs`/`metrics` list: strings, or one-key dictionaries with options.
    static func pathList(_ value: JSON?) -> [(path: String, options: [String: JSON])] {
        (value?.arrayValue ?? []).compactMap { entry in
            if let path = entry.stringValue { return (path, [:]) }
            guard let object = entry.objectValue else { return nil }
            // A .dvc file's `outs`: {path: …, md5: …}; dvc.yaml's: {PATH: {cache: false}}.
            if let path = object["path"]?.stringValue { return (path, object) }
            guard let (path, options) = object.first else { return nil }
            return (path, options.objectValue ?? [:])
        }
    }

    static func commandText(_ value: JSON?) -> String {
        if let list = value?.arrayValue { return list.compactMap(\.stringValue).joined(separator: " && ") }
        return value?.stringValue ?? "true"
    }

    static func lastComponent(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    static func join(_ folder: String?, _ path: String) -> String {
        guard let folder, !folder.isEmpty, folder != "." else { return path }
        return RelativePath.normalize(folder + "/" + path) ?? folder + "/" + path
    }

    static func isCode(_ path: String) -> Bool {
        let name = DVCMigration.lastComponent(path)
        if let dot = name.lastIndex(of: "."), codeExtensions.contains(name[name.index(after: dot)...].lowercased()) {
            return true
        }
        return ["src/", "scripts/", "code/"].contains { path.hasPrefix($0) } && name.contains(".")
    }

    /// `${…}` replaced: loop variables by Swift interpolation, other keys by `{param:KEY}`.
    static func substitute(_ text: String, variables: [String: String], parameter: (String) -> Void) -> String {
        var result = ""
        var rest = Substring(text)
        while let start = rest.firstRange(of: "${"), let end = rest[start.upperBound...].firstIndex(of: "}") {
            result += escapedPart(rest[..<start.lowerBound], interpolating: !variables.isEmpty)
            let key = String(rest[start.upperBound..<end])
            if let variable = variables[key] {
                result += "\\(\(variable))"
            } else {
                parameter(key)
                result += "{param:\(key)}"
            }
            rest = rest[rest.index(after: end)...]
        }
        return result + escapedPart(rest, interpolating: !variables.isEmpty)
    }

    private static func escapedPart(_ text: Substring, interpolating: Bool) -> String {
        interpolating ? escaped(String(text)) : String(text)
    }

    /// A path with `${item…}` as Swift interpolation.
    static func interpolated(_ path: String, _ variables: [String: String]) -> String {
        guard !variables.isEmpty else { return path }
        return substitute(path, variables: variables) { _ in }
    }

    /// A Swift string literal; text already escaped (with interpolation) is kept as it is.
    static func literal(_ text: String, keepingInterpolation: Bool = false) -> String {
        if keepingInterpolation || text.contains("\\(") { return "\"" + text + "\"" }
        return "\"" + escaped(text) + "\""
    }

    static func escaped(_ text: String) -> String { BackslashEscaping.escape(text) }

    static func swiftValue(_ value: JSON) -> String {
        if let number = value.doubleValue, case .number(let text) = value { return number.isFinite ? text : "0" }
        return literal(value.stringValue ?? value.compactText)
    }

    static func identifier(_ key: String) -> String {
        let cleaned = String(key.map { $0.isLetter || $0.isNumber ? $0 : "_" })
        return cleaned.first?.isNumber == true ? "_" + cleaned : cleaned
    }
}
