import Foundation

@testable import LeptonTrainer

/// Paths of the trainer's test fixtures.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures").path

    static func path(_ name: String) -> String { directory + "/" + name }

    /// The 1,797 UCI digits, pixel values 0–16, as flat 64-feature samples.
    static func digits() throws -> Dataset {
        try DataSource.csv(path: path("digits.csv.gz"), label: "digit").load()
    }

    /// A fresh temporary folder.
    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "lepton-trainer-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
