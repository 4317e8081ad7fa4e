import ArgumentParser
import LeptonCore
import LeptonSystem

extension LeptonCommand {
    /// `lepton dag`: the stage graph as text, Mermaid or Graphviz DOT.
    struct Graph: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "dag", abstract: "Print the stage graph as text, Mermaid, Graphviz DOT, SVG or JSON.",
            discussion: """
                JSON: {"stages": [{"name", "after": [names], "command", "runsTrainer", "product"}]}, in \
                topological order; "runsTrainer" marks built-in trainer stages (`.train`, `.evaluate`, \
                `.predict`), "product" ({"name", "configuration"}) the executable a `.product` stage runs.
                """)

        enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
            case text, mermaid, dot, svg, json
        }

        @OptionGroup var global: GlobalOptions

        @Option(help: "The format: \(OutputFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
        var format: OutputFormat = .text

        func run() throws {
            let console = Console()
            let session = try PackageSession.open(global, console: console)
            let graph = session.graph
            switch format {
            case .text: console.line(GraphRenderer.text(graph))
            case .mermaid: console.line(GraphRenderer.mermaid(graph))
            case .dot: console.line(GraphRenderer.dot(graph))
            case .svg: console.line(GraphRenderer.svg(graph))
            case .json: console.line(GraphRenderer.json(graph).prettyText)
            }
        }
    }
}

/// Renders a ``BuildGraph`` for people and for diagram tools.
enum GraphRenderer {
    /// The graph as a standalone SVG image (stages in columns by depth).
    static func svg(_ graph: BuildGraph) -> String {
        SVG.graph(names: graph.pipeline.stages.map(\.name), dependencies: graph.dependencies)
    }

    static func text(_ graph: BuildGraph) -> String {
        var lines: [String] = []
        for stage in graph.topologicalOrder() {
            let name = graph.pipeline.stages[stage].name
            let needs = graph.dependencies[stage].map { graph.pipeline.stages[$0].name }
            lines.append(needs.isEmpty ? name : "\(name) <- \(needs.joined(separator: ", "))")
        }
        return lines.joined(separator: "\n")
    }

    /// The graph as JSON, for tools (the SwiftPM plugin asks it whether any stage runs the
    /// built-in trainer).
    static func json(_ graph: BuildGraph) -> JSON {
        let stages = graph.topologicalOrder().map { index -> JSON in
            let stage = graph.pipeline.stages[index]
            let item: [String: JSON] = [
                "name": .string(stage.name),
                "after": .array(graph.dependencies[index].map { .string(graph.pipeline.stages[$0].name) }),
                "command": .string(stage.command.canonical),
            ]
            return .object(item.merging(stage.command.buildNeeds) { first, _ in first })
        }
        return .object(["stages": .array(stages)])
    }

    static func mermaid(_ graph: BuildGraph) -> String {
        var lines = ["flowchart LR"]
        for (position, stage) in graph.pipeline.stages.enumerated() {
            lines.append("    s\(position)[\"\(escape(stage.name))\"]")
        }
        for (position, dependencies) in graph.dependencies.enumerated() {
            for dependency in dependencies { lines.append("    s\(dependency) --> s\(position)") }
        }
        return lines.joined(separator: "\n")
    }

    static func dot(_ graph: BuildGraph) -> String {
        var lines = ["digraph lepton {", "    rankdir=LR;", "    node [shape=box, style=rounded];"]
        for stage in graph.pipeline.stages { lines.append("    \"\(escape(stage.name))\";") }
        for (position, dependencies) in graph.dependencies.enumerated() {
            for dependency in dependencies {
                lines.append(
                    "    \"\(escape(graph.pipeline.stages[dependency].name))\" -> \"\(escape(graph.pipeline.stages[position].name))\";"
                )
            }
        }
        lines.append("}")
        return lines.joined(separator: "\n")
    }

    private static func escape(_ text: String) -> String {
        var out = ""
        for character in text { out += character == "\"" ? "\\\"" : String(character) }
        return out
    }
}
