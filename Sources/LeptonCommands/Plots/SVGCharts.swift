/// The charts of declared plots (DVC's templates): x/y curves on numeric axes, confusion
/// matrices and horizontal bars. Self-contained SVG, like the rest of ``SVG``.
extension SVG {
    /// One curve: a name and its (x, y) points in file order.
    struct Curve {
        var name: String
        var points: [(x: Double, y: Double)]
    }

    /// How the points of a curve are drawn.
    enum Marks {
        /// Lines with a marker on every point (`linear`).
        case linesAndPoints
        /// Lines only (`simple`).
        case lines
        /// Points only (`scatter`).
        case points
        /// A moving average over the faint raw points (`smooth`).
        case smooth
    }

    /// Curves on numeric axes with round ticks on both, axis labels, and a legend that wraps.
    /// `categories` names x positions 0, 1, … when x is not numeric.
    static func curveChart(
        title: String, xLabel: String, yLabel: String, curves: [Curve], marks: Marks, categories: [String] = []
    ) -> String {
        let width = 560
        let left = 64.0
        let right = 16.0
        let top = 34.0
        let plotWidth = Double(width) - left - right
        let plotHeight = 230.0
        let names = curves.map(\.name)
        let legend = legendLayout(names, width: Double(width), left: left, right: right)
        let height = Int(top + plotHeight + 48 + Double(legend.rows) * 16)
        let xs = curves.flatMap { $0.points.map(\.x) }.filter(\.isFinite)
        let ys = curves.flatMap { $0.points.map(\.y) }.filter(\.isFinite)
        let xTicks = niceTicks(low: xs.min() ?? 0, high: xs.max() ?? 1)
        let yTicks = niceTicks(low: ys.min() ?? 0, high: ys.max() ?? 1)
        let (xLow, xHigh) = (xTicks.first ?? 0, xTicks.last ?? 1)
        let (yLow, yHigh) = (yTicks.first ?? 0, yTicks.last ?? 1)
        func px(_ value: Double) -> Double { left + plotWidth * (value - xLow) / (xHigh - xLow) }
        func py(_ value: Double) -> Double { top + plotHeight * (1 - (value - yLow) / (yHigh - yLow)) }
        var svg = header(width: width, height: height, title: title, left: left)
        svg +=
            "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(plotWidth)\" height=\"\(plotHeight)\" fill=\"#fafafa\" stroke=\"#ccc\"/>"
        for value in yTicks {
            let y = py(value)
            svg += "<line x1=\"\(left)\" y1=\"\(y)\" x2=\"\(left + plotWidth)\" y2=\"\(y)\" stroke=\"#eee\"/>"
            svg += "<text x=\"\(left - 6)\" y=\"\(y + 4)\" text-anchor=\"end\">\(format(value))</text>"
        }
        let bottom = top + plotHeight
        if categories.isEmpty {
            for value in xTicks {
                let x = px(value)
                svg += "<line x1=\"\(x)\" y1=\"\(top)\" x2=\"\(x)\" y2=\"\(bottom)\" stroke=\"#eee\"/>"
                svg += "<text x=\"\(x)\" y=\"\(bottom + 14)\" text-anchor=\"middle\">\(format(value))</text>"
            }
        } else {
            let every = max(1, categories.count / 8)
            for (index, name) in categories.enumerated() where index % every == 0 {
                svg +=
                    "<text x=\"\(px(Double(index)))\" y=\"\(bottom + 14)\" text-anchor=\"middle\">\(escape(name))</text>"
            }
        }
        svg +=
            "<text x=\"\(left + plotWidth / 2)\" y=\"\(bottom + 32)\" text-anchor=\"middle\">\(escape(xLabel))</text>"
        svg +=
            "<text transform=\"translate(14,\(top + plotHeight / 2)) rotate(-90)\" text-anchor=\"middle\">\(escape(yLabel))</text>"
        for (index, curve) in curves.enumerated() {
            let color = palette[index % palette.count]
            let points = curve.points.filter { $0.x.isFinite && $0.y.isFinite }
            func polyline(_ points: [(x: Double, y: Double)], opacity: Double) -> String {
                let path = points.map { "\(px($0.x)),\(py($0.y))" }.joined(separator: " ")
                return
                    "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" stroke-opacity=\"\(opacity)\" points=\"\(path)\"/>"
            }
            switch marks {
            case .lines: svg += polyline(points, opacity: 1)
            case .smooth:
                svg += polyline(points, opacity: 0.25)
                svg += polyline(movingAverage(points), opacity: 1)
            case .linesAndPoints, .points:
                if marks == .linesAndPoints { svg += polyline(points, opacity: 1) }
                // A thousand markers say no more than a line; keep the file small.
                let step = max(1, points.count / 400)
                for point in points.enumerated().filter({ $0.offset % step == 0 }).map(\.element) {
                    svg +=
                        "<circle cx=\"\(px(point.x))\" cy=\"\(py(point.y))\" r=\"\(marks == .points ? 3 : 2.5)\" fill=\"\(color)\""
                        + " fill-opacity=\"\(marks == .points ? 0.7 : 1)\"><title>\(escape(curve.name)) "
                        + "(\(format(point.x)), \(format(point.y)))</title></circle>"
                }
            }
        }
        svg += legendMarkup(names, legend, baseline: bottom + 44)
        return svg + "</svg>"
    }

    /// A centred moving average over about a tenth of the points (at least 3).
    static func movingAverage(_ points: [(x: Double, y: Double)]) -> [(x: Double, y: Double)] {
        let half = max(1, points.count / 20)
        return points.indices.map { index in
            let window = points[max(0, index - half)...min(points.count - 1, index + half)]
            return (points[index].x, window.map(\.y).reduce(0, +) / Double(window.count))
        }
    }

    /// One panel of a confusion matrix: `counts[row][column]`, rows the y field's classes and
    /// columns the x field's.
    struct ConfusionPanel {
        var name: String
        var classes: [String]
        var counts: [[Double]]
    }

    /// Confusion matrices side by side (one per file and revision), cells shaded by value with
    /// the count (or share, when `normalized`) written in each.
    static func confusionChart(
        title: String, xLabel: String, yLabel: String, panels: [ConfusionPanel], normalized: Bool
    ) -> String {
        let classCount = max(1, panels.map(\.classes.count).max() ?? 1)
        let cell = max(18, min(40, 320 / Double(classCount)))
        let labelWidth = 14 + 6.5 * Double(panels.flatMap(\.classes).map(\.count).max() ?? 1)
        let panelWidth = labelWidth + cell * Double(classCount) + 24
        let width = Int(max(260, 40 + panelWidth * Double(panels.count)))
        let top = 58.0
        let height = Int(top + cell * Double(classCount) + 54)
        var svg = header(width: width, height: height, title: title, left: 16)
        for (panelIndex, panel) in panels.enumerated() {
            let originX = 40 + panelWidth * Double(panelIndex) + labelWidth
            let size = Double(panel.classes.count)
            svg +=
                "<text x=\"\(originX + cell * size / 2)\" y=\"38\" text-anchor=\"middle\">\(escape(panel.name))</text>"
            // Each x (column) class's share, when normalized.
            let columnTotals = panel.classes.indices.map { column in panel.counts.map { $0[column] }.reduce(0, +) }
            let values = panel.counts.map { row in
                row.enumerated().map { column, count in
                    normalized ? (columnTotals[column] > 0 ? count / columnTotals[column] : 0) : count
                }
            }
            let largest = max(values.flatMap { $0 }.max() ?? 1, 1e-12)
            for (row, name) in panel.classes.enumerated() {
                let y = top + cell * Double(row)
                svg +=
                    "<text x=\"\(originX - 6)\" y=\"\(y + cell / 2 + 4)\" text-anchor=\"end\">\(escape(name))</text>"
                for column in panel.classes.indices {
                    let value = values[row][column]
                    let shade = value / largest
                    let x = originX + cell * Double(column)
                    let fill = heat(shade)
                    svg +=
                        "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(cell)\" height=\"\(cell)\" fill=\"\(fill)\" stroke=\"#fff\">"
                        + "<title>\(escape(xLabel)) \(escape(panel.classes[column])), \(escape(yLabel)) \(escape(name)): "
                        + "\(format(value))</title></rect>"
                    if cell >= 22 {
                        let text = normalized ? format((value * 100).rounded() / 100) : format(value)
                        svg +=
                            "<text x=\"\(x + cell / 2)\" y=\"\(y + cell / 2 + 4)\" text-anchor=\"middle\" "
                            + "fill=\"\(shade > 0.55 ? "#fff" : "#222")\" font-size=\"10\">\(text)</text>"
                    }
                }
            }
            let bottom = top + cell * size
            for (column, name) in panel.classes.enumerated() {
                svg +=
                    "<text x=\"\(originX + cell * (Double(column) + 0.5))\" y=\"\(bottom + 14)\" text-anchor=\"middle\">\(escape(name))</text>"
            }
            svg +=
                "<text x=\"\(originX + cell * size / 2)\" y=\"\(bottom + 32)\" text-anchor=\"middle\">\(escape(xLabel))</text>"
            svg +=
                "<text transform=\"translate(\(originX - labelWidth + 4),\(top + cell * size / 2)) rotate(-90)\" "
                + "text-anchor=\"middle\">\(escape(yLabel))</text>"
        }
        return svg + "</svg>"
    }

    /// White to dark blue.
    static func heat(_ share: Double) -> String {
        let share = min(1, max(0, share))
        func channel(_ from: Double, _ to: Double) -> Int { Int((from + (to - from) * share).rounded()) }
        let red = channel(247, 8)
        let green = channel(251, 48)
        let blue = channel(255, 107)
        return "rgb(\(red),\(green),\(blue))"
    }

    /// One set of bars: a value per category.
    struct Bars {
        var name: String
        var values: [String: Double]
    }

    /// Horizontal bars, one row per category (in `categories` order), one bar per set in it.
    static func barChart(title: String, xLabel: String, categories: [String], bars: [Bars]) -> String {
        let width = 560
        let labelWidth = min(220, 14 + 6.5 * Double(categories.map(\.count).max() ?? 1))
        let left = 16 + labelWidth
        let right = 40.0
        let top = 34.0
        let barHeight = max(6, min(18, 200 / Double(max(1, categories.count * bars.count))))
        let rowHeight = barHeight * Double(bars.count) + 6
        let plotWidth = Double(width) - left - right
        let plotHeight = rowHeight * Double(categories.count)
        let names = bars.map(\.name)
        let legend = legendLayout(bars.count > 1 ? names : [], width: Double(width), left: left, right: right)
        let height = Int(top + plotHeight + 40 + Double(legend.rows) * 16)
        let values = bars.flatMap { $0.values.values }.filter(\.isFinite)
        let ticks = niceTicks(low: min(0, values.min() ?? 0), high: max(0, values.max() ?? 1))
        let (low, high) = (ticks.first ?? 0, ticks.last ?? 1)
        func px(_ value: Double) -> Double { left + plotWidth * (value - low) / (high - low) }
        var svg = header(width: width, height: height, title: title, left: 16)
        let bottom = top + plotHeight
        for value in ticks {
            let x = px(value)
            svg += "<line x1=\"\(x)\" y1=\"\(top)\" x2=\"\(x)\" y2=\"\(bottom)\" stroke=\"#eee\"/>"
            svg += "<text x=\"\(x)\" y=\"\(bottom + 14)\" text-anchor=\"middle\">\(format(value))</text>"
        }
        svg +=
            "<text x=\"\(left + plotWidth / 2)\" y=\"\(bottom + 30)\" text-anchor=\"middle\">\(escape(xLabel))</text>"
        for (row, category) in categories.enumerated() {
            let y = top + rowHeight * Double(row) + 3
            svg +=
                "<text x=\"\(left - 6)\" y=\"\(y + rowHeight / 2)\" text-anchor=\"end\">\(escape(category))</text>"
            for (index, set) in bars.enumerated() {
                guard let value = set.values[category], value.isFinite else { continue }
                let start = px(min(0, value))
                let end = px(max(0, value))
                svg +=
                    "<rect x=\"\(start)\" y=\"\(y + barHeight * Double(index))\" width=\"\(max(0.5, end - start))\" "
                    + "height=\"\(barHeight - 1)\" fill=\"\(palette[index % palette.count])\"><title>\(escape(set.name)) "
                    + "\(escape(category)): \(format(value))</title></rect>"
            }
        }
        svg += "<line x1=\"\(px(0))\" y1=\"\(top)\" x2=\"\(px(0))\" y2=\"\(bottom)\" stroke=\"#888\"/>"
        if bars.count > 1 { svg += legendMarkup(names, legend, baseline: bottom + 40) }
        return svg + "</svg>"
    }

    private static func header(width: Int, height: Int, title: String, left: Double) -> String {
        """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" \
        font-family="sans-serif" font-size="11">
        <rect width="\(width)" height="\(height)" fill="#fff"/>
        <text x="\(left)" y="18" font-size="13" font-weight="bold">\(escape(title))</text>
        """
    }

    /// Where each legend entry goes: x and row, wrapping inside the chart's width.
    static func legendLayout(_ names: [String], width: Double, left: Double, right: Double) -> (
        positions: [(x: Double, row: Int)], rows: Int
    ) {
        var positions: [(x: Double, row: Int)] = []
        var cursor = left
        var row = 0
        for name in names {
            let entryWidth = 14 + Double(name.count) * 6.2 + 18
            if cursor > left && cursor + entryWidth > width - right {
                row += 1
                cursor = left
            }
            positions.append((cursor, row))
            cursor += entryWidth
        }
        return (positions, names.isEmpty ? 0 : row + 1)
    }

    private static func legendMarkup(
        _ names: [String], _ layout: (positions: [(x: Double, row: Int)], rows: Int), baseline: Double
    ) -> String {
        var svg = ""
        for (index, name) in names.enumerated() {
            let (x, row) = layout.positions[index]
            let y = baseline + Double(row) * 16
            svg +=
                "<rect x=\"\(x)\" y=\"\(y - 9)\" width=\"10\" height=\"10\" fill=\"\(palette[index % palette.count])\"/>"
            svg += "<text x=\"\(x + 14)\" y=\"\(y)\">\(escape(name))</text>"
        }
        return svg
    }
}
