/// Small, dependency-free SVG drawing for `lepton plots` and `lepton dag --format svg`: line
/// charts and the stage graph, as self-contained markup (no scripts, no external fonts).
enum SVG {
    /// Escapes text for XML content and attributes.
    static func escape(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            default: result.append(character)
            }
        }
        return result
    }

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]

    /// One line of a chart: a name and (x label, y) points.
    struct Series {
        var name: String
        var points: [(label: String, value: Double)]
    }

    /// A line chart of one or more series sharing the x positions (the point index), with the
    /// y range, the first and last x labels, a legend, and a tooltip (`<title>`) on every point.
    static func lineChart(title: String, series: [Series], width: Int = 520, height: Int = 280) -> String {
        let left = 56.0
        let right = 16.0
        let top = 34.0
        let bottom = 40.0
        let plotWidth = Double(width) - left - right
        let plotHeight = Double(height) - top - bottom
        let values = series.flatMap { $0.points.map(\.value) }.filter(\.isFinite)
        let ticks = niceTicks(low: values.min() ?? 0, high: values.max() ?? 1)
        let low = ticks.first ?? 0
        let high = ticks.last ?? 1
        // The legend wraps onto as many rows as it needs, inside the chart's width.
        var legend: [(x: Double, row: Int)] = []
        var cursor = left
        var row = 0
        for line in series {
            let entryWidth = 14 + Double(line.name.count) * 6.2 + 18
            if cursor > left && cursor + entryWidth > Double(width) - right {
                row += 1
                cursor = left
            }
            legend.append((cursor, row))
            cursor += entryWidth
        }
        let legendRows = series.isEmpty ? 0 : row + 1
        let height = height + max(0, legendRows - 1) * 16
        let count = max(series.map(\.points.count).max() ?? 1, 1)
        func x(_ index: Int) -> Double {
            left + (count == 1 ? plotWidth / 2 : plotWidth * Double(index) / Double(count - 1))
        }
        func y(_ value: Double) -> Double { top + plotHeight * (1 - (value - low) / (high - low)) }
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" \
            font-family="sans-serif" font-size="11">
            <text x="\(left)" y="18" font-size="13" font-weight="bold">\(escape(title))</text>
            <rect x="\(left)" y="\(top)" width="\(plotWidth)" height="\(plotHeight)" fill="#fafafa" stroke="#ccc"/>
            """
        for value in ticks {
            let position = y(value)
            svg +=
                "<line x1=\"\(left)\" y1=\"\(position)\" x2=\"\(left + plotWidth)\" y2=\"\(position)\" stroke=\"#eee\"/>"
            svg += "<text x=\"\(left - 6)\" y=\"\(position + 4)\" text-anchor=\"end\">\(format(value))</text>"
        }
        if let labels = series.first(where: { !$0.points.isEmpty })?.points {
            svg += "<text x=\"\(left)\" y=\"\(Double(height) - 22)\">\(escape(labels[0].label))</text>"
            if labels.count > 1 {
                svg +=
                    "<text x=\"\(left + plotWidth)\" y=\"\(Double(height) - 22)\" text-anchor=\"end\">"
                    + "\(escape(labels[labels.count - 1].label))</text>"
            }
        }
        for (index, line) in series.enumerated() {
            let color = palette[index % palette.count]
            let points = line.points.enumerated().filter { $0.element.value.isFinite }
            let path = points.map { "\(x($0.offset)),\(y($0.element.value))" }.joined(separator: " ")
            svg += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(path)\"/>"
            for (position, point) in points {
                svg +=
                    "<circle cx=\"\(x(position))\" cy=\"\(y(point.value))\" r=\"3\" fill=\"\(color)\">"
                    + "<title>\(escape(line.name)) \(escape(point.label)): \(format(point.value))</title></circle>"
            }
            let (legendX, legendRow) = legend[index]
            let legendY = Double(height) - 12 - Double(legendRows - 1 - legendRow) * 16
            svg += "<rect x=\"\(legendX)\" y=\"\(legendY)\" width=\"10\" height=\"10\" fill=\"\(color)\"/>"
            svg += "<text x=\"\(legendX + 14)\" y=\"\(legendY + 9)\">\(escape(line.name))</text>"
        }
        return svg + "</svg>"
    }

    /// The stage graph: stages in columns by depth (longest path from a source), arrows from
    /// each stage to the stages that need it.
    static func graph(names: [String], dependencies: [[Int]]) -> String {
        var depth = [Int](repeating: 0, count: names.count)
        var changed = true
        while changed {
            changed = false
            for stage in names.indices {
                let needed = (dependencies[stage].map { depth[$0] + 1 }.max() ?? 0)
                if needed > depth[stage] && needed < names.count {
                    depth[stage] = needed
                    changed = true
                }
            }
        }
        var rows = [Int](repeating: 0, count: names.count)
        var used: [Int: Int] = [:]
        for stage in names.indices {
            rows[stage] = used[depth[stage], default: 0]
            used[depth[stage], default: 0] += 1
        }
        let boxWidth = 150.0
        let boxHeight = 34.0
        func origin(_ stage: Int) -> (Double, Double) {
            (20 + Double(depth[stage]) * 200, 20 + Double(rows[stage]) * 60)
        }
        let width = Int(40 + Double((depth.max() ?? 0) + 1) * 200)
        let height = Int(40 + Double(used.values.max() ?? 1) * 60)
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" \
            font-family="sans-serif" font-size="12">
            <defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" \
            orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>
            """
        for stage in names.indices {
            for dependency in dependencies[stage] {
                let (fromX, fromY) = origin(dependency)
                let (toX, toY) = origin(stage)
                svg +=
                    "<line x1=\"\(fromX + boxWidth)\" y1=\"\(fromY + boxHeight / 2)\" x2=\"\(toX)\" "
                    + "y2=\"\(toY + boxHeight / 2)\" stroke=\"#555\" marker-end=\"url(#arrow)\"/>"
            }
        }
        for (stage, name) in names.enumerated() {
            let (x, y) = origin(stage)
            svg +=
                "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(boxWidth)\" height=\"\(boxHeight)\" rx=\"6\" fill=\"#eef4fb\" "
                + "stroke=\"#1f77b4\"/><text x=\"\(x + boxWidth / 2)\" y=\"\(y + 21)\" text-anchor=\"middle\">\(escape(name))</text>"
        }
        return svg + "</svg>"
    }

    /// Round tick values (1, 2 or 5 times a power of ten apart) covering `low...high`, four to
    /// seven of them.
    static func niceTicks(low: Double, high: Double) -> [Double] {
        var low = low
        var high = high
        if low == high {
            low -= 0.5
            high += 0.5
        }
        let raw = (high - low) / 5
        // step = mantissa × 10^exponent; ticks are whole multiples of it, computed from integers
        // so 3 × 0.2 is 0.6, not 0.6000000000000001.
        var exponent = 0
        var unit = 1.0
        while unit > raw {
            unit /= 10
            exponent -= 1
        }
        while unit * 10 <= raw {
            unit *= 10
            exponent += 1
        }
        let mantissa = [1, 2, 5, 10].first { Double($0) * unit >= raw } ?? 10
        var power = 1.0
        for _ in 0..<abs(exponent) { power *= 10 }
        func value(_ multiple: Int) -> Double {
            exponent >= 0 ? Double(multiple * mantissa) * power : Double(multiple * mantissa) / power
        }
        let step = value(1)
        let first = Int((low / step).rounded(.down))
        let last = Int((high / step).rounded(.up))
        return (first...max(first, last)).map(value)
    }

    /// Four significant digits, without a trailing `.0` for integers.
    static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e9 { return String(Int(value)) }
        let magnitude = abs(value)
        let digits = magnitude >= 100 ? 1 : magnitude >= 1 ? 3 : 4
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        return "\((value * scale).rounded() / scale)"
    }
}
