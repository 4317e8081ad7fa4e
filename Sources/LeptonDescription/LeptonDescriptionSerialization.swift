// The wire schema between a Leptonfile and the loader. This file is shared with LeptonLoading
// by symlink: keep it free of anything but plain Codable value types.

/// The versioned, plain Codable form of a pipeline as it travels from an evaluated Leptonfile
/// to the loader. It is not the DSL (see `Pipeline`) and not the host model.
enum Serialization {
    /// The document an evaluated Leptonfile writes: a version, the pipeline, and every misuse
    /// of the DSL it noticed.
    struct Envelope: Codable {
        var version: Int
        var pipeline: Pipeline?
        var errors: [String]
    }

    struct Pipeline: Codable {
        var name: String
        var params: String
        var stages: [Stage]
        /// Absent in descriptions written before pipeline gates existed.
        var gates: [String]?
        /// Defaults for every stage's resources; absent when none are set.
        var resources: Resources?
        /// Raw data to track; absent when none is declared.
        var data: [String]?
        /// Charts of data files; absent when none is declared.
        var plots: [Plot]?
    }

    /// `template` is a DVC template name or `image`; each source is a file and the field drawn
    /// from it (absent: the file's last field).
    struct Plot: Codable {
        var title: String?
        var template: String
        var x: String?
        var sources: [PlotSource]
        var xLabel: String?
        var yLabel: String?
    }

    struct PlotSource: Codable {
        var file: String
        var field: String?
    }

    struct Stage: Codable {
        var name: String
        var command: Command
        var inputs: [Path]
        var code: [Path]
        var params: [Parameter]
        var environment: [String]
        var outputs: [Path]
        var metrics: [String]
        /// Quality gates; absent in descriptions written before they existed.
        var gates: [String]?
        var after: [String]
        /// Absent when the stage sets none.
        var resources: Resources?
        /// Charts of the stage's files; absent when it declares none.
        var plots: [Plot]?
    }

    /// `executor` is `local` or `slurm`; `options` are scheduler options by name.
    struct Resources: Codable {
        var cpus: ResourceValue?
        var memory: ResourceValue?
        var gpus: ResourceValue?
        var time: ResourceValue?
        var executor: String?
        var options: [String: String]?
    }

    /// Exactly one of `text` (a literal) and `key` (a params key, in `file` or the pipeline's).
    struct ResourceValue: Codable {
        var text: String?
        var key: String?
        var file: String?
    }

    /// Exactly one of `shell`, `exec`, `tool` and `product` is set. `tool` runs Lepton's own binary;
    /// `toolSettings` are arguments appended to it that do not enter the stage key.
    struct Command: Codable {
        var shell: String?
        var exec: [String]?
        var tool: [String]?
        var toolSettings: [String]?
        /// An executable product of the package, built before the stage runs.
        var product: Product?
    }

    /// `configuration` is `debug` or `release`.
    struct Product: Codable {
        var name: String
        var arguments: [String]
        var configuration: String
    }

    /// `kind` is one of `path`, `file`, `folder`, `glob`, `target`.
    struct Path: Codable {
        var kind: String
        var path: String
    }

    struct Parameter: Codable {
        var key: String
        var file: String?
        var value: Value?
    }

    /// `kind` is one of `int`, `double`, `string`, `bool`; `text` is the value's canonical text.
    struct Value: Codable {
        var kind: String
        var text: String
    }
}
