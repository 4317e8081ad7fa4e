import LeptonCore
import LeptonSystem
import Testing
import _LeptonTestSupport

@testable import LeptonLoading

/// The splitter of long literals: where it cuts (only at rows that end a line, never inside a
/// string, comment or interpolation), what it leaves alone, and, compiled, that the split file
/// evaluates to the same description and reports errors on the user's line.
struct LiteralSplitterTests {
    private func split(_ text: String, piece: Int = 3) -> String? {
        LiteralSplitter.split(Array(text.utf8), piece: piece).map { String(decoding: $0, as: UTF8.self) }
    }

    private func rows(_ count: Int, _ row: (Int) -> String) -> String {
        (0..<count).map { "    " + row($0) + "," }.joined(separator: "\n")
    }

    /// Every line of `split` begins with the same line of `original`: text was only added.
    private func onlyAddsAtLineEnds(_ original: String, _ split: String) -> Bool {
        let before = original.split(separator: "\n", omittingEmptySubsequences: false)
        let after = split.split(separator: "\n", omittingEmptySubsequences: false)
        return before.count == after.count && zip(before, after).allSatisfy { $1.hasPrefix($0) }
    }

    @Test func aTypedTopLevelTableBecomesFunctionsOnTheSameLines() throws {
        let text = """
            import LeptonDescription
            let table: [(String, [String])] = [
            \(rows(7) { "(\"s\($0)\", [\"in/\($0)\"])" })
            ]
            let pipeline = Pipeline(stages: table.map { .stage(name: $0.0, command: "true", inputs: $0.1.map { Input($0) }) })
            """
        let result = try #require(split(text))
        #expect(onlyAddsAtLineEnds(text, result))
        let lines = result.split(separator: "\n")
        #expect(lines[4].hasSuffix(#",] + __leptonPart1(); func __leptonPart1() -> [(String, [String])] { ["#))
        #expect(lines[7].hasSuffix(#",] + __leptonPart2() }; func __leptonPart2() -> [(String, [String])] { ["#))
        #expect(lines[9] == "] }")
        // The seventh row is the last: no piece of nothing but a trailing comma.
        #expect(!result.contains("__leptonPart3"))
    }

    @Test func pipelineStagesAsTheLastArgumentBecomeFunctionsAndClosuresElsewhere() throws {
        let stages = rows(4) { ".stage(name: \"s\($0)\", command: \"echo \\(\($0))\")" }
        let last = "import LeptonDescription\nlet pipeline = Pipeline(name: \"p\", stages: [\n\(stages)\n])"
        let lastSplit = try #require(split(last))
        #expect(onlyAddsAtLineEnds(last, lastSplit.replacing("] }; _ = ()", with: "])")))
        #expect(lastSplit.contains(",] + __leptonPart1()); func __leptonPart1() -> [Stage] { ["))
        #expect(lastSplit.hasSuffix("] }; _ = ()"))
        let notLast = "import LeptonDescription\nlet pipeline = Pipeline(stages: [\n\(stages)\n], gates: [])"
        let notLastSplit = try #require(split(notLast))
        #expect(notLastSplit.contains(",] + { () -> [Stage] in let __leptonRows: [Stage] = ["))
        #expect(notLastSplit.contains("]; return __leptonRows }(), gates: [])"))
        let plus = "import LeptonDescription\nlet pipeline = Pipeline(stages: [\n\(stages)\n] + more)"
        #expect(try #require(split(plus)).hasSuffix("]; return __leptonRows }() + more)"))
        let table = "let table: [String] = [\n" + rows(4) { "\"\($0)\"" } + "\n] + more"
        #expect(try #require(split(table)).hasSuffix("]; return __leptonRows }() + more"))
        let trailingComma = "import LeptonDescription\nlet pipeline = Pipeline(stages: [\n\(stages)\n],\n)"
        #expect(try #require(split(trailingComma)).contains("in let __leptonRows: [Stage] = ["))
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
        let result = try #require(split(text))
        #expect(onlyAddsAtLineEnds(text, result))
        let cut = result.split(separator: "\n").enumerated().filter { $0.element.contains("__leptonPart") }.map(
            \.offset)
        // Rows 1–3 end lines 1–3; the multi-line string's row ends line 7; then three more rows
        // (a comment after the fifth's comma is no code).
        #expect(cut == [3, 9])
    }

    /// The pieces' names are ones no byte of the file spells.
    @Test func piecesAreNamedWhatTheFileDoesNotUse() throws {
        let text = "let __lepton_Part1 = 1\nlet names: [String] = [\n" + rows(4) { "\"__leptonPart\($0)\"" } + "\n]"
        let result = try #require(split(text))
        #expect(result.contains("] + __lepton__Part1(); func __lepton__Part1() -> [String] { ["))
    }

    /// A row followed by a `//` comment is cut before the comment: only the comment moves.
    @Test func rowsWithTrailingCommentsAreCutBeforeTheComment() throws {
        let text =
            "let names: [String] = [\n"
            + (0..<7).map { "    \"n\($0)\", // row \($0), with commas" }
            .joined(separator: "\n") + "\n]"
        let result = try #require(split(text))
        let lines = result.split(separator: "\n")
        #expect(
            lines[3] == "    \"n2\",] + __leptonPart1(); func __leptonPart1() -> [String] { [ // row 2, with commas")
        #expect(lines[6].hasPrefix("    \"n5\",] + __leptonPart2() }; func __leptonPart2()"))
        #expect(lines.count == 9)
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
        #expect(split(text) == nil)
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
        #expect(LiteralSplitter.split(Array(text.utf8)) != nil, "nothing to split in\n\(text)")
        // The split copy itself must compile: no second compile of the file as written.
        let (split, whole) = loadBothWays(text, mustCompileSplit: true)
        let wholeDescription = try whole.get()
        #expect(try split.get() == wholeDescription, "\(text)")
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
        #expect(LiteralSplitter.split(Array(text.utf8)) != nil)
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
