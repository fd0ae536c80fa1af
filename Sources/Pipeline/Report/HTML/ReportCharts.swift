import Basics
import Foundation

/// Chart.js configurations for the report's data: a line chart per training curve, a grouped bar
/// chart per evaluation breakdown. Charts are drawn by Chart.js in the browser; this file only
/// says what to draw. Animations are off, so a chart is complete as soon as it is created (what
/// the browser test and a screenshot see).
enum ReportCharts {
    /// Tableau 10, in order; series take colours by position.
    static let palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]

    static func color(_ index: Int) -> String { palette[index % palette.count] }

    /// A finite number, or null (JSON has no NaN).
    static func number(_ value: Double?) -> JSONValue {
        guard let value, value.isFinite else { return .null }
        return .double(value)
    }

    static func title(_ text: String) -> JSONValue {
        .object(["display": .bool(true), "text": .string(text), "font": .object(["size": .int(14)])])
    }

    static func axis(_ text: String, type: String? = nil, beginAtZero: Bool = false) -> JSONValue {
        var members: [String: JSONValue] = ["title": .object(["display": .bool(true), "text": .string(text)])]
        if let type { members["type"] = .string(type) }
        if beginAtZero { members["beginAtZero"] = .bool(true) }
        return .object(members)
    }

    static func options(title text: String, x: JSONValue, y: JSONValue) -> JSONValue {
        .object([
            "animation": .bool(false),
            "responsive": .bool(false),
            "plugins": .object(["title": title(text), "legend": .object(["position": .string("bottom")])]),
            "scales": .object(["x": x, "y": y]),
        ])
    }

    static func line(_ chart: ReportData.CurveChart) -> JSONValue {
        let datasets: [JSONValue] = chart.series.enumerated().map { index, series in
            .object([
                "label": .string(series.label),
                "data": .array(series.points.map { .object(["x": number($0[0]), "y": number($0[1])]) }),
                "borderColor": .string(color(index)),
                "backgroundColor": .string(color(index)),
                "borderWidth": .double(1.5),
                "pointRadius": .int(series.points.count > 60 ? 0 : 2),
                "showLine": .bool(true),
            ])
        }
        return .object([
            "type": .string("scatter"),
            "data": .object(["datasets": .array(datasets)]),
            "options": options(title: chart.metric, x: axis("optimizer step", type: "linear"), y: axis(chart.metric)),
        ])
    }

    static func bars(_ chart: ReportData.BreakdownChart, title text: String) -> JSONValue {
        let datasets: [JSONValue] = chart.methods.enumerated().map { index, method in
            .object([
                "label": .string(method.method + (method.runs > 1 ? " (mean of \(method.runs))" : "")),
                "data": .array(method.rates.map(number)),
                "backgroundColor": .string(color(index)),
            ])
        }
        return .object([
            "type": .string("bar"),
            "data": .object(["labels": .array(chart.categories.map(JSONValue.string)), "datasets": .array(datasets)]),
            "options": options(title: text, x: axis(text.components(separatedBy: " by ").last ?? ""), y: axis("% followed / satisfied", beginAtZero: true)),
        ])
    }
}
