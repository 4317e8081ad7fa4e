/// The version of the Leptonfile description format this library writes.
///
/// Lepton's loader refuses a description of another version, which can only come from a
/// mismatched `LeptonDescription` library.
public enum LeptonDescriptionVersion {
    /// The wire-format version written in the description envelope.
    public static let current = 2
}
