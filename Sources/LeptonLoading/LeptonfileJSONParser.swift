import LeptonCore
import LeptonMetrics
import LeptonSystem

/// Decodes the envelope an evaluated Leptonfile writes and converts it to the host model,
/// normalising paths and collecting every problem (like SwiftPM's `ManifestJSONParser`).
enum LeptonfileJSONParser {
    static func parse(_ bytes: [UInt8], leptonfile: String) throws(LeptonError) -> PipelineDescription {
        try convert(try decode(bytes, leptonfile: leptonfile), leptonfile: leptonfile)
    }

    /// The envelope an evaluated Leptonfile wrote, of this DSL's version.
    static func decode(_ bytes: [UInt8], leptonfile: String) throws(LeptonError) -> Serialization.Envelope {
        // The version comes first: a mismatch means a mismatched LeptonDescription library.
        guard let json = try? JSON.parse(bytes), let version = json["version"]?.intValue else {
            throw LeptonError(.leptonfileCrash, "'\(leptonfile)' wrote an unreadable description")
        }
        guard version == LeptonDescriptionVersion.current else {
            throw LeptonError(
                .leptonfileVersion,
                "'\(leptonfile)' wrote description version \(version), but this lepton reads version \(LeptonDescriptionVersion.current), indicating use of a mismatched LeptonDescription library"
            )
        }
        let envelope: Serialization.Envelope
        do {
            envelope = try JSONValueDecoder().decode(Serialization.Envelope.self, from: json)
        } catch {
            throw LeptonError(.leptonfileCrash, "'\(leptonfile)' wrote a damaged description: \(error)")
        }
        return envelope
    }

    /// Converts a decoded envelope (an evaluated Leptonfile's, or ``LiteralLeptonfile``'s).
    static func convert(_ envelope: Serialization.Envelope, leptonfile: String) throws(LeptonError)
        -> PipelineDescription
    {
        var problems = envelope.errors
        guard let serialized = envelope.pipeline else {
            throw LeptonError(.invalidPipeline, report(problems, leptonfile))
        }
        var plots = (serialized.plots ?? []).compactMap { plot(from: $0, stage: nil, problems: &problems) }
        let stages = serialized.stages.map { stage in
            var converted = convert(stage, defaults: serialized.resources, problems: &problems)
            let declared = (stage.plots ?? []).compactMap { plot(from: $0, stage: stage.name, problems: &problems) }
            // A stage's plot files are its outputs, unless an output (or a folder output) covers them.
            for file in declared.flatMap(\.files) {
                let covered =
                    converted.metrics.contains(file)
                    || converted.outputs.contains { $0.path == file || file.hasPrefix($0.path + "/") }
                if !covered { converted.outputs.append(PathSpec(kind: .file, path: file)) }
            }
            plots += declared
            return converted
        }
        let paramsFile = RelativePath.normalize(serialized.params) ?? serialized.params
        let gates = serialized.gates ?? []
        for gate in gates {
            do throws(MetricGateError) {
                _ = try MetricGate(parsing: gate)
            } catch {
                problems.append("pipeline gate: \(error.message)")
            }
        }
        var trackedData: [String] = []
        for path in serialized.data ?? [] {
            if let normalized = RelativePath.normalize(path), !normalized.isEmpty, normalized != "." {
                trackedData.append(normalized)
            } else {
                problems.append(
                    "tracked data '\(path)' is outside the package root; use a relative path inside the package")
            }
        }
        guard problems.isEmpty else { throw LeptonError(.invalidPipeline, report(problems, leptonfile)) }
        return PipelineDescription(
            name: serialized.name, paramsFile: paramsFile, stages: stages, gates: gates, trackedData: trackedData,
            plots: plots)
    }

    /// A declared plot with its paths normalised; nil (and a problem) when a path leaves the
    /// package, the template is unknown, or a file is of a kind it cannot draw.
    private static func plot(from plot: Serialization.Plot, stage: String?, problems: inout [String]) -> PlotSpec? {
        let owner = stage.map { "stage '\($0)': plot" } ?? "plot"
        let label = plot.title ?? plot.sources.first?.file ?? ""
        guard let template = PlotSpec.Template(rawValue: plot.template) else {
            problems.append("\(owner) '\(label)': unknown template '\(plot.template)'")
            return nil
        }
        var sources: [PlotSpec.Source] = []
        for source in plot.sources {
            guard let file = RelativePath.normalize(source.file), !file.isEmpty, file != "." else {
                problems.append(
                    "\(owner) '\(label)': file '\(source.file)' is outside the package root; use a relative path inside the package"
                )
                return nil
            }
            let suffix = file.split(separator: ".").last.map { $0.lowercased() } ?? ""
            let kinds = template == .image ? PlotSpec.imageSuffixes : PlotSpec.dataSuffixes
            guard file.contains("."), kinds.contains(suffix) else {
                let expected = kinds.map { ".\($0)" }.joined(separator: ", ")
                problems.append(
                    template == .image
                        ? "\(owner) '\(label)': '\(file)' is not an image (\(expected))"
                        : "\(owner) '\(label)': '\(file)' is not a data file it can read (\(expected)); use .image(...) for pictures"
                )
                return nil
            }
            sources.append(PlotSpec.Source(file: file, field: source.field))
        }
        return PlotSpec(
            title: plot.title, template: template, x: plot.x, sources: sources, xLabel: plot.xLabel,
            yLabel: plot.yLabel, stage: stage)
    }

    private static func report(_ problems: [String], _ leptonfile: String) -> String {
        "'\(leptonfile)' has \(problems.count) problem(s):\n"
            + problems.map { "  error: \($0)" }.joined(separator: "\n")
    }

    private static func convert(
        _ stage: Serialization.Stage, defaults: Serialization.Resources?, problems: inout [String]
    ) -> StageDescription {
        func paths(_ items: [Serialization.Path], _ what: String) -> [PathSpec] {
            items.compactMap { item in
                guard let kind = PathSpec.Kind(rawValue: item.kind) else {
                    problems.append("stage '\(stage.name)': unknown \(what) kind '\(item.kind)'")
                    return nil
                }
                if kind == .target || kind == .glob { return PathSpec(kind: kind, path: item.path) }
                guard let normalized = RelativePath.normalize(item.path) else {
                    problems.append(
                        "stage '\(stage.name)': \(what) '\(item.path)' is outside the package root; use a relative path inside the package"
                    )
                    return nil
                }
                return PathSpec(kind: kind, path: normalized)
            }
        }
        let command: CommandDescription
        if let line = stage.command.shell {
            command = .shell(line)
        } else if let arguments = stage.command.tool {
            command = .tool(arguments, settings: stage.command.toolSettings ?? [])
        } else if let product = stage.command.product {
            if product.configuration != "debug" && product.configuration != "release" {
                problems.append(
                    "stage '\(stage.name)': product configuration '\(product.configuration)' is neither debug nor release"
                )
            }
            command = .product(product.name, arguments: product.arguments, configuration: product.configuration)
        } else {
            command = .exec(stage.command.exec ?? [])
        }
        let params = stage.params.map { parameter in
            ParameterSpec(
                key: parameter.key, file: parameter.file.map { RelativePath.normalize($0) ?? $0 },
                inline: parameter.value.map(inlineText))
        }
        var metrics: [String] = []
        for metric in stage.metrics {
            if let normalized = RelativePath.normalize(metric) {
                metrics.append(normalized)
            } else {
                problems.append("stage '\(stage.name)': metrics file '\(metric)' is outside the package root")
            }
        }
        let gates = stage.gates ?? []
        for gate in gates {
            do throws(MetricGateError) {
                let parsed = try MetricGate(parsing: gate)
                if metrics.isEmpty {
                    problems.append(
                        "stage '\(stage.name)': gate '\(parsed)' needs metrics files; declare them with metrics:")
                }
            } catch {
                problems.append("stage '\(stage.name)': \(error.message)")
            }
        }
        return StageDescription(
            name: stage.name, command: command, inputs: paths(stage.inputs, "input"),
            code: paths(stage.code, "code input"),
            params: params, environment: stage.environment, outputs: paths(stage.outputs, "output"), metrics: metrics,
            after: stage.after, gates: gates,
            resources: resources(stage.resources, defaults: defaults, stage: stage.name, problems: &problems))
    }

    /// A stage's resources over the pipeline's defaults, each literal checked.
    private static func resources(
        _ own: Serialization.Resources?, defaults: Serialization.Resources?, stage: String, problems: inout [String]
    ) -> ResourceSpec {
        func amount(_ resource: ResourceSpec.Resource, _ value: Serialization.ResourceValue?) -> ResourceSpec.Amount? {
            guard let value else { return nil }
            if let key = value.key {
                return .param(key: key, file: value.file.map { RelativePath.normalize($0) ?? $0 })
            }
            let text = value.text ?? ""
            if let problem = ResourceSpec.problem(resource, literal: text) {
                problems.append("stage '\(stage)': \(problem)")
            }
            return .literal(text)
        }
        var executor: ExecutorKind?
        if let name = own?.executor ?? defaults?.executor {
            executor = ExecutorKind(rawValue: name)
            if executor == nil { problems.append("stage '\(stage)': unknown executor '\(name)'") }
        }
        return ResourceSpec(
            cpus: amount(.cpus, own?.cpus ?? defaults?.cpus), memory: amount(.memory, own?.memory ?? defaults?.memory),
            gpus: amount(.gpus, own?.gpus ?? defaults?.gpus), time: amount(.time, own?.time ?? defaults?.time),
            executor: executor,
            options: (defaults?.options ?? [:]).merging(own?.options ?? [:]) { _, stageOwn in stageOwn })
    }

    /// An inline value's canonical JSON text, as params-file values are compared.
    private static func inlineText(_ value: Serialization.Value) -> String {
        switch value.kind {
        case "int", "double": return ParamsFile.canonical(.number(value.text))
        case "bool": return value.text
        default: return JSON.string(value.text).compactText
        }
    }
}
