/// Backslash escapes for backslash, double quote and newline: what a Swift string literal and a
/// Prometheus label value need alike.
enum BackslashEscaping {
    static func escape(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "\\": result += "\\\\"
            case "\"": result += "\\\""
            case "\n": result += "\\n"
            default: result.append(character)
            }
        }
        return result
    }
}
