/// A parameter a stage reads: a key of a params file, or an inline value.
///
/// A string literal is a dotted key in the pipeline's default params file (`train.lr` is
/// `lr` under `train`). Only the values of the keys a stage reads are part of its key, so
/// changing another key, or reformatting the file, reruns nothing.
///
/// ```swift
/// params: ["train.lr", .key("batch", file: "tuning.json"), .value("seed", 42)]
/// ```
public struct Parameter: ExpressibleByStringInterpolation, Sendable {
    let key: String
    let file: String?
    let value: ParameterValue?

    /// A key of a params file (JSON or YAML); `file` defaults to the pipeline's params file.
    ///
    /// ```swift
    /// params: [.key("train.lr", file: "params.json")]
    /// ```
    public static func key(_ key: String, file: String? = nil) -> Parameter {
        Parameter(key: key, file: file, value: nil)
    }

    /// An inline value, part of the stage's key like any parameter.
    ///
    /// ```swift
    /// params: [.value("epochs", 3), .value("arch", "mlp")]
    /// ```
    public static func value(_ name: String, _ value: ParameterValue) -> Parameter {
        Parameter(key: name, file: nil, value: value)
    }

    /// A key of the pipeline's default params file.
    public init(stringLiteral value: String) { self.init(key: value, file: nil, value: nil) }

    init(key: String, file: String?, value: ParameterValue?) {
        if key.isEmpty { Dump.error("a parameter has an empty key") }
        self.key = key
        self.file = file
        self.value = value
    }
}

/// An inline parameter value: a number, a string or a Boolean.
///
/// ```swift
/// .value("lr", 0.01)   .value("arch", "mlp")   .value("augment", true)
/// ```
public enum ParameterValue: Sendable, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByStringLiteral, ExpressibleByBooleanLiteral
{
    /// A whole number.
    case int(Int)
    /// A floating-point number.
    case double(Double)
    /// A string.
    case string(String)
    /// A Boolean.
    case bool(Bool)

    /// A whole number from an integer literal.
    public init(integerLiteral value: Int) { self = .int(value) }
    /// A number from a floating-point literal.
    public init(floatLiteral value: Double) { self = .double(value) }
    /// A string from a string literal.
    public init(stringLiteral value: String) { self = .string(value) }
    /// A Boolean from a literal.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}
