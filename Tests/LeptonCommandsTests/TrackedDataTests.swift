import LeptonCore
import LeptonSystem
import Testing
import _LeptonTestSupport

/// Raw data under version control: `lepton add`, `Lepton.data`, status, gc, and a fresh clone that
/// gets the data through the remote cache (DVC's `dvc add` / `push` / `pull`).
@Suite(.serialized)
struct TrackedDataTests {
    private static let leptonfile = """
        import LeptonDescription
        let pipeline = Pipeline(stages: [
            .stage(name: "count", command: "ls data/images | wc -l > count.txt; wc -c < data/raw.csv >> count.txt",
                   inputs: ["data/images", "data/raw.csv"], outputs: ["count.txt"]),
        ])
        """

    private func package(_ name: String) -> TemporaryPackage {
        let package = TemporaryPackage(name)
        package.write("Leptonfile", TrackedDataTests.leptonfile)
        package.write("data/raw.csv", "a,b\n1,2\n3,4\n")
        for index in 0..<20 { package.write("data/images/\(index).txt", "image \(index)\n") }
        return package
    }

    @Test func addRecordsTheDataIgnoresItInGitAndStatusSaysWhenItChanges() throws {
        let package = package("tracked")
        package.write(".gitignore", "build/")
        let added = LeptonBinary.run(["add", "data/raw.csv", "data/images"], in: package.root)
        #expect(added.status == 0, "\(added.output)")
        #expect(added.output.contains("added  data/images (20 files"), "\(added.output)")
        let tracked = try TrackedData.load(package.workspace)
        #expect(Set(tracked.entries.keys) == ["data/raw.csv", "data/images"])
        #expect(tracked.entries["data/raw.csv"]?.size == 12)
        #expect(package.read(".gitignore") == "build/\n/data/raw.csv\n/data/images\n")
        let cache = ArtifactCache(directory: package.workspace.cacheDirectory)
        #expect(tracked.entries.values.allSatisfy { cache.contains($0.digest) })
        // Adding again records nothing new.
        #expect(LeptonBinary.run(["add", "data/raw.csv"], in: package.root).output.contains("unchanged  data/raw.csv"))

        #expect(LeptonBinary.run(["build"], in: package.root).status == 0)
        #expect(LeptonBinary.run(["status"], in: package.root).status == 0)
        package.write("data/images/3.txt", "edited\n")
        let status = LeptonBinary.run(["status"], in: package.root)
        #expect(status.status == 1)
        #expect(status.output.contains("data/images: tracked data differs from Lepton.data"), "\(status.output)")
        let json = try JSON.parse(Array(LeptonBinary.run(["status", "--json"], in: package.root).output.utf8))
        #expect(json["data"]?.arrayValue?.first?["state"]?.stringValue == "modified")

        // gc keeps what Lepton.data records, even with nothing else referring to it.
        try PosixFileSystem().remove(package.root + "/Lepton.lock")
        #expect(LeptonBinary.run(["cache", "gc", "--workspace-only"], in: package.root).status == 0)
        #expect(tracked.entries.values.allSatisfy { cache.contains($0.digest) }, "gc removed tracked data")
    }

    @Test func whatAStageWritesOrLeptonsOwnFilesCannotBeAdded() {
        let package = package("tracked-refused")
        #expect(LeptonBinary.run(["build"], in: package.root).status == 0)
        let output = LeptonBinary.run(["add", "count.txt"], in: package.root)
        #expect(output.status == 64)
        #expect(output.output.contains("'count.txt' is written by stage 'count'"), "\(output.output)")
        #expect(LeptonBinary.run(["add", "Lepton.lock"], in: package.root).output.contains("is Lepton's or git's own"))
        #expect(
            LeptonBinary.run(["add", "../elsewhere"], in: package.root).output.contains("is not inside the package"))
        #expect(
            LeptonBinary.run(["add", "nothing.csv"], in: package.root).output.contains("'nothing.csv' does not exist"))
        #expect(!package.exists("Lepton.data"))
    }

    @Test func aFreshCloneGetsTheDataFromTheRemoteAndRestoresTheStage() throws {
        let server = try RemoteServer()
        let first = package("tracked-first")
        #expect(LeptonBinary.run(["remote", "add", "team", server.url()], in: first.root).status == 0)
        #expect(LeptonBinary.run(["add", "data/raw.csv", "data/images"], in: first.root).status == 0)
        #expect(LeptonBinary.run(["build", "--remote-upload"], in: first.root).status == 0)
        let pushed = LeptonBinary.run(["push"], in: first.root)
        #expect(pushed.status == 0, "\(pushed.output)")
        #expect(pushed.output.contains("pushed   data/images"), "\(pushed.output)")

        // What git holds: the Leptonfile, the lock, Lepton.data and Lepton.config; no data.
        let second = TemporaryPackage("tracked-second")
        for file in ["Leptonfile", "Lepton.lock", "Lepton.data", "Lepton.config"] {
            second.write(file, first.read(file) ?? "")
        }
        let pulled = LeptonBinary.run(["pull", "data/raw.csv", "data/images"], in: second.root)
        #expect(pulled.status == 0, "\(pulled.output)")
        #expect(second.read("data/raw.csv") == first.read("data/raw.csv"))
        #expect(second.read("data/images/7.txt") == "image 7\n")
        #expect(!LeptonBinary.run(["status"], in: second.root).output.contains("tracked data"))
        let built = LeptonBinary.run(["build"], in: second.root)
        #expect(built.status == 0 && stagesThatRan(built.output).isEmpty, "\(built.output)")
        #expect(second.read("count.txt") == first.read("count.txt"))
    }

    @Test func dataTheLeptonfileDeclaresIsRecordedByTheBuild() throws {
        let package = package("tracked-declared")
        package.write(
            "Leptonfile",
            TrackedDataTests.leptonfile.replacing("\n])", with: "\n], data: [\"data/raw.csv\", \"data/images\"])"))
        let before = LeptonBinary.run(["status"], in: package.root)
        #expect(before.output.contains("data/raw.csv: declared in data: but not recorded"), "\(before.output)")
        let built = LeptonBinary.run(["build"], in: package.root)
        #expect(built.status == 0, "\(built.output)")
        #expect(built.output.contains("recorded    data/raw.csv in Lepton.data"), "\(built.output)")
        #expect(try TrackedData.load(package.workspace).entries.count == 2)
        #expect(LeptonBinary.run(["status"], in: package.root).status == 0)
        // Changed data: the next build records the new content (and the stage reruns on it).
        package.write("data/raw.csv", "a,b\n5,6\n")
        let again = LeptonBinary.run(["build"], in: package.root)
        #expect(again.output.contains("recorded    data/raw.csv"), "\(again.output)")
        #expect(!again.output.contains("recorded    data/images"), "\(again.output)")
        #expect(stagesThatRan(again.output) == ["count"])
        let size = try TrackedData.load(package.workspace).entries["data/raw.csv"]?.size
        #expect(size == 8)
    }
}
