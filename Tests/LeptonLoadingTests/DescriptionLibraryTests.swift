import LeptonCore
import LeptonSystem
import Testing
import _LeptonTestSupport

@testable import LeptonLoading

/// The DSL library is compiled once per DSL and compiler into a user-level cache that every
/// package shares, with the package's own folder as the fallback where that cannot be written.
/// The real runner, counting the processes it starts.
private final class CountingRunner: ProcessRunner, @unchecked Sendable {
    let real = PosixProcessRunner()
    private(set) var count = 0
    func run(_ request: ProcessRequest) -> ProcessOutcome {
        count += 1
        return real.run(request)
    }
    func terminateAll() { real.terminateAll() }
}

@Suite(.serialized)
struct DescriptionLibraryTests {
    @Test func onePackageCompilesItAndTheNextFindsItInTheUserCache() throws {
        let user = TemporaryPackage("user-cache")
        let first = TemporaryPackage("first")
        let second = TemporaryPackage("second")
        let toolchain = try Toolchain.find()
        let runner = CountingRunner()
        let library = try DescriptionLibrary.prepare(
            in: first.root + "/.lepton/leptonfile", userCache: user.root, toolchain: toolchain, runner: runner)
        #expect(library.directory.hasPrefix(user.root + "/dsl-"))
        #expect(PosixFileSystem().exists(library.directory + "/libLeptonDescription.a"))
        #expect(!first.exists(".lepton/leptonfile"), "nothing compiled into the package")
        #expect(runner.count == 1)
        let again = try DescriptionLibrary.prepare(
            in: second.root + "/.lepton/leptonfile", userCache: user.root, toolchain: toolchain, runner: runner)
        #expect(again.directory == library.directory)
        #expect(!second.exists(".lepton/leptonfile"))
        #expect(runner.count == 1, "found, not compiled again")
    }

    @Test func anUnwritableUserCacheFallsBackToThePackage() throws {
        let home = TemporaryPackage("home")
        home.write("cache", "a file where the cache folder would be")
        let package = TemporaryPackage("package")
        let library = try DescriptionLibrary.prepare(
            in: package.root + "/.lepton/leptonfile", userCache: home.root + "/cache/lepton",
            toolchain: try Toolchain.find(), runner: PosixProcessRunner())
        #expect(library.directory.hasPrefix(package.root + "/.lepton/leptonfile/dsl-"))
        #expect(PosixFileSystem().exists(library.directory + "/libLeptonDescription.a"))
    }

    @Test func theFolderNamesTheCompiler() throws {
        let toolchain = try Toolchain.find()
        let other = Toolchain(swiftc: toolchain.swiftc, identity: toolchain.identity + " (another build)")
        #expect(DescriptionLibrary.folderName(toolchain) != DescriptionLibrary.folderName(other))
    }
}
