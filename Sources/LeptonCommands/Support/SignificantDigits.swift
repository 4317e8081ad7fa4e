#if canImport(Glibc)
    import Glibc
#endif

/// Numbers for people: rounded to a number of significant digits (`--precision`, 5 by default
/// as in DVC), plain decimals from 1e-4 up to the digits' reach, scientific notation beyond,
/// no trailing zeros, and no negative zero.
enum SignificantDigits {
    static let defaultPrecision = 5

    static func text(_ value: Double, _ digits: Int = defaultPrecision) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
        let digits = max(1, digits)
        if value == 0 { return "0" }
        let magnitude = abs(value)
        var exponent = Int(log10(magnitude).rounded(.down))
        // Rounding can carry into the next power of ten (9.99996 -> 10.000).
        if rounded(magnitude, decimals: digits - 1 - exponent) >= power(exponent + 1) { exponent += 1 }
        let sign = value < 0 ? "-" : ""
        if exponent >= -4 && exponent < digits {
            let decimals = max(0, digits - 1 - exponent)
            let text = fixed(magnitude, decimals: decimals)
            return text == "0" ? "0" : sign + text
        }
        let mantissa = magnitude / power(exponent)
        let text = fixed(mantissa, decimals: digits - 1)
        return sign + text + "e" + (exponent < 0 ? "-" : "+") + (abs(exponent) < 10 ? "0" : "") + String(abs(exponent))
    }

    /// `+0.0123 (+1.4%)`: a change, with its relative size when the old value is not zero.
    static func change(from old: Double, to new: Double, _ digits: Int = defaultPrecision) -> String {
        let delta = new - old
        let deltaText = text(delta, digits)
        let sign = deltaText.hasPrefix("-") || deltaText == "0" ? "" : "+"
        guard old != 0 else { return sign + deltaText }
        let relative = delta / abs(old) * 100
        // Three significant digits, whole percents from 100 up (not 4.9e+03).
        let percent =
            abs(relative) >= 100 && abs(relative) < 1e15
            ? String(Int(relative.rounded())) : text(relative, min(digits, 3))
        return "\(sign)\(deltaText) (\(sign)\(percent)%)"
    }

    /// `value` with exactly `decimals` digits after the point, trailing zeros dropped.
    private static func fixed(_ value: Double, decimals: Int) -> String {
        let scaled = rounded(value, decimals: decimals) * power(decimals)
        guard scaled < 9e18 else { return "\(value)" }
        var digits = String(Int(scaled.rounded()))
        if decimals == 0 { return digits }
        while digits.count <= decimals { digits = "0" + digits }
        var whole = String(digits.dropLast(decimals))
        var fraction = String(digits.suffix(decimals))
        while fraction.last == "0" { fraction.removeLast() }
        if whole.isEmpty { whole = "0" }
        return fraction.isEmpty ? whole : whole + "." + fraction
    }

    private static func rounded(_ value: Double, decimals: Int) -> Double {
        (value * power(decimals)).rounded() / power(decimals)
    }

    private static func power(_ exponent: Int) -> Double {
        var result = 1.0
        for _ in 0..<abs(exponent) { result *= 10 }
        return exponent < 0 ? 1 / result : result
    }
}
