import LeptonSystem

/// What a stage asks for, as the Leptonfile declares it (the pipeline's defaults merged in):
/// literal amounts or params keys, resolved into ``StageResources`` when a build starts. Not
/// part of the stage key.
public struct ResourceSpec: Sendable, Equatable {
    /// One amount: a literal as written (`4`, `8G`, `30m`) or a params key read at build time.
    public enum Amount: Sendable, Equatable {
        case literal(String)
        case param(key: String, file: String?)
    }

    public var cpus: Amount?
    public var memory: Amount?
    public var gpus: Amount?
    public var time: Amount?
    /// Where the stage runs; nil follows the command line and `Lepton.config`.
    public var executor: ExecutorKind?
    /// Scheduler options by name (`partition`, `account`, `qos`, `constraint`, …).
    public var options: [String: String]

    public init(
        cpus: Amount? = nil, memory: Amount? = nil, gpus: Amount? = nil, time: Amount? = nil,
        executor: ExecutorKind? = nil, options: [String: String] = [:]
    ) {
        self.cpus = cpus
        self.memory = memory
        self.gpus = gpus
        self.time = time
        self.executor = executor
        self.options = options
    }

    public var isEmpty: Bool { self == ResourceSpec() }

    /// A literal amount's problem, in words a Leptonfile author can act on; nil when it parses.
    public static func problem(_ resource: Resource, literal text: String) -> String? {
        resource.parse(text) == nil ? "\(resource.rawValue) '\(text)' is not \(resource.expected)" : nil
    }

    /// The amounts with every params key read (`--set` overrides included).
    ///
    /// - Throws: ``LeptonError`` naming the stage when a key is missing or a value is not an amount.
    public func resolve(stage: String, params: ParamsStore, paramsFile: String) throws(LeptonError)
        -> StageResources
    {
        func amount(_ resource: Resource, _ amount: Amount?) throws(LeptonError) -> Int? {
            guard let amount else { return nil }
            let text: String
            let origin: String
            switch amount {
            case .literal(let literal):
                text = literal
                origin = ""
            case .param(let key, let file):
                switch params.lookup(key, in: file ?? paramsFile) {
                case .success(let canonical):
                    // A string value is canonical JSON: quoted.
                    text = (try? JSON.parse(Array(canonical.utf8)))?.stringValue ?? canonical
                    origin = " (from params key '\(key)')"
                case .failure(let error):
                    throw LeptonError(.invalidPipeline, "stage '\(stage)': \(resource.rawValue): \(error.message)")
                }
            }
            guard let value = resource.parse(text) else {
                throw LeptonError(
                    .invalidPipeline,
                    "stage '\(stage)': \(resource.rawValue) '\(text)'\(origin) is not \(resource.expected)")
            }
            return value
        }
        return StageResources(
            cpus: try amount(.cpus, cpus), memoryMiB: try amount(.memory, memory), gpus: try amount(.gpus, gpus),
            timeSeconds: try amount(.time, time), executor: executor, options: options)
    }

    /// The params files the amounts read, for loading before a build starts.
    public var paramsFiles: [String?] {
        [cpus, memory, gpus, time].compactMap { amount in
            if case .param(_, let file) = amount { return .some(file) }
            return nil
        }
    }

    /// The kinds of amount, each with its parser.
    public enum Resource: String, Sendable {
        case cpus, memory, gpus, time

        var expected: String {
            switch self {
            case .cpus: return "a whole number of cores, 1 or more"
            case .gpus: return "a whole number of GPUs"
            case .memory: return "an amount of memory: \"512M\", \"8G\", \"1.5T\" or a number of MiB"
            case .time:
                return
                    "a time limit: \"90s\", \"30m\", \"2h\", \"1d\", \"HH:MM:SS\", \"D-HH:MM:SS\" or a number of minutes"
            }
        }

        /// cpus and gpus as counts, memory in MiB, time in seconds.
        func parse(_ text: String) -> Int? {
            let trimmed = String(text.filter { $0 != " " })
            switch self {
            case .cpus: return Int(trimmed).flatMap { $0 >= 1 ? $0 : nil }
            case .gpus: return Int(trimmed).flatMap { $0 >= 0 ? $0 : nil }
            case .memory: return Resource.mebibytes(trimmed)
            case .time: return Resource.seconds(trimmed)
            }
        }

        /// `512M`, `8G`, `8GB`, `1.5T`, `2048K`, or a plain number of MiB (Slurm's unit).
        public static func mebibytes(_ text: String) -> Int? {
            var number = text.uppercased()
            if number.hasSuffix("B") { number.removeLast() }
            if number.hasSuffix("I") { number.removeLast() }
            let factors: [Character: Double] = ["K": 1.0 / 1024, "M": 1, "G": 1024, "T": 1024 * 1024]
            var factor = 1.0
            if let last = number.last, let unit = factors[last] {
                factor = unit
                number.removeLast()
            }
            guard let value = Double(number), value > 0, value.isFinite else { return nil }
            return max(1, Int((value * factor).rounded(.up)))
        }

        /// `90s`, `30m`, `2h`, `1d`; Slurm's `MM`, `MM:SS`, `HH:MM:SS`, `D-HH`, `D-HH:MM`, `D-HH:MM:SS`.
        static func seconds(_ text: String) -> Int? {
            let units: [Character: Int] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
            if let last = text.last, let unit = units[last], let value = Double(text.dropLast()), value > 0 {
                return Int((value * Double(unit)).rounded(.up))
            }
            var days = 0
            var clock = Substring(text)
            if let dash = text.firstIndex(of: "-") {
                guard let parsed = Int(text[..<dash]), parsed >= 0 else { return nil }
                days = parsed
                clock = text[text.index(after: dash)...]
            }
            let parts = clock.split(separator: ":", omittingEmptySubsequences: false).map { Int($0) }
            guard !parts.isEmpty, parts.count <= 3, parts.allSatisfy({ ($0 ?? -1) >= 0 }) else { return nil }
            let values = parts.compactMap { $0 }
            let total: Int
            if days > 0 || text.contains("-") {
                // D-HH, D-HH:MM, D-HH:MM:SS
                let padded = values + Array(repeating: 0, count: 3 - values.count)
                total = days * 86400 + padded[0] * 3600 + padded[1] * 60 + padded[2]
            } else {
                switch values.count {
                case 1: total = values[0] * 60
                case 2: total = values[0] * 60 + values[1]
                default: total = values[0] * 3600 + values[1] * 60 + values[2]
                }
            }
            return total > 0 ? total : nil
        }
    }
}

/// Where a stage's command runs.
public enum ExecutorKind: String, Sendable, Equatable, CaseIterable {
    /// A process on the machine that runs `lepton build`.
    case local
    /// A Slurm job.
    case slurm
}

/// A stage's resources with every amount read: cpus and gpus as counts, memory in MiB, the
/// time limit in seconds.
public struct StageResources: Sendable, Equatable {
    public var cpus: Int?
    public var memoryMiB: Int?
    public var gpus: Int?
    public var timeSeconds: Int?
    public var executor: ExecutorKind?
    public var options: [String: String]

    public init(
        cpus: Int? = nil, memoryMiB: Int? = nil, gpus: Int? = nil, timeSeconds: Int? = nil,
        executor: ExecutorKind? = nil, options: [String: String] = [:]
    ) {
        self.cpus = cpus
        self.memoryMiB = memoryMiB
        self.gpus = gpus
        self.timeSeconds = timeSeconds
        self.executor = executor
        self.options = options
    }
}
