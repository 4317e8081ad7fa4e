/// The stage graph: which stage produces which path, and which stages each stage needs.
///
/// Edges follow from data: a stage depends on the stage whose output it reads (the same
/// path, a path inside an output folder, a folder containing an output, or a glob matching
/// an output), plus its explicit `after` stages.
public struct BuildGraph: Sendable {
    public let pipeline: PipelineDescription
    /// Stage index by name.
    public let index: [String: Int]
    /// For each stage, the indices of the stages it depends on, sorted.
    public let dependencies: [[Int]]
    /// For each stage, the indices of the stages depending on it, sorted.
    public let dependents: [[Int]]
    /// Every declared output path and the index of the stage producing it.
    public let producers: [String: Int]
    /// Fast lookups of which outputs a path touches.
    let outputIndex: OutputIndex

    public init(pipeline: PipelineDescription) {
        self.pipeline = pipeline
        var index: [String: Int] = [:]
        for (position, stage) in pipeline.stages.enumerated() where index[stage.name] == nil {
            index[stage.name] = position
        }
        var producers: [String: Int] = [:]
        for (position, stage) in pipeline.stages.enumerated() {
            for output in stage.allOutputs where producers[output.path] == nil { producers[output.path] = position }
        }
        let outputIndex = OutputIndex(producers: producers)
        var dependencies = [Set<Int>](repeating: [], count: pipeline.stages.count)
        for (position, stage) in pipeline.stages.enumerated() {
            for input in stage.inputs + stage.code where input.kind != .target {
                for producer in outputIndex.producers(of: input) where producer != position {
                    dependencies[position].insert(producer)
                }
            }
            for name in stage.after {
                if let other = index[name], other != position { dependencies[position].insert(other) }
            }
        }
        var dependents = [[Int]](repeating: [], count: pipeline.stages.count)
        for (position, set) in dependencies.enumerated() {
            for dependency in set { dependents[dependency].append(position) }
        }
        self.index = index
        self.producers = producers
        self.outputIndex = outputIndex
        self.dependencies = dependencies.map { $0.sorted() }
        self.dependents = dependents.map { $0.sorted() }
    }

    /// The stages whose outputs an input reads.
    public func producers(of input: PathSpec) -> Set<Int> { outputIndex.producers(of: input) }

    /// The stages whose outputs equal, contain, or lie inside a path.
    public func producers(touching path: String) -> Set<Int> { outputIndex.producers(touching: path) }

    /// The stages needed to build the given ones: themselves and everything upstream, in a
    /// topological order (dependencies first; declaration order among independent stages).
    public func closure(of roots: [Int]) -> [Int] {
        var needed = Set<Int>()
        var stack = roots
        while let next = stack.popLast() {
            if needed.insert(next).inserted { stack.append(contentsOf: dependencies[next]) }
        }
        return topologicalOrder().filter { needed.contains($0) }
    }

    /// The given stages and every stage that depends on them, directly or not.
    public func downstream(of roots: Set<Int>) -> Set<Int> {
        var found = roots
        var stack = Array(roots)
        while let next = stack.popLast() {
            for dependent in dependents[next] where found.insert(dependent).inserted { stack.append(dependent) }
        }
        return found
    }

    /// Kahn's algorithm, taking ready stages in declaration order. Stages on a cycle are left out;
    /// ``findCycle()`` names them.
    public func topologicalOrder() -> [Int] {
        var remaining = dependencies.map(\.count)
        var ready = remaining.indices.filter { remaining[$0] == 0 }
        var order: [Int] = []
        order.reserveCapacity(remaining.count)
        var heap = MinHeap(ready)
        ready.removeAll()
        while let next = heap.pop() {
            order.append(next)
            for dependent in dependents[next] {
                remaining[dependent] -= 1
                if remaining[dependent] == 0 { heap.push(dependent) }
            }
        }
        return order
    }

    /// A dependency cycle as a path of stage names (`a -> b -> a`), if there is one.
    public func findCycle() -> [String]? {
        var state = [UInt8](repeating: 0, count: dependencies.count)  // 0 new, 1 on stack, 2 done
        var path: [Int] = []
        func visit(_ node: Int) -> [Int]? {
            state[node] = 1
            path.append(node)
            for next in dependencies[node] {
                if state[next] == 1, let start = path.firstIndex(of: next) {
                    return Array(path[start...]) + [next]
                }
                if state[next] == 0, let cycle = visit(next) { return cycle }
            }
            path.removeLast()
            state[node] = 2
            return nil
        }
        for node in dependencies.indices where state[node] == 0 {
            if let cycle = visit(node) {
                // Dependencies point upstream; print the cycle in data-flow order.
                return cycle.reversed().map { pipeline.stages[$0].name }
            }
        }
        return nil
    }
}

/// A small binary min-heap of stage indices, so ready stages run in declaration order.
struct MinHeap {
    private var items: [Int]

    init(_ items: [Int]) {
        self.items = []
        for item in items { push(item) }
    }

    mutating func push(_ item: Int) {
        items.append(item)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            if items[parent] <= items[child] { break }
            items.swapAt(parent, child)
            child = parent
        }
    }

    mutating func pop() -> Int? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < items.count, items[left] < items[smallest] { smallest = left }
            if right < items.count, items[right] < items[smallest] { smallest = right }
            if smallest == parent { break }
            items.swapAt(parent, smallest)
            parent = smallest
        }
        return top
    }

    var isEmpty: Bool { items.isEmpty }
}
