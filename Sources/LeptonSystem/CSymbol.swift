#if canImport(Glibc)
    import Glibc
#endif

/// Looks up a C library function the Glibc module map does not export (the `_np` and GNU
/// extensions Lepton uses when the running C library has them).
public enum CSymbol {
    /// The function named `name` as a value of the `@convention(c)` type `type`, nil when absent.
    public static func load<Function>(_ name: String, as type: Function.Type) -> Function? {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }
        return unsafeBitCast(symbol, to: type)
    }
}
