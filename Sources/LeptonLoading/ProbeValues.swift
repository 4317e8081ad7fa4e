/// What a Leptonfile's probe computed (``LiteralLeptonfile/constantsProbe(_:)``), for the
/// literal reader: the text of each computed constant and pure expression by its name or text,
/// and the text of each interpolation that calls a function of the file's own, one per
/// occurrence in the order the file evaluates them.
struct ProbeValues: Equatable {
    /// Computed constants by name, pure expressions by text.
    var named: [String: [UInt8]]
    /// Each interpolated call of a function of the file's own, in order.
    var occurrences: [[UInt8]]

    init(named: [String: [UInt8]] = [:], occurrences: [[UInt8]] = []) {
        self.named = named
        self.occurrences = occurrences
    }

    /// No values yet: the reader reads a placeholder for each, to find what the probe must compute.
    static let placeholder = ProbeValues()

    var isPlaceholder: Bool { named.isEmpty && occurrences.isEmpty }
}
