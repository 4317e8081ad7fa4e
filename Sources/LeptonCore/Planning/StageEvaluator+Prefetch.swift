import LeptonSystem
import Synchronization

extension StageEvaluator {
    /// Hashes (or finds in the stat cache) every input no stage produces, on all cores, before
    /// the decisions: those must follow the graph's order, but source inputs do not.
    func prefetchSourceDigests(of stages: [Int], graph: BuildGraph) -> [String: PathDigest?] {
        var paths = Set<String>()
        for stage in stages {
            let description = graph.pipeline.stages[stage]
            for spec in description.inputs + description.code {
                switch spec.kind {
                case .path, .file, .folder:
                    if graph.producers(of: spec).isEmpty { paths.insert(spec.path) }
                case .target:
                    for file in targets?.targets[spec.path] ?? [] where graph.producers(touching: file).isEmpty {
                        paths.insert(file)
                    }
                case .glob:
                    continue
                }
            }
        }
        let all = UnsafeSendableBox(Array(paths))
        let results = Mutex<[String: PathDigest?]>([:])
        let hasher = self.hasher
        Parallel.forEachRange(count: all.value.count, minimumPerWorker: 256) { range in
            var found: [String: PathDigest?] = [:]
            found.reserveCapacity(range.count)
            for path in all.value[range] {
                do throws(LeptonError) {
                    found[path] = .some(try hasher.digest(of: path))
                } catch {
                    continue  // unreadable: the decision reports it
                }
            }
            results.withLock { $0.merge(found) { first, _ in first } }
        }
        return results.withLock { $0 }
    }
}
