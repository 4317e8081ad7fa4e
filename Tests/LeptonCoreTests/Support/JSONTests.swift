import LeptonCore
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

    @Test func paramsValuesAreComparedCanonically() throws {
        let yaml = try ParamsFile(path: "p.yaml", bytes: Array("train:\n  lr: 1.0e-2\n  n: 3\n".utf8))
        let json = try ParamsFile(path: "p.json", bytes: Array(#"{"train": {"n": 3, "lr": 0.010}}"#.utf8))
        #expect(yaml.value(at: "train.lr").map(ParamsFile.canonical) == "0.01")
        #expect(json.value(at: "train.lr").map(ParamsFile.canonical) == "0.01")
        #expect(yaml.value(at: "train").map(ParamsFile.canonical) == json.value(at: "train").map(ParamsFile.canonical))
        #expect(yaml.value(at: "train.missing") == nil)
    }
}
