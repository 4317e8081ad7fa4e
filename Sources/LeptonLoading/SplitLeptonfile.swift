/// A Leptonfile whose long literals ``LiteralSplitter`` cut into pieces: the files the compiler
/// is given in its place.
struct SplitLeptonfile: Equatable {
    /// The Leptonfile with the moved rows blanked out (every other byte where it was), after a
    /// `#sourceLocation` naming the user's file.
    let main: [UInt8]
    /// One source file per piece: the Leptonfile's imports, then
    /// `func __leptonPartN() -> [T] { [rows] + __leptonPartN+1() }` with the rows on their own
    /// lines of the user's file.
    let pieces: [[UInt8]]
}
