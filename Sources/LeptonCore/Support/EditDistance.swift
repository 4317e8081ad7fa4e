/// "Did you mean" suggestions by Levenshtein distance, as ninja and ArgumentParser make them.
public enum EditDistance {
    /// The edit distance between two strings.
    public static func between(_ a: String, _ b: String) -> Int {
        let left = Array(a.unicodeScalars)
        let right = Array(b.unicodeScalars)
        if left.isEmpty { return right.count }
        if right.isEmpty { return left.count }
        var previous = Array(0...right.count)
        var current = [Int](repeating: 0, count: right.count + 1)
        for i in 1...left.count {
            current[0] = i
            for j in 1...right.count {
                let cost = left[i - 1] == right[j - 1] ? 0 : 1
                current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[right.count]
    }

    /// The closest candidate within a distance of about a third of the name's length, if any.
    public static func suggestion(for name: String, among candidates: some Sequence<String>) -> String? {
        let limit = Swift.max(2, name.count / 3)
        var best: (String, Int)?
        for candidate in candidates {
            let distance = between(name, candidate)
            if distance <= limit, distance < (best?.1 ?? Int.max) { best = (candidate, distance) }
        }
        return best?.0
    }
}
