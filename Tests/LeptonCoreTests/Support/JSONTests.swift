import LeptonCore
import LeptonSystem
import Testing

struct JSONTests {
    @Test func parsesAndWritesCanonically() throws {
        let value = try JSON.parse(#"{"b": [1, 2.5, true, null], "a": "x\n\u00e9\"", "c": {}}"#)
        #expect(value.compactText == #"{"a":"x\né\"","b":[1,2.5,true,null],"c":{}}"#)
        #expect(try JSON.parse(value.prettyText) == value)
    }

    @Test(arguments: ["{", "[1,]", "{\"a\" 1}", "tru", "\"open", "{} x"])
    func rejectsDamagedDocuments(text: String) {
        #expect(throws: JSONParseError.self) { try JSON.parse(text) }
    }

    @Test(arguments: ["1-2e", "--", "-", "01", "1.", ".5", "1e", "1e+", "+1", "1.2.3", "0x10", "[1-2e]"])
    func rejectsInvalidNumbers(text: String) {
        #expect(throws: JSONParseError.self) { try JSON.parse(text) }
    }

    @Test(arguments: ["0", "-0", "12", "-3.25", "1e5", "1E-7", "2.5e+3", "[0,-1.5e2]"])
    func acceptsValidNumbers(text: String) throws {
        let value = try JSON.parse(text)
        #expect(try JSON.parse(value.compactText) == value)
    }

    @Test func invalidNumberInParamsFileNamesTheFile() {
        #expect {
            try ParamsFile(path: "params.json", bytes: Array(#"{"train": {"lr": 1-2e}}"#.utf8))
        } throws: { error in
            (error as? LeptonError)?.message.contains("params.json") == true
        }
    }

    @Test func paramsValuesAreComparedCanonically() throws {
        let yaml = try ParamsFile(path: "p.yaml", bytes: Array("train:\n  lr: 1.0e-2\n  n: 3\n".utf8))
        let json = try ParamsFile(path: "p.json", bytes: Array(#"{"train": {"n": 3, "lr": 0.010}}"#.utf8))
        #expect(yaml.value(at: "train.lr").map(ParamsFile.canonical) == "0.01")
        #expect(json.value(at: "train.lr").map(ParamsFile.canonical) == "0.01")
        #expect(yaml.value(at: "train").map(ParamsFile.canonical) == json.value(at: "train").map(ParamsFile.canonical))
        #expect(yaml.value(at: "train.missing") == nil)
    }
}
