import Foundation
import Lineage

/// `runs --params --metrics`: one row per run with the params that differ between the listed
/// runs and their final metrics, like `dvc exp show`. Param columns are named as `--set` takes
/// them (`steps.iopo.beta`, `engine.threads`); metric columns as `STEP/KEY`
/// (`eval_iopo/in_domain/isr`).
public struct RunsTable: Encodable, Sendable {
    public var paramColumns: [String]
    public var metricColumns: [String]
    public var rows: [Row]

    public struct Row: Encodable, Sendable {
        public var run: String
        public var experiment: String
        public var seed: Int?
        public var status: String
        public var group: String?
        public var params: [String: String]
        public var metrics: [String: Double]
    }

    /// What to show and in which order.
    public struct Options: Sendable {
        /// Param columns (those whose value differs between the runs).
        public var params = false
        /// Metric columns: nil for none; otherwise the patterns a column must match (a column
        /// matches a pattern equal to it or to its end after a `/`); empty for every metric.
        public var metrics: [String]?
        /// A metric column or pattern naming exactly one column; rows sorted by it, highest first
        /// (runs without it last).
        public var sortBy: String?
        public var ascending = false
        /// Only the metrics of these steps (nil: of every step).
        public var metricSteps: Set<String>?
        /// Only these metric keys (without the step; nil: every key).
        public var metricKeys: Set<String>?

        public init(params: Bool = false, metrics: [String]? = nil, sortBy: String? = nil, ascending: Bool = false,
                    metricSteps: Set<String>? = nil, metricKeys: Set<String>? = nil) {
            self.params = params
            self.metrics = metrics
            self.sortBy = sortBy
            self.ascending = ascending
            self.metricSteps = metricSteps
            self.metricKeys = metricKeys
        }
    }

    /// Params that never make a column: shown otherwise (experiment, seed) or implied by the
    /// params they set (`set.KEY` shows as KEY).
    static let hiddenParams: Set<String> = ["experiment", "seed"]

    public static func build(lineage: LineageDatabase, runs: [RunRecord], options: Options) throws -> RunsTable {
        var rows: [Row] = []
        for run in runs {
            var params: [String: String] = [:]
            var metrics: [String: Double] = [:]
            if options.params || options.metrics != nil {
                let details = try lineage.details(of: run.id)
                // `exec.*` are notes on how a step executed (ports, resumed steps), not parameters.
                for param in details.params where !param.key.hasPrefix("exec.") {
                    let key = param.stepName.isEmpty ? param.key : "steps.\(param.stepName).\(param.key)"
                    guard !hiddenParams.contains(key), !key.hasPrefix(SpecOverride.paramPrefix) else { continue }
                    params[key] = param.value
                }
                for metric in details.metrics where metric.index == nil
                    && options.metricSteps.map({ $0.contains(metric.stepName) }) ?? true
                    && options.metricKeys.map({ $0.contains(metric.key) }) ?? true {
                    metrics[metric.stepName.isEmpty ? metric.key : "\(metric.stepName)/\(metric.key)"] = metric.value
                }
            }
            rows.append(Row(run: run.id, experiment: run.experiment, seed: run.seed, status: run.status.rawValue, group: run.groupID,
                            params: params, metrics: metrics))
        }

        var paramColumns: [String] = []
        if options.params {
            let keys = Set(rows.flatMap(\.params.keys))
            paramColumns = keys.filter { key in Set(rows.map { $0.params[key] }).count > 1 }.sorted()
        }
        for i in rows.indices {
            rows[i].params = rows[i].params.filter { paramColumns.contains($0.key) }
        }

        var metricColumns: [String] = []
        if let patterns = options.metrics {
            let all = Set(rows.flatMap(\.metrics.keys)).sorted()
            if patterns.isEmpty {
                metricColumns = all
            } else {
                for pattern in patterns {
                    let matched = all.filter { matches($0, pattern) }
                    guard !matched.isEmpty else {
                        throw PipelineError.invalidRequest("--metric \(pattern): no listed run has such a metric"
                                                           + (all.isEmpty ? "" : "; " + NearestName.hint(for: pattern, among: all, what: "metric")))
                    }
                    metricColumns += matched.filter { !metricColumns.contains($0) }
                }
            }
            for i in rows.indices {
                rows[i].metrics = rows[i].metrics.filter { metricColumns.contains($0.key) }
            }
        }

        if let sortBy = options.sortBy {
            let candidates = Set(rows.flatMap(\.metrics.keys)).union(metricColumns).filter { matches($0, sortBy) }.sorted()
            guard candidates.count == 1, let column = candidates.first else {
                throw PipelineError.invalidRequest(candidates.isEmpty
                    ? "--sort-by \(sortBy): no metric column of that name (add --metrics, or give one of the columns)"
                    : "--sort-by \(sortBy) matches \(candidates.count) columns (\(candidates.joined(separator: ", "))); give the whole name")
            }
            // Stable: equal values keep the list's order (newest first).
            let ascending = options.ascending
            rows = rows.enumerated().sorted { a, b in
                switch (a.element.metrics[column], b.element.metrics[column]) {
                case let (x?, y?) where x != y: return ascending ? x < y : x > y
                case (_?, nil): return true
                case (nil, _?): return false
                default: return a.offset < b.offset
                }
            }.map(\.element)
        }
        return RunsTable(paramColumns: paramColumns, metricColumns: metricColumns, rows: rows)
    }

    /// `column` is `pattern` or ends with `/pattern`.
    static func matches(_ column: String, _ pattern: String) -> Bool {
        column == pattern || column.hasSuffix("/" + pattern)
    }

    // MARK: rendering

    public var header: [String] { ["run", "experiment", "seed", "status"] + paramColumns + metricColumns }

    /// Each row's cells in `header` order; a missing param or metric is empty.
    public var cells: [[String]] {
        rows.map { row in
            [row.run, row.experiment, row.seed.map(String.init) ?? "", row.status]
                + paramColumns.map { row.params[$0] ?? "" }
                + metricColumns.map { column in row.metrics[column].map(RunsTable.metricText) ?? "" }
        }
    }

    /// Up to six significant digits, without a trailing `.0` for whole numbers.
    static func metricText(_ value: Double) -> String {
        if value == value.rounded() && abs(value) < 1e15 { return String(Int(value)) }
        return String(format: "%.6g", value)
    }

    public func text(markdown: Bool) -> String {
        TableRendering.gridText(header, cells, markdown: markdown, leftAligned: 4 + paramColumns.count)
    }

    public var csv: String {
        ([header] + cells).map { $0.map(TableRendering.csvField).joined(separator: ",") }.joined(separator: "\n") + "\n"
    }
}
