#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The machine's physical memory.
public enum SystemMemory {
    /// In MiB.
    public static var mebibytes: Int {
        let pages = Int(sysconf(Int32(_SC_PHYS_PAGES)))
        let size = Int(sysconf(Int32(_SC_PAGESIZE)))
        return max(1, pages / 1024 * size / 1024)
    }
}
