import LeptonSystem
import Testing

private struct Record: Decodable, Equatable {
    struct Item: Decodable, Equatable {
        var kind: String
        var size: Int
    }
    var name: String
    var ratio: Double
    var flags: [Bool]
    var items: [Item]
    var note: String?
    var missing: [String]?
}

struct JSONDecodingTests {
    @Test func decodesNestedStructsArraysOptionalsAndNumbers() throws {
        let text = """
            {"name": "train", "ratio": 0.25, "flags": [true, false], "items": [{"kind": "file", "size": 3}], "note": null}
            """
        let record = try JSONValueDecoder().decode(Record.self, from: Array(text.utf8))
        #expect(
            record
                == Record(
                    name: "train", ratio: 0.25, flags: [true, false], items: [.init(kind: "file", size: 3)], note: nil,
                    missing: nil))
    }

    @Test func mismatchesNameTheirPathAndNeverTruncate() {
        let cases = [
            #"{"name": 1, "ratio": 1, "flags": [], "items": []}"#,
            #"{"name": "x", "ratio": 1, "flags": [], "items": [{"kind": "file", "size": 1.5}]}"#,
            #"{"name": "x", "ratio": 1, "flags": ["yes"], "items": []}"#,
            #"{"name": "x", "flags": [], "items": []}"#,
        ]
        let paths = ["name", "items.0.size", "flags.0", "ratio"]
        for (text, path) in zip(cases, paths) {
            do {
                _ = try JSONValueDecoder().decode(Record.self, from: Array(text.utf8))
                Issue.record("decoded \(text)")
            } catch let error as DecodingError {
                let context: DecodingError.Context
                switch error {
                case .typeMismatch(_, let found), .valueNotFound(_, let found), .dataCorrupted(let found):
                    context = found
                case .keyNotFound(let key, let found):
                    context = DecodingError.Context(codingPath: found.codingPath + [key], debugDescription: "")
                @unknown default:
                    Issue.record("unexpected \(error)")
                    continue
                }
                #expect(
                    context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
                        == path)
            } catch {
                Issue.record("not a DecodingError: \(error)")
            }
        }
    }
}
