extension Serialization.Pipeline {
    init(_ pipeline: Pipeline) {
        self.init(
            name: pipeline.name, params: pipeline.params, stages: pipeline.stages.map(Serialization.Stage.init),
            gates: pipeline.gates, resources: pipeline.resources.map(Serialization.Resources.init),
            data: pipeline.data.isEmpty ? nil : pipeline.data,
            plots: pipeline.plots.isEmpty ? nil : pipeline.plots.map(Serialization.Plot.init))
    }
}

extension Serialization.Plot {
    init(_ plot: Plot) {
        self.init(
            title: plot.title, template: plot.template, x: plot.x,
            sources: plot.sources.map { Serialization.PlotSource(file: $0.file, field: $0.field) },
            xLabel: plot.xLabel, yLabel: plot.yLabel)
    }
}

extension Serialization.Stage {
    init(_ stage: Stage) {
        self.init(
            name: stage.name,
            command: Serialization.Command(stage.command),
            inputs: stage.inputs.map { Serialization.Path(kind: $0.kind.rawValue, path: $0.path) },
            code: stage.code.map { Serialization.Path(kind: $0.kind.rawValue, path: $0.path) },
            params: stage.params.map(Serialization.Parameter.init),
            environment: stage.environment,
            outputs: stage.outputs.map { Serialization.Path(kind: $0.kind.rawValue, path: $0.path) },
            metrics: stage.metrics,
            gates: stage.gates,
            after: stage.after,
            resources: stage.resources.map(Serialization.Resources.init),
            plots: stage.plots.isEmpty ? nil : stage.plots.map(Serialization.Plot.init)
        )
    }
}

extension Serialization.Command {
    init(_ command: Command) {
        switch command.kind {
        case .shell(let line): self.init(shell: line)
        case .exec(let arguments): self.init(exec: arguments)
        case .tool(let arguments, let settings): self.init(tool: arguments, toolSettings: settings)
        case .product(let name, let arguments, let configuration):
            self.init(
                product: Serialization.Product(
                    name: name, arguments: arguments, configuration: configuration.rawValue))
        }
    }
}

extension Serialization.Parameter {
    init(_ parameter: Parameter) {
        self.init(key: parameter.key, file: parameter.file, value: parameter.value.map(Serialization.Value.init))
    }
}

extension Serialization.Value {
    init(_ value: ParameterValue) {
        switch value {
        case .int(let number): self.init(kind: "int", text: String(number))
        case .double(let number): self.init(kind: "double", text: String(number))
        case .string(let text): self.init(kind: "string", text: text)
        case .bool(let flag): self.init(kind: "bool", text: flag ? "true" : "false")
        }
    }
}

extension Serialization.Resources {
    init(_ resources: Resources) {
        func value(_ value: ResourceValue?) -> Serialization.ResourceValue? {
            value.map { Serialization.ResourceValue(text: $0.text, key: $0.key, file: $0.file) }
        }
        self.init(
            cpus: value(resources.cpus), memory: value(resources.memory), gpus: value(resources.gpus),
            time: value(resources.time), executor: resources.executor?.rawValue,
            options: resources.options.isEmpty ? nil : resources.options)
    }
}
