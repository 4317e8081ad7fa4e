import LeptonCore
import LeptonSystem

extension CommandDescription {
    /// What must be built before the command can run, as `dag --format json` and `status --json`
    /// report it for the SwiftPM plugin: `runsTrainer`, and `product` (`{"name", "configuration"}`)
    /// for a `.product` command.
    var buildNeeds: [String: JSON] {
        var needs: [String: JSON] = ["runsTrainer": .bool(runsTrainer)]
        if case .product(let name, _, let configuration) = self {
            needs["product"] = .object(["name": .string(name), "configuration": .string(configuration)])
        }
        return needs
    }
}
