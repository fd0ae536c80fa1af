import Lineage

/// A run's curves as text, for `iopo-exp log`.
public struct MetricCurve: Sendable, Codable, Equatable {
    public var step: String
    public var key: String
    public var points: [Point]

    /// One point of a curve.
    public struct Point: Sendable, Codable, Equatable {
        public var index: Int
        public var value: Double
    }

    /// Curves of a run, ordered by step then key; `filter` keeps curves whose key, `step/key` or
    /// `step.key` equals it (or whose key ends with `/filter`).
    public static func curves(_ details: RunDetails, filter: String?) -> [MetricCurve] {
        var grouped: [String: MetricCurve] = [:]
        for m in details.metrics {
            guard let i = m.index else { continue }
            let id = m.stepName + "\u{0}" + m.key
            grouped[id, default: MetricCurve(step: m.stepName, key: m.key, points: [])].points.append(Point(index: i, value: m.value))
        }
        var curves = grouped.values.map { curve -> MetricCurve in
            var sorted = curve
            sorted.points.sort { $0.index < $1.index }
            return sorted
        }.sorted { ($0.step, $0.key) < ($1.step, $1.key) }
        if let filter {
            curves = curves.filter { $0.key == filter || "\($0.step)/\($0.key)" == filter || "\($0.step).\($0.key)" == filter || $0.key.hasSuffix("/" + filter) }
        }
        return curves
    }

    /// `step/key (n points)` then one `index value` line per point; a sparkline summarises it.
    public var text: String {
        var out = "\(step.isEmpty ? "" : step + "/")\(key)  (\(points.count) points)  \(MetricCurve.sparkline(points.map(\.value)))\n"
        let width = String(points.last?.index ?? 0).count
        for p in points {
            out += "  " + String(repeating: " ", count: max(0, width - String(p.index).count)) + "\(p.index)  \(SpecValue.numberText(p.value))\n"
        }
        return out
    }

    /// Eight-level bars over at most 60 buckets.
    static func sparkline(_ values: [Double]) -> String {
        guard let lo = values.min(), let hi = values.max(), !values.isEmpty else { return "" }
        let bars = Array("▁▂▃▄▅▆▇█")
        let buckets = min(60, values.count)
        var out = ""
        for b in 0..<buckets {
            let start = b * values.count / buckets, end = max(start + 1, (b + 1) * values.count / buckets)
            let mean = values[start..<end].reduce(0, +) / Double(end - start)
            let level = hi > lo ? Int(((mean - lo) / (hi - lo) * 7).rounded()) : 0
            out.append(bars[max(0, min(7, level))])
        }
        return out
    }
}
