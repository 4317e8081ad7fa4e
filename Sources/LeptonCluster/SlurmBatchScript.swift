import LeptonCore
import LeptonSystem

/// The batch script and `sbatch` arguments of one stage's job.
///
/// The script changes to the package root, sets the stage's variables, removes the ones Lepton
/// withholds from stages (its credentials) and execs the command; the job's output file is the
/// stage's log. Requeueing is off: Lepton decides what to submit again.
struct SlurmBatchScript {
    let script: String
    let arguments: [String]

    init(request: ProcessRequest, settings: SlurmSettings, tag: String) {
        var lines = [
            "#!/bin/sh",
            "# Written by Lepton for stage '\(request.stage)'; runs on a node that shares this file system.",
            "cd \(SlurmBatchScript.quoted(request.workingDirectory)) || exit 1",
        ]
        for name in request.withheld.sorted() { lines.append("unset \(name)") }
        for (name, value) in request.environment.sorted(by: { $0.key < $1.key }) {
            lines.append("export \(name)=\(SlurmBatchScript.quoted(value))")
        }
        lines.append("exec " + request.arguments.map(SlurmBatchScript.quoted).joined(separator: " "))
        script = lines.joined(separator: "\n") + "\n"

        var arguments = [
            "--parsable", "--job-name=lepton:\(request.stage)", "--comment=\(tag):\(request.stage)",
            "--output=\(request.logPath)", "--chdir=\(request.workingDirectory)", "--no-requeue", "--nodes=1",
            "--ntasks=1",
        ]
        let resources = request.resources ?? StageResources()
        if let cpus = resources.cpus { arguments.append("--cpus-per-task=\(cpus)") }
        if let memory = resources.memoryMiB { arguments.append("--mem=\(memory)M") }
        if let gpus = resources.gpus, gpus > 0 { arguments.append("--gpus=\(gpus)") }
        if let seconds = resources.timeSeconds { arguments.append("--time=\(SlurmBatchScript.time(seconds))") }
        var options: [String: String] = [:]
        if let partition = settings.partition { options["partition"] = partition }
        if let account = settings.account { options["account"] = account }
        if let qos = settings.qos { options["qos"] = qos }
        options.merge(resources.options) { _, stage in stage }
        for (name, value) in options.sorted(by: { $0.key < $1.key }) {
            arguments.append(value.isEmpty ? "--\(name)" : "--\(name)=\(value)")
        }
        self.arguments = arguments + settings.options
    }

    /// Slurm's `D-HH:MM:SS`.
    static func time(_ seconds: Int) -> String {
        let days = seconds / 86400
        let rest = seconds % 86400
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : String(value) }
        return "\(days)-\(two(rest / 3600)):\(two(rest % 3600 / 60)):\(two(rest % 60))"
    }

    /// A word for `/bin/sh`, single-quoted unless it is plainly safe.
    static func quoted(_ word: String) -> String {
        let safe =
            !word.isEmpty
            && word.utf8.allSatisfy { byte in
                (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte)
                    || [
                        UInt8(ascii: "/"), UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "_"),
                        UInt8(ascii: "="), UInt8(ascii: ":"), UInt8(ascii: ","),
                    ]
                    .contains(byte)
            }
        if safe { return word }
        return "'" + word.replacing("'", with: "'\\''") + "'"
    }
}
