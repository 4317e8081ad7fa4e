import Foundation

/// Everything a training run needs to continue where it stopped, as if it had never stopped:
/// the weights and running statistics, the optimizer's moments and step count, every random
/// sequence (the shuffle, each dropout layer's masks), early stopping's and reduce-on-plateau's
/// progress with the best weights so far, and the history. Written by `lepton train
/// --save-state`, read by `--resume-from`: training 10 epochs, then resuming to 15, gives the
/// same bytes as training 15 at once.
///
/// On disk it is a safetensors file: tensors `model/…`, `optimizer/first/N`,
/// `optimizer/second/N`, `best/…`, and the rest as JSON in the `lepton_state` metadata entry.
public struct TrainingState {
    public static let version = 1

    /// Epochs completed.
    public var epochs: Int
    var steps: Int
    var model: [String: Tensor]
    var counters: [String: Int64]
    var first: [Tensor]
    var second: [Tensor]
    var shuffler: [UInt64]
    /// Each dropout layer's generator, by layer index.
    var generators: [Int: [UInt64]]
    var history: [EpochReport]
    var best: (epoch: Int, value: Double, tensors: [String: Tensor], counters: [String: Int64])?
    var sinceBest: Int
    var plateauBest: Double?
    var sincePlateauBest: Int
    var rateFactor: Double
    var stopped: Bool
    /// The recorded configuration without the epoch count: a resumed run must match it.
    var configuration: String

    /// The configuration as a resume compares it: everything but the epoch count.
    static func fingerprint(_ configuration: TrainingConfiguration) -> String {
        var recorded = configuration.json
        recorded["epochs"] = nil
        let data = (try? JSONSerialization.data(withJSONObject: recorded, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// Writes the state atomically.
    ///
    /// - Throws: ``TrainerError`` when the file cannot be written.
    public func write(to path: String) throws(TrainerError) {
        var tensors: [String: Tensor] = [:]
        var integers: [String: Int64] = [:]
        for (name, tensor) in model { tensors["model/" + name] = tensor }
        for (name, value) in counters { integers["model/" + name] = value }
        for (index, tensor) in first.enumerated() { tensors["optimizer/first/\(index)"] = tensor }
        for (index, tensor) in second.enumerated() { tensors["optimizer/second/\(index)"] = tensor }
        var meta: [String: Any] = [
            "version": TrainingState.version, "epochs": epochs, "steps": steps,
            "shuffler": shuffler.map(String.init), "since_best": sinceBest, "since_plateau_best": sincePlateauBest,
            "rate_factor": rateFactor, "stopped": stopped, "configuration": configuration,
            "generators": Dictionary(
                uniqueKeysWithValues: generators.map { (String($0.key), $0.value.map(String.init)) }),
            // Doubles by their bits: JSON text would not always give back the same value.
            "history": history.map { report in
                report.json.compactMapValues { value -> String? in
                    if let number = value as? Double { return String(number.bitPattern) }
                    if let number = value as? Int { return String(number) }
                    return nil
                }
            },
        ]
        if let plateauBest { meta["plateau_best"] = String(plateauBest.bitPattern) }
        meta["rate_factor"] = String(rateFactor.bitPattern)
        if let best {
            meta["best"] = ["epoch": best.epoch, "value": String(best.value.bitPattern)]
            for (name, tensor) in best.tensors { tensors["best/" + name] = tensor }
            for (name, value) in best.counters { integers["best/" + name] = value }
        }
        let json = (try? JSONSerialization.data(withJSONObject: meta, options: [.sortedKeys])) ?? Data()
        let bytes = SafeTensors.encode(
            tensors, integers: integers, metadata: ["lepton_state": String(decoding: json, as: UTF8.self)])
        try ModelCheckpoint.writeAtomically(Data(bytes), to: path)
    }

    /// Reads a state written by ``write(to:)``.
    ///
    /// - Throws: ``TrainerError`` naming the file when it is missing or not a training state.
    public static func read(from path: String) throws(TrainerError) -> TrainingState {
        let (tensors, metadata) = try SafeTensors.decode(try FileBytes.read(path), path: path)
        guard let text = metadata["lepton_state"],
            let meta = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
            meta["version"] as? Int == version, let epochs = meta["epochs"] as? Int, let steps = meta["steps"] as? Int,
            let shuffler = (meta["shuffler"] as? [String])?.compactMap(UInt64.init), shuffler.count == 4,
            let configuration = meta["configuration"] as? String, let rows = meta["history"] as? [[String: String]]
        else {
            throw TrainerError("'\(path)' is not a Lepton training state (written by lepton train --save-state)")
        }
        func number(_ value: Any?) -> Double? { (value as? String).flatMap(UInt64.init).map(Double.init(bitPattern:)) }
        func section(_ prefix: String) -> [String: Tensor] {
            Dictionary(
                uniqueKeysWithValues: tensors.filter { $0.key.hasPrefix(prefix) }.map {
                    (String($0.key.dropFirst(prefix.count)), $0.value)
                })
        }
        func integers(_ prefix: String) -> [String: Int64] {
            section(prefix).filter { $0.key.hasSuffix("num_batches_tracked") }.mapValues { Int64($0.values.first ?? 0) }
        }
        func ordered(_ prefix: String) -> [Tensor] {
            let part = section(prefix)
            return (0..<part.count).compactMap { part[String($0)] }
        }
        var generators: [Int: [UInt64]] = [:]
        for (key, words) in meta["generators"] as? [String: [String]] ?? [:] {
            if let index = Int(key) { generators[index] = words.compactMap(UInt64.init) }
        }
        let history = rows.map { row -> EpochReport in
            var values: [String: Double] = [:]
            for (key, value) in row where key != "epoch" {
                if let value = number(value) { values[key] = value }
            }
            return EpochReport(epoch: row["epoch"].flatMap { Int($0) } ?? 0, recorded: values)
        }
        var best: (epoch: Int, value: Double, tensors: [String: Tensor], counters: [String: Int64])?
        if let record = meta["best"] as? [String: Any], let epoch = record["epoch"] as? Int,
            let value = number(record["value"])
        {
            let saved = section("best/")
            best = (epoch, value, saved.filter { !$0.key.hasSuffix("num_batches_tracked") }, integers("best/"))
        }
        return TrainingState(
            epochs: epochs, steps: steps, model: section("model/").filter { !$0.key.hasSuffix("num_batches_tracked") },
            counters: integers("model/"), first: ordered("optimizer/first/"), second: ordered("optimizer/second/"),
            shuffler: shuffler, generators: generators, history: history, best: best,
            sinceBest: meta["since_best"] as? Int ?? 0, plateauBest: number(meta["plateau_best"]),
            sincePlateauBest: meta["since_plateau_best"] as? Int ?? 0, rateFactor: number(meta["rate_factor"]) ?? 1,
            stopped: meta["stopped"] as? Bool ?? false, configuration: configuration)
    }
}
