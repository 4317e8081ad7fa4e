/// The description version this loader reads; must equal the DSL's `LeptonDescriptionVersion.current`.
enum LeptonDescriptionVersion {
    static let current = 2
}
