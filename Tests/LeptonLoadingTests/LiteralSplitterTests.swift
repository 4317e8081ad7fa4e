import LeptonCore
import LeptonSystem
import Testing
import _LeptonTestSupport

@testable import LeptonLoading

/// The splitter of long literals: where it cuts (only at rows that end a line, never inside a
/// string, comment or interpolation), what it leaves alone, and, compiled, that the split file
/// evaluates to the same description and reports errors on the user's line.
struct LiteralSplitterTests {
    /// The main file (without its `#sourceLocation` line) and the pieces, as text.
    private func split(_ text: String, piece: Int = 3) -> (main: String, pieces: [String])? {
        guard let split = LiteralSplitter.split(Array(text.utf8), path: "/p/Leptonfile", piece: piece) else {
            return nil
        }
        let main = String(decoding: split.main, as: UTF8.self)
        let directive = "#sourceLocation(file: \"/p/Leptonfile\", line: 1)\n"
        #expect(main.hasPrefix(directive))
        return (String(main.dropFirst(directive.count)), split.pieces.map { String(decoding: $0, as: UTF8.self) })
    }

    private func rows(_ count: Int, _ row: (Int) -> String) -> String {
        (0..<count).map { "    " + row($0) + "," }.joined(separator: "\n")
    }

    /// Every line of `main` is the same line of `original`, with text added at its end or with
    /// moved rows turned into spaces: no byte of what stays moves.
    private func keepsEveryLine(_ original: String, _ main: String) -> Bool {
        let before = original.split(separator: "\n", omittingEmptySubsequences: false)
        let after = main.split(separator: "\n", omittingEmptySubsequences: false)
        return before.count == after.count
            && zip(before, after).allSatisfy { old, new in
                new.hasPrefix(old)
                    || (old.count == new.count && zip(old, new).allSatisfy { $0 == $1 || $1 == " " })
            }
    }

    @Test func aTypedTopLevelTableKeepsItsFirstRowsAndTheRestGoToFunctionsInFilesOfTheirOwn() throws {
        let text = """
            import LeptonDescription
            let table: [(String, [String])] = [
            \(rows(7) { "(\"s\($0)\", [\"in/\($0)\"])" })
            ]
            let pipeline = Pipeline(stages: table.map { .stage(name: $0.0, command: "true", inputs: $0.1.map { Input($0) }) })
            """
        let (main, pieces) = try #require(split(text))
        #expect(keepsEveryLine(text, main))
        let lines = main.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[4].hasSuffix(#",] + __leptonPart1()"#))
        #expect(lines[5].allSatisfy { $0 == " " } && lines[8].allSatisfy { $0 == " " })
        #expect(lines[9] == " ")
        // The seventh row is the last: no piece of nothing but a trailing comma.
        #expect(pieces.count == 2)
        #expect(
            pieces[0] == """
                import LeptonDescription
                #sourceLocation(file: "/p/Leptonfile", line: 5)
                func __leptonPart1() -> [(String, [String])] { [
                    ("s3", ["in/3"]),
                    ("s4", ["in/4"]),
                    ("s5", ["in/5"]),
                ] + __leptonPart2() }
                #sourceLocation()

                """)
        #expect(
            pieces[1].contains(
                "line: 8)\nfunc __leptonPart2() -> [(String, [String])] { [\n    (\"s6\", [\"in/6\"]),\n] }\n"))
    }

    @Test func pipelineStagesAreCutWhereverTheLiteralIsTheWholeArgumentOrIsAddedTo() throws {
        let stages = rows(4) { ".stage(name: \"s\($0)\", command: \"echo \\(\($0))\")" }
        for (ending, kept) in [
            ("])", " )"), ("], gates: [])", " , gates: [])"), ("] + more)", "  + more)"), ("],\n)", " ,"),
        ] {
            let text = "import LeptonDescription\nlet pipeline = Pipeline(name: \"p\", stages: [\n\(stages)\n\(ending)"
            let (main, pieces) = try #require(split(text), "\(ending)")
            #expect(keepsEveryLine(text, main), "\(main)")
            #expect(main.contains("\"echo \\(2)\"),] + __leptonPart1()\n"))
            #expect(main.split(separator: "\n").contains { $0 == kept }, "\(main)")
            #expect(
                pieces.count == 1 && pieces[0].contains("func __leptonPart1() -> [Stage] { [\n    .stage(name: \"s3\""))
        }
        let table = "let table: [String] = [\n" + rows(4) { "\"\($0)\"" } + "\n] + more"
        #expect(try #require(split(table)).main.hasSuffix("  + more"))
    }

    /// Commas in strings, raw strings, interpolations, multi-line strings and comments are not
    /// rows, and a row followed by more code on its line is not a place to cut.
    @Test func cutsOnlyAtRowsThatEndALine() throws {
        let text = #"""
            let names: [String] = [
                "a, b",
                "\("x, y" + "],")",
                #"raw, "quoted", \#("in, side")"#,
                """
                multi,
                line],
                """,
                "one" /* a, comment, */ + "two", // and, one, here,
                "five",
                "six",
                "seven",
                "eight",
            ]
            """#
        let (main, pieces) = try #require(split(text))
        #expect(keepsEveryLine(text, main))
        // Rows 1–3 end lines 1–3; the multi-line string's row ends line 7; then three more rows
        // (a comment after the fifth's comma is no code): cuts after lines 3 and 9.
        #expect(main.split(separator: "\n")[3].hasSuffix("] + __leptonPart1()"))
        #expect(pieces.count == 2)
        #expect(pieces[0].contains("line: 4)\n") && pieces[0].contains("    multi,\n    line],\n"))
        #expect(pieces[0].contains("\"five\",\n] + __leptonPart2() }"))
        #expect(
            pieces[1].contains("line: 10)\n") && pieces[1].contains("    \"six\",\n    \"seven\",\n    \"eight\",\n] }")
        )
    }

    /// The pieces' names are ones no byte of the file spells.
    @Test func piecesAreNamedWhatTheFileDoesNotUse() throws {
        let text = "let __lepton_Part1 = 1\nlet names: [String] = [\n" + rows(4) { "\"__leptonPart\($0)\"" } + "\n]"
        let (main, pieces) = try #require(split(text))
        #expect(main.contains("] + __lepton__Part1()") && pieces[0].contains("func __lepton__Part1() -> [String] { ["))
    }

    /// A row followed by a `//` comment is cut there; the comment stays behind the added text.
    @Test func rowsWithTrailingCommentsAreCutToo() throws {
        let text =
            "let names: [String] = [\n"
            + (0..<7).map { "    \"n\($0)\", // row \($0), with commas" }
            .joined(separator: "\n") + "\n]"
        let (main, pieces) = try #require(split(text))
        let lines = main.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[3] == "    \"n2\",] + __leptonPart1() // row 2, with commas")
        #expect(lines.count == 9 && pieces.count == 2)
        #expect(pieces[0].contains("    \"n5\", // row 5, with commas\n] + __leptonPart2() }"))
    }

    @Test(arguments: [
        "let table: [String: [String]] = [\n    \"a\": [],\n    \"b\": [],\n    \"c\": [],\n    \"d\": [],\n    \"e\": [],\n    \"f\": [],\n    \"g\": [],\n]",
        "let table: [String]? = [\n    \"a\",\n    \"b\",\n    \"c\",\n    \"d\",\n    \"e\",\n    \"f\",\n    \"g\",\n]",
        "let table: [String] = [\n    \"a\",\n    \"b\",\n    \"c\",\n    \"d\",\n    \"e\",\n    \"f\",\n    \"g\",\n]\n    .sorted()",
        "let table: [String] = [\n    \"a\",\n    \"b\",\n    \"c\",\n    \"d\",\n    \"e\",\n    \"f\",\n    \"g\",\n] += more",
        "let table: [String] = [\n    \"a\",\n    \"b\",\n    \"c\",\n    \"d\",\n    \"e\",\n    \"f\",\n    \"g\",\n] +more",
        "let table: [String] = [\n    \"a\",\n    \"b\",\n    \"c\",\n    \"d\",\n    \"e\",\n    \"f\",\n    \"g\",\n]\nas [String]",
        "private let table: [String] = [\n    \"a\",\n    \"b\",\n    \"c\",\n    \"d\",\n    \"e\",\n    \"f\",\n    \"g\",\n]",
        "func f() {\n    let table: [String] = [\n    \"a\",\n    \"b\",\n    \"c\",\n    \"d\",\n    \"e\",\n    \"f\",\n    \"g\",\n]\n}",
        "let table: [String] = [\n    \"a\",\n    \"b\",\n    \"c\",\n    \"d\",\n    \"e\",\n    \"f\",\n    \"g\",\n]\nlet r = #/a, b/#",
        "let table: [String] = [\n    \"a\",\n    \"b\",\n    \"c\",\n    \"d\",\n    \"e\",\n    \"f\",\n    \"g\",\n]\nlet c = 'c'",
        "let table: [String] = [\n    \"a\",\n    \"b\",\n    \"c\",\n    \"d\",\n    \"e\",\n    \"f\",\n    \"g\",\n]\nlet s = \"unterminated",
        "let table: [String] = [\n    \"a\",\n    \"b\",\n]",
        "let table = [\n    \"a\",\n    \"b\",\n    \"c\",\n    \"d\",\n    \"e\",\n    \"f\",\n    \"g\",\n]",
        "let pipeline = Pipeline(stages: [\n    .stage(name: \"a\", command: \"true\"),\n    .stage(name: \"b\", command: \"true\"),\n    .stage(name: \"c\", command: \"true\"),\n    .stage(name: \"d\", command: \"true\"),\n].filter { _ in true })",
    ])
    func leavesWhatItCannotBeSureOfAlone(text: String) {
        #expect(LiteralSplitter.split(Array(text.utf8), path: "/p/Leptonfile", piece: 3) == nil)
    }

    // MARK: Compiled

    /// Loads `text` with and without splitting; the message of a failure without the package's path.
    private func loadBothWays(_ text: String, mustCompileSplit: Bool = false) -> (
        split: Result<[UInt8], LeptonError>, whole: Result<[UInt8], LeptonError>
    ) {
        func load(splitting: Bool) -> Result<[UInt8], LeptonError> {
            let package = TemporaryPackage("split")
            package.write("Leptonfile", text)
            var loader = LeptonfileLoader(workspace: package.workspace)
            loader.splitsLiterals = splitting
            loader.compilesAsWrittenAfterASplitFails = !mustCompileSplit
            do {
                return .success(try loader.load().pipeline.binary(key: "k"))
            } catch {
                return .failure(LeptonError(error.code, error.message.replacing(package.root, with: "PACKAGE")))
            }
        }
        return (load(splitting: true), load(splitting: false))
    }

    @Test(arguments: [3, 4, 17])
    func splitLeptonfilesEvaluateTheSame(seed: UInt64) throws {
        var random = SplitMix(seed: seed)
        let text = SplitSource.random(&random, form: Int(seed % 3))
        #expect(LiteralSplitter.split(Array(text.utf8), path: "/p/Leptonfile") != nil, "nothing to split in\n\(text)")
        // The split copy itself must compile: no second compile of the file as written.
        let (split, whole) = loadBothWays(text, mustCompileSplit: true)
        let wholeDescription = try whole.get()
        #expect(try split.get() == wholeDescription, "\(text)")
    }

    /// Edits compiled incrementally (a row, a constant every piece reads, fewer rows, more)
    /// evaluate to what a compile of the whole edited file gives: the compiler's state in
    /// `.lepton/leptonfile/incremental` never hands back a stale piece.
    @Test func incrementalCompilesAfterEditsEvaluateAsTheWholeFileDoes() throws {
        func text(rows: Int, base: String, edited: Int) -> String {
            var lines = ["import LeptonDescription", "let base = \"\(base)\"", "let table: [(String, String)] = ["]
            for row in 0..<rows {
                lines.append("    (\"t\(row)\", \"echo \(row == edited ? "edited" : "row") \\(base) \(row)\"),")
            }
            lines += ["]", "let pipeline = Pipeline(stages: table.map { .stage(name: $0.0, command: .shell($0.1)) })"]
            return lines.joined(separator: "\n") + "\n"
        }
        let package = TemporaryPackage("incremental")
        var loader = LeptonfileLoader(workspace: package.workspace)
        loader.compilesAsWrittenAfterASplitFails = false
        for (rows, base, edited) in [
            (80, "data", -1), (80, "data", 41), (80, "other", 41), (30, "other", 41), (120, "other", 7),
        ] {
            let current = text(rows: rows, base: base, edited: edited)
            package.write("Leptonfile", current)
            let incremental = try loader.load().pipeline.binary(key: "k")
            let whole = TemporaryPackage("whole")
            whole.write("Leptonfile", current)
            var wholeLoader = LeptonfileLoader(workspace: whole.workspace)
            wholeLoader.splitsLiterals = false
            #expect(incremental == (try wholeLoader.load().pipeline.binary(key: "k")), "\(rows) \(base) \(edited)")
        }
        let pieces = try PosixFileSystem().list(package.workspace.loaderDirectory + "/incremental").map(\.name)
            .filter { $0.hasPrefix("part") && $0.hasSuffix(".swift") }
        #expect(pieces.count == 4, "\(pieces)")  // 120 rows: 25 stay, 95 in 4 pieces
    }

    /// Rows that read a `private` declaration cannot be compiled from other files: the file is
    /// compiled as written, and its pieces are not tried again until it changes.
    @Test func piecesThatDoNotCompileAreNotTriedAgainForTheSameBytes() throws {
        func text(_ modifier: String) -> String {
            let rows = (0..<60).map { "    \"\\(base)/\($0)\"," }.joined(separator: "\n")
            return "import LeptonDescription\n\(modifier)let base = \"data\"\nlet names: [String] = [\n\(rows)\n]\n"
                + "let pipeline = Pipeline(stages: names.map { .stage(name: $0, command: \"true\") })\n"
        }
        let package = TemporaryPackage("split-failed")
        let loader = LeptonfileLoader(workspace: package.workspace)
        let marker = package.workspace.loaderDirectory + "/split-failed"
        package.write("Leptonfile", text("private "))
        #expect(try loader.load().pipeline.stages.count == 60)
        let remembered = try PosixFileSystem().read(marker)
        #expect(remembered == Array(try loader.cacheKey().utf8))
        // Without `private` the pieces compile, and the executable is theirs.
        package.write("Leptonfile", text(""))
        #expect(try loader.load().pipeline.stages.count == 60)
        #expect(PosixFileSystem().status(package.workspace.loaderDirectory + "/incremental/leptonfile") != nil)
        // The failing bytes again: compiled as written at once, the pieces' files left as they were.
        package.write("Leptonfile", text("private "))
        #expect(try loader.load().pipeline.stages.count == 60)
        let main = try PosixFileSystem().readText(package.workspace.loaderDirectory + "/incremental/main.swift")
        #expect(!main.contains("private let base"))
    }

    /// An error in a row of a split table is the compiler's, on the user's line and column: the
    /// original file is compiled for the diagnostics.
    @Test func anErrorInASplitTableIsReportedAsWritten() throws {
        var rows = (0..<60).map { "    (\"s\($0)\", \"echo \($0)\")," }
        rows[41] = "    (\"s41\", 41),"
        let text = """
            import LeptonDescription
            let table: [(String, String)] = [
            \(rows.joined(separator: "\n"))
            ]
            let pipeline = Pipeline(stages: table.map { .stage(name: $0.0, command: .shell($0.1)) })
            """
        #expect(LiteralSplitter.split(Array(text.utf8), path: "/p/Leptonfile") != nil)
        let (split, whole) = loadBothWays(text)
        guard case .failure(let splitError) = split, case .failure(let wholeError) = whole else {
            Issue.record("the Leptonfile compiled: \(split)")
            return
        }
        #expect(splitError.message == wholeError.message)
        #expect(splitError.message.contains("PACKAGE/Leptonfile:44:"), "\(splitError.message)")
        #expect(!splitError.message.contains("__leptonPart"))
    }
}

/// Random Leptonfiles with long literals in all three forms the splitter cuts, rows full of
/// what could fool it: commas, brackets and quotes in strings, interpolations, comments.
enum SplitSource {
    static func random(_ random: inout SplitMix, form: Int) -> String {
        let count = 60 + Int(random.next() % 40)
        // `part` and `__leptonPart1` could be the splitter's own names: they must not clash.
        var lines = [
            "import LeptonDescription", "", "let base = \"data\"", "let part = \"p\"",
            "func __leptonPart1() -> String { \"mine\" }", "let table: [(String, [String])] = [",
        ]
        for row in 0..<count {
            lines.append("    (\(string(&random, row)), [\"\\(base)/\(row)\", \"in/\(row)\"]),\(comment(&random))")
        }
        lines += ["]", "let extra: [Stage] = ["]
        for row in 0..<(30 + Int(random.next() % 30)) {
            lines.append(
                "    .stage(name: \"extra\(row)\", command: \(string(&random, row)), outputs: [\"out/e\(row)\"]),")
        }
        lines += ["]", "let pipeline = Pipeline(name: \"split\", stages: ["]
        for row in 0..<(30 + Int(random.next() % 30)) {
            lines.append(
                "    .stage(name: \"s\(row)\", command: \"echo \\(part) \\(__leptonPart1()) \\(\(row) * 2)\", inputs: [\"\\(base)/in\"]),\(comment(&random))"
            )
        }
        // The last argument (functions), followed by another or by ` + more` (closures).
        lines.append(["])", "], gates: [])", "] + [.stage(name: \"last\", command: \"true\")])"][form])
        lines.append(
            "pipeline.stages += extra + table.enumerated().map { .stage(name: \"t\\($0.offset)\", command: .shell($0.element.0), inputs: $0.element.1.map { Input($0) }) }"
        )
        return lines.joined(separator: "\n") + "\n"
    }

    private static func comment(_ random: inout SplitMix) -> String {
        ["", "", " // a, b ]", " /* , */"][Int(random.next() % 4)]
    }

    private static func string(_ random: inout SplitMix, _ row: Int) -> String {
        switch random.next() % 6 {
        case 0: "\"plain \(row)\""
        case 1: "\"a, b], c \(row)\""
        case 2: "\"quote \\\" and \\\\, \(row)\""
        case 3: "\"\\(\"in, \" + \"[side\") \(row)\""
        case 4: "#\"raw, \"q\", \\#(\(row))\"#"
        default: "\"/* not, a comment */ // nor, this \(row)\""
        }
    }
}
