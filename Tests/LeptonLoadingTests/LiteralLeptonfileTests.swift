import LeptonCore
import LeptonSystem
import Testing
import _LeptonTestSupport

@testable import LeptonLoading

/// The literal reader against the compiler: the same Leptonfile read both ways gives the same
/// description (or the same error), and anything outside the subset goes to the compiler.
struct LiteralLeptonfileTests {
    /// Loads `text` without and with the compiler.
    private func loadBothWays(_ text: String) -> (
        literal: Result<[UInt8], LeptonError>, compiled: Result<[UInt8], LeptonError>, source: LeptonfileLoader.Source?
    ) {
        var source: LeptonfileLoader.Source?
        func load(readsLiterals: Bool) -> Result<[UInt8], LeptonError> {
            let package = TemporaryPackage("literal")
            package.write("Leptonfile", text)
            var loader = LeptonfileLoader(workspace: package.workspace)
            loader.readsLiterals = readsLiterals
            do {
                let loaded = try loader.load()
                if readsLiterals { source = loaded.source }
                return .success(loaded.pipeline.binary(key: "k"))
            } catch {
                // The message names the package's own Leptonfile path; compare without it.
                return .failure(LeptonError(error.code, error.message.replacing(package.root, with: "PACKAGE")))
            }
        }
        return (load(readsLiterals: true), load(readsLiterals: false), source)
    }

    @Test(arguments: [11, 23, 37, 41])
    func randomLiteralLeptonfilesReadAsTheCompilerEvaluatesThem(seed: UInt64) throws {
        var random = SplitMix(seed: seed)
        let text = LiteralSource().random(&random)
        let (literal, compiled, source) = loadBothWays(text)
        #expect(source == .literal, "\(text)")
        let same: Bool
        switch (literal, compiled) {
        case (.success(let a), .success(let b)): same = a == b
        case (.failure(let a), .failure(let b)): same = a.code == b.code && a.message == b.message
        default: same = false
        }
        #expect(same, "\(literal) vs \(compiled)\n\(text)")
        if case .failure(let error) = compiled {
            Issue.record("the generated Leptonfile does not load: \(error)\n\(text)")
        }
    }

    /// Constants only the compiler can compute (a concatenation, an `Int`, an expression over
    /// two lines) are evaluated by the probe, and the rows still read as the compiler reads them;
    /// with `helpers`, rows also call the file's own functions (one with a side effect, one with
    /// a label), which the probe calls at each occurrence, in order.
    @Test(arguments: [(5, false), (17, false), (29, false), (3, true), (19, true), (31, true)])
    func computedConstantsAreEvaluatedByTheProbeAndTheRowsReadAsLiterals(seed: UInt64, helpers: Bool) throws {
        var random = SplitMix(seed: seed)
        let text = LiteralSource(computed: true, helpers: helpers).random(&random)
        #expect(!helpers || text.contains("\\(next()") || text.contains("\\(under("), "no call in \(text)")
        #expect(LiteralLeptonfile.envelope(Array(text.utf8)) == nil, "computed constants need the probe")
        let (literal, compiled, source) = loadBothWays(text)
        #expect(source == .constants, "\(text)")
        #expect(
            (try? literal.get()) != nil && (try? literal.get()) == (try? compiled.get()),
            "\(literal) vs \(compiled)\n\(text)")
    }

    /// The probe keeps every declaration on its line and column, and nothing else.
    @Test func theProbeKeepsTheConstantsWhereTheyStandAndNothingElse() throws {
        let text = """
            import LeptonDescription
            let folder = "o" + "ut"
            let stages: [Stage] = [.stage(name: "a", command: "true")]
              let epochs = 2 * 5
            let pipeline = Pipeline(stages: stages + [.stage(name: "b\\(epochs)", command: "ls \\(folder)")])
            """
        let probe = try #require(LiteralLeptonfile.constantsProbe(Array(text.utf8)))
        #expect(probe.names == ["folder", "epochs"])
        let lines = String(decoding: probe.source, as: UTF8.self).split(
            separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[0] == "import LeptonDescription")
        #expect(lines[1] == "let folder = \"o\" + \"ut\"")
        #expect(lines[2].allSatisfy { $0 == " " })
        #expect(lines[3] == "  let epochs = 2 * 5")
        #expect(lines[4].allSatisfy { $0 == " " })
        #expect(lines[5].contains("gates: [\"\\(folder)\", \"\\(epochs)\"]"))
    }

    /// An expression interpolated into many rows is computed once per distinct text, and the
    /// rows read as the compiler reads them.
    @Test func anInterpolatedExpressionIsComputedOncePerTextByTheProbe() throws {
        let rows = (0..<30).map {
            "    .stage(name: \"s\\(folder.count + \($0))\", command: \"true\", outputs: [\"\\(folder.lowercased())/\($0)\"]),"
        }
        let text = """
            import LeptonDescription
            let folder = "OUT"
            let pipeline = Pipeline(stages: [
            \(rows.joined(separator: "\n"))
            ])
            """
        let probe = try #require(LiteralLeptonfile.constantsProbe(Array(text.utf8)))
        // In the order first read: each row's name, then its output.
        #expect(probe.names == ["folder.count + 0", "folder.lowercased()"] + (1..<30).map { "folder.count + \($0)" })
        let (literal, compiled, source) = loadBothWays(text)
        #expect(source == .constants)
        #expect((try? literal.get()) != nil && (try? literal.get()) == (try? compiled.get()), "\(literal)")
    }

    /// A function of the file's own may give another value each call: the probe calls it once
    /// per occurrence, in the order the file does, through one function per distinct text.
    @Test func aCallOfTheFilesOwnFunctionIsComputedAtEachOccurrenceInOrder() throws {
        let rows = (0..<30).map {
            "    .stage(name: \"s\\(next())\", command: \"true\", outputs: [\"\\(under(folder, index: \($0)))/a\"]),"
        }
        let text = """
            import LeptonDescription
            let folder = "OUT"
            var serial = 0
            func next() -> Int {
                serial += 1
                return serial * 10
            }
            func under(_ name: String, index: Int) -> String { name.lowercased() + String(index % 3) }
            let pipeline = Pipeline(stages: [
            \(rows.joined(separator: "\n"))
            ])
            """
        let probe = try #require(LiteralLeptonfile.constantsProbe(Array(text.utf8)))
        #expect(probe.names.isEmpty && probe.occurrences == 60)
        let source = String(decoding: probe.source, as: UTF8.self)
        #expect(source.contains("func __leptonValue0() -> String { \"\\(next())\" }"))
        #expect(source.contains("func __leptonValue30()") && !source.contains("func __leptonValue31()"))
        let (literal, compiled, loaded) = loadBothWays(text)
        #expect(loaded == .constants)
        #expect((try? literal.get()) != nil && (try? literal.get()) == (try? compiled.get()), "\(literal)")
        let envelope = try #require(
            LiteralLeptonfile.envelope(
                Array(text.utf8),
                computed: ProbeValues(occurrences: (0..<60).map { Array("\($0)".utf8) })))
        #expect(envelope.pipeline?.stages.map(\.name) == (0..<30).map { "s\($0 * 2)" })
    }

    /// The probe calls the occurrences after every declaration, so a computed constant or a
    /// variable declared after one would be evaluated in another order: the file is compiled.
    /// So is a call the reader cannot tell is of the file's own function (declared below it, or
    /// named like a pure one), or outside the grammar. A function needs the probe, so a file
    /// without one is compiled whole too.
    @Test(arguments: [
        "let early: [Stage] = [.stage(name: \"a\\(next())\", command: \"true\")]\nlet later = \"o\" + \"ut\"",
        "let early: [Stage] = [.stage(name: \"a\\(next())\", command: \"true\")]\nvar later = 1",
        "let early: [Stage] = [.stage(name: \"a\\(next() { 1 })\", command: \"true\")]",
        "let early: [Stage] = [.stage(name: \"a\\(next(\"x\"))\", command: \"true\")]",
        "func Next() -> Int { 1 }\nlet early: [Stage] = [.stage(name: \"a\\(Next())\", command: \"true\")]",
        "let next = 1\nlet early: [Stage] = [.stage(name: \"a\\(next)\", command: \"true\")]",
        "let early: [Stage] = [.stage(name: \"a\\(max(1, 2))\", command: \"true\")]\nfunc max(_ a: Int, _ b: Int) -> Int { next() }",
        "@discardableResult func other() -> Int { 1 }\nlet early: [Stage] = [.stage(name: \"a\\(next())\", command: \"true\")]",
        "func other() -> Int { 1 }; let early: [Stage] = [.stage(name: \"a\\(next())\", command: \"true\")]",
    ])
    func aCallTheProbeCannotOrderLeavesTheFileToTheCompiler(declarations: String) {
        let text = """
            import LeptonDescription
            var serial = 0
            func next() -> Int {
                serial += 1
                return serial
            }
            \(declarations)
            let pipeline = Pipeline(stages: early + [.stage(name: "b\\(next())", command: "true")])
            """
        let fine = text.replacing("\(declarations)", with: "let early: [Stage] = []")
        #expect(LiteralLeptonfile.constantsProbe(Array(fine.utf8)) != nil)
        #expect(LiteralLeptonfile.constantsProbe(Array(text.utf8)) == nil, "\(declarations)")
        let unused = Array(
            "import LeptonDescription\nfunc f() -> Int { 1 }\nlet pipeline = Pipeline(stages: [.stage(name: \"a\", command: \"true\")])"
                .utf8)
        #expect(LiteralLeptonfile.constantsProbe(unused) == nil && LiteralLeptonfile.envelope(unused) == nil)
    }

    /// An interpolation that might give another value each time, or that the probe could not
    /// compute where the row stands, leaves the file to the compiler.
    @Test(arguments: [
        "Int.random(in: 0..<9)",  // not pure
        "folder.map { $0 }",  // a closure
        "folder + \"x\"",  // a string inside
        "[1][0]",  // a subscript
        "folder.unknown()",  // a member outside the allowlist
        "stages.count",  // a stage array, which the probe does not keep
        "later.count",  // declared after the row
        "folder // a comment",
        "count, 2",  // a second interpolation argument
        " ",
    ])
    func anInterpolationOutsideTheSubsetHasNoProbe(expression: String) {
        func file(_ expression: String) -> [UInt8] {
            Array(
                """
                import LeptonDescription
                let folder = "o" + "ut"
                let count = 2
                let stages: [Stage] = [.stage(name: "a", command: "true")]
                let early: [Stage] = [.stage(name: "b\\(\(expression))", command: "true")]
                let later = "x"
                let pipeline = Pipeline(stages: stages + early)
                """.utf8)
        }
        #expect(LiteralLeptonfile.constantsProbe(file("folder.count + count")) != nil)
        #expect(LiteralLeptonfile.constantsProbe(file(expression)) == nil)
    }

    /// No probe where the file is outside the subset for more than its computed constants, or
    /// has none.
    @Test(arguments: [
        "let a = 1; let b = 2\nlet pipeline = Pipeline(name: \"\\(a)\")",  // two statements on a line
        "let a = \"x\"\n    .uppercased()\nlet pipeline = Pipeline(name: \"\\(a)\")",  // a continuation line
        "let a = 1\nlet p: Pipeline = Pipeline()",  // no `let NAME = Pipeline(...)`
        "let a = 1\nlet pipeline = Pipeline(name: \"\\(a)\")\nprint(a)",  // code after the pipeline
        "let a = \"x\"\nlet pipeline = Pipeline(name: \"\\(a)\")",  // nothing to compute
        "let a = 1\nlet __leptonConstants = 2\nlet pipeline = Pipeline(name: \"\\(a)\")",  // the probe's name
    ])
    func noProbeOutsideTheSubset(body: String) {
        #expect(LiteralLeptonfile.constantsProbe(Array(("import LeptonDescription\n" + body + "\n").utf8)) == nil)
    }

    /// A probe that does not give every value (a compile error, a crash, DSL misuse, a second
    /// pipeline, in a constant or in a function the rows call) leaves the file to the compiler,
    /// whose error the user then sees, on their line.
    @Test(arguments: [
        ("let count = undefined + 1", "count", "cannot find 'undefined' in scope"),
        ("let count = [1][2]", "count", "Index out of range"),
        ("let count = Stage.stage(name: \"\", command: \"true\").name", "count", "a stage has an empty name"),
        ("let count = { _ = Pipeline(); return 1 }()", "count", "declares 2 Pipelines"),
        ("func count() -> Int { undefined }", "count()", "cannot find 'undefined' in scope"),
        ("func count() -> Int { [1][2] }", "count()", "Index out of range"),
    ])
    func aProbeThatFailsLeavesTheFileToTheCompiler(declaration: String, interpolated: String, message: String) {
        let text = """
            import LeptonDescription
            \(declaration)
            let pipeline = Pipeline(stages: [.stage(name: "a\\(\(interpolated))", command: "true")])
            """
        #expect(LiteralLeptonfile.constantsProbe(Array(text.utf8)) != nil)
        let (literal, compiled, source) = loadBothWays(text)
        #expect(source == nil)
        guard case .failure(let a) = literal, case .failure(let b) = compiled else {
            Issue.record("expected both to fail: \(literal) \(compiled)")
            return
        }
        #expect(a.code == b.code)
        #expect(a.message.contains(message), "\(a.message)")
        if a.code == .leptonfileCompile { #expect(a.message.contains("PACKAGE/Leptonfile:2:"), "\(a.message)") }
    }

    /// A literal the loader rejects after reading (a path outside the package, a bad gate) gets
    /// the same problems either way.
    @Test func aRejectedLiteralGivesTheCompiledPathsProblems() {
        let text = """
            import LeptonDescription
            let pipeline = Pipeline(data: ["../elsewhere"], stages: [])
            """
        // Out of order: the compiler refuses it, so the literal reader must not accept it.
        #expect(LiteralLeptonfile.envelope(Array(text.utf8)) == nil)
        let rejected = """
            import LeptonDescription
            let pipeline = Pipeline(
                stages: [
                    .stage(name: "a", command: "true", inputs: ["../x"], outputs: ["a"], gates: ["accuracy >= 0.9"]),
                ],
                data: ["../elsewhere"]
            )
            """
        let (literal, compiled, source) = loadBothWays(rejected)
        #expect(source == nil)
        guard case .failure(let a) = literal, case .failure(let b) = compiled else {
            Issue.record("expected both to fail: \(literal) \(compiled)")
            return
        }
        #expect(a.code == .invalidPipeline && a.message == b.message, "\(a)\n\(b)")
        #expect(a.message.contains("'../x' is outside the package root"))
    }

    @Test(arguments: [
        #"let pipeline = Pipeline(stages: [.stage(name: "a\(1)", command: "true")])"#,  // interpolation
        #"let pipeline = Pipeline(stages: [.stage(command: "true", name: "a")])"#,  // labels out of order
        #"let pipeline = Pipeline(stages: [.stage(name: "a", command: "\q")])"#,  // an escape Swift refuses
        #"let pipeline = Pipeline(stages: [.stage(name: "", command: "true")])"#,  // DSL misuse
        #"let pipeline = Pipeline(stages: [.stage(name: "a", command: .exec([]))])"#,
        #"let pipeline = Pipeline(stages: [.stage(name: "a", command: "true", inputs: [""])])"#,
        #"let pipeline = Pipeline(stages: [.stage(name: "a", command: "true", params: [.value("seed", 1)])])"#,
        #"let pipeline = Pipeline(stages: [.stage(name: "a", command: "true").plots([.image("a.png")])])"#,
        #"let pipeline = Pipeline(stages: [.stage(name: "a", command: "true", resources: .init(cpus: 2))])"#,
        #"let pipeline = Pipeline(stages: [.stage(name: "a", command: "true", inputs: [.folder("a")], inputs: [])])"#,
        ##"let pipeline = Pipeline(stages: [.stage(name: "a", command: #"raw"#)])"##,
        #"let pipeline = Pipeline(stages: [.stage (name: "a", command: "true")])"#,
        #"let pipeline = Pipeline(stages: [.stage(name: "a", command: "true")])  let x = 1"#,
        #"let pipeline = Pipeline(stages: [.stage(name: "a", command: "true")]); print(pipeline)"#,
        #"let pipeline = Pipeline(stages: [.stage(name: "a", command: "\u{D800}")])"#,  // a surrogate
        #"let pipeline = Pipeline(stages: [.stage(name: "a", command: "true")])"# + "\nfor _ in 0..<1 {}",
        "let a: [Stage] = []\nlet pipeline = Pipeline(stages: a +[])",  // `+[]` is a prefix operator
        "let a: [Stage] = []\nlet pipeline = Pipeline(stages: b)",  // not declared
        "let a: [Stage] = []\nlet a: [Stage] = []\nlet pipeline = Pipeline(stages: a)",  // declared twice
        "let pipeline = Pipeline(stages: [])\nlet a: [Stage] = []",
        "let pipeline = Pipeline\n(stages: [])",
        "let let = Pipeline(stages: [])",
        "let Stage: [Stage] = []\nlet pipeline = Pipeline(stages: Stage)",  // a type's name
        "let pipeline = Pipeline(name: \"a\u{01}b\")",  // a raw control character in a literal
        "let pipeline = Pipeline(name: \"a\tb\")",  // a raw tab: Swift refuses it in a literal too
        "let folder = \"a\"\nlet pipeline = Pipeline(name: \"\\( folder)\")",  // spaces in the interpolation
        "let pipeline = Pipeline(name: \"\\(folder)\")",  // not declared
        "let pipeline = Pipeline(name: \"\\(folder)\")\nlet folder = \"a\"",  // declared after
        "let folder = \"a\" + \"b\"\nlet pipeline = Pipeline(name: \"\\(folder)\")",
        "let folder = \"a\"\n    .uppercased()\nlet pipeline = Pipeline(name: \"\\(folder)\")",
        "let Folder = \"a\"\nlet pipeline = Pipeline(name: \"\\(Folder)\")",
        "let folder = \"a\"\nlet folder = \"b\"\nlet pipeline = Pipeline(name: \"\\(folder)\")",
        "let folder: [Stage] = []\nlet pipeline = Pipeline(name: \"\\(folder)\")",  // not a string
        "let folder = \"a\"\nlet pipeline = Pipeline(name: folder)",  // a bare reference
        "let folder: Substring = \"a\"\nlet pipeline = Pipeline(name: \"\\(folder)\")",
    ])
    func anythingOutsideTheSubsetIsLeftToTheCompiler(body: String) {
        #expect(LiteralLeptonfile.envelope(Array(("import LeptonDescription\n" + body + "\n").utf8)) == nil)
    }

    @Test func escapesCommentsAndNamedArraysReadAsSwiftWouldReadThem() throws {
        let text = #"""
            // lepton-tools-version: 0.1
            import LeptonDescription /* a /* nested */ comment */

            let first: [Stage] = [
                .stage(name: "a", command: "printf '\t%s\n' \"\\\" caf\u{E9} \u{1F600} é", outputs: ["a",]),
            ]
            let pipeline = Pipeline(
                name: "demo", // trailing comment
                stages: first + [.stage(name: "b", command: .exec(["cat", "a"]), inputs: ["a"], params: ["x.y", .key("z", file: "p.json")])],
                gates: [],
            )
            """#
        let envelope = try #require(LiteralLeptonfile.envelope(Array(text.utf8)))
        let pipeline = try #require(envelope.pipeline)
        #expect(pipeline.name == "demo")
        #expect(pipeline.stages.map(\.name) == ["a", "b"])
        #expect(pipeline.stages[0].command.shell == "printf '\t%s\n' \"\\\" café 😀 é")
        #expect(pipeline.stages[1].command.exec == ["cat", "a"])
        #expect(pipeline.stages[1].params.map(\.file) == [nil, "p.json"])
        // And the compiler agrees.
        let (literal, compiled, source) = loadBothWays(text)
        #expect(source == .literal)
        #expect((try? literal.get()) == (try? compiled.get()) && (try? literal.get()) != nil)
    }

    /// Compiling without SILGen's lifetime completion gives the same description.
    @Test func skippingLifetimeCompletionEvaluatesTheSame() throws {
        let text = """
            import LeptonDescription
            let folds = [0, 1, 2]
            let pipeline = Pipeline(
                name: "demo",
                stages: [
                    .stage(name: "train", command: .exec(["python3", "train.py"]), inputs: ["data.csv", .folder("images")],
                           params: ["train.lr", .value("seed", 42), .value("lr0", 0.5)], outputs: ["model.bin"],
                           metrics: ["metrics.json"]),
                    .train(name: "mlp", data: .csv("data.csv", label: "y"), model: [.dense(8), .relu, .dense(2)],
                           optimizer: .sgd(learningRate: 0.1, momentum: 0.8), epochs: 2, checkpoint: "m/m.safetensors",
                           metrics: "m/train.json"),
                ]
            )
            for fold in folds {
                pipeline.stages.append(.stage(name: "eval-\\(fold)", command: "echo \\(fold) > e\\(fold)", inputs: ["model.bin"],
                                              outputs: ["e\\(fold)"]))
            }
            """
        var results: [[UInt8]] = []
        for completes in [false, true] {
            let package = TemporaryPackage("lifetimes")
            package.write("Leptonfile", text)
            var loader = LeptonfileLoader(workspace: package.workspace)
            loader.completesLifetimes = completes
            let loaded = try loader.load()
            #expect(loaded.source == .evaluated)
            results.append(loaded.pipeline.binary(key: "k"))
        }
        #expect(results[0] == results[1])
    }
}

/// Random literal Leptonfiles using every construct of the subset.
struct LiteralSource {
    /// With `computed`, `folder` is computed (a concatenation only the compiler evaluates), and
    /// so are `count` (an `Int`) and `label` (from `folder`, over two lines), all interpolated,
    /// alone and in expressions the probe computes.
    var computed = false
    /// With `helpers` (and `computed`), a variable and two functions of the file's own (one
    /// with a side effect, one with a label), called in interpolations the probe computes at
    /// each occurrence.
    var helpers = false
    /// Interpolations of the computed constants and of expressions over the constants, for the
    /// strings of the file.
    private var computedNames: [String] {
        guard computed else { return [] }
        return [
            "\\(count)", "\\(label)", "\\(folder.lowercased())", "\\(count * 2 + 1)", "\\(max(count, 7) % 5)",
            "\\(tool.uppercased().dropLast(1))", "\\(String(count).count)", "\\( label.count )",
            "\\(Double(count) / 4.5)",
        ]
            + (helpers
                ? [
                    "\\(next())", "\\(under(folder))", "\\(under(tool, times: count))", "\\(next() * 2 + count)",
                    "\\( under(label).count )",
                ]
                : [])
    }

    func random(_ random: inout SplitMix) -> String {
        var lines = ["// lepton-tools-version: 0.1", "import LeptonDescription", ""]
        // String constants, interpolated into the literals below (the second interpolates the first).
        if computed {
            lines.append("let folder = \(string(&random, constants: false)) + \(string(&random, constants: false))")
            lines.append("let count: Int = \(random.next() % 50) * 3  // a comment")
            lines.append("let label = [")
            lines.append("    folder, \"x\"].joined(separator: \"-\")")
        } else {
            lines.append("let folder = \(string(&random, constants: false))")
        }
        lines.append("let tool: String = \"\\(folder)/\(random.next() % 100)\"")
        if helpers {
            lines += [
                "var serial = \(random.next() % 10)", "func next() -> Int {", "    serial += 3", "    return serial",
                "}",
                "func under(_ name: String, times: Int = 1) -> String { String(repeating: name.uppercased(), count: times % 3) }",
            ]
        }
        let count = 4 + Int(random.next() % 8)
        var stages = (0..<count).map { stage($0, &random) }
        var arrays: [String] = []
        if random.next() % 2 == 0 {
            let named = Array(stages.prefix(count / 2))
            stages.removeFirst(count / 2)
            arrays.append("early")
            lines.append("let early: [Stage] = [")
            lines += named.map { "    \($0)," }
            lines.append("]")
        }
        var arguments: [String] = []
        if random.next() % 2 == 0 { arguments.append("name: \(string(&random))") }
        if random.next() % 3 == 0 { arguments.append("params: \"conf/params.json\"") }
        arguments.append(
            "stages: "
                + (arrays + ["[\n        " + stages.joined(separator: ",\n        ") + ",\n    ]"]).joined(
                    separator: " + "))
        if random.next() % 3 == 0 { arguments.append("gates: [\"accuracy >= 0.5\"]") }
        if random.next() % 3 == 0 { arguments.append("data: [\"raw/a.csv\", \"./raw/b/\"]") }
        lines.append("let pipeline = Pipeline(")
        lines.append(arguments.map { "    " + $0 }.joined(separator: ",\n") + (random.next() % 2 == 0 ? "," : ""))
        lines.append(")")
        return lines.joined(separator: "\n") + "\n"
    }

    private func stage(_ number: Int, _ random: inout SplitMix) -> String {
        var arguments = ["name: \"s\(number)-\(random.next() % 1000)\""]
        switch random.next() % 4 {
        case 0: arguments.append("command: \(string(&random))")
        case 1: arguments.append("command: .shell(\(string(&random)))")
        case 2: arguments.append("command: .exec([\"sh\", \"-c\", \(string(&random))])")
        default: arguments.append("command: .lepton([\"train\", \(string(&random))])")
        }
        let kinds = ["", ".file", ".folder", ".glob"]
        if random.next() % 3 != 0 {
            arguments.append("inputs: " + list(&random) { r in path(kinds[Int(r.next() % 4)], &r) })
        }
        if random.next() % 3 == 0 {
            arguments.append(
                "code: "
                    + list(&random) { r in path(["", ".file", ".folder", ".glob", ".target"][Int(r.next() % 5)], &r) })
        }
        if random.next() % 3 == 0 {
            arguments.append(
                "params: "
                    + list(&random) { r in r.next() % 2 == 0 ? "\"train.lr\"" : ".key(\"seed\", file: \"other.yaml\")" }
            )
        }
        if random.next() % 4 == 0 { arguments.append("environment: [\"OMP_NUM_THREADS\"]") }
        if random.next() % 3 != 0 {
            arguments.append(
                "outputs: " + list(&random) { r in path(["", ".file", ".folder"][Int(r.next() % 3)], &r) })
        }
        if random.next() % 4 == 0 {
            arguments.append("metrics: [\"m/\(number).json\"]")
            if random.next() % 2 == 0 { arguments.append("gates: [\"accuracy >= previous - 1%\"]") }
        }
        if random.next() % 4 == 0 { arguments.append("after: [\"s0\"]") }
        let separator = random.next() % 2 == 0 ? ", " : ",\n            "
        return ".stage(" + arguments.joined(separator: separator) + ")"
    }

    private func list(_ random: inout SplitMix, _ element: (inout SplitMix) -> String) -> String {
        let count = Int(random.next() % 4)
        let elements = (0..<count).map { _ in element(&random) }
        return "[" + elements.joined(separator: ", ") + (count > 0 && random.next() % 3 == 0 ? "," : "") + "]"
    }

    private func path(_ factory: String, _ random: inout SplitMix) -> String {
        let names = [
            "data/raw.csv", "./data//x", "a/../b.txt", "dir/", "shards/*.npy", "caf\\u{E9}/\\\"q\\\"", "Train",
            "in/\\(tool)",
        ]
        let literal = "\"" + names[Int(random.next() % UInt64(names.count))] + "\""
        return factory.isEmpty ? literal : "\(factory)(\(literal))"
    }

    /// A string literal with escapes, non-ASCII text, comment-like content and, with
    /// `constants`, interpolations of `folder` and `tool`.
    private func string(_ random: inout SplitMix, constants: Bool = true) -> String {
        let pieces =
            [
                "echo", " ", "\\\"", "\\\\", "\\t", "\\n", "\\0", "\\'", "\\u{41}", "\\u{1F600}", "é", "日本", "//", "/*",
                "$HOME", "a > b", "{x}", "%", "+",
            ] + (constants ? ["\\(folder)", "\\(tool)"] + computedNames : [])
        let count = 1 + Int(random.next() % 6)
        return "\"" + (0..<count).map { _ in pieces[Int(random.next() % UInt64(pieces.count))] }.joined() + "\""
    }
}
