import Foundation
import Lineage

/// Everything the HTML report shows, gathered from the lineage database and the store; also
/// what `report --json` writes (the data behind every chart and table).
public struct ReportData: Encodable, Sendable {
    public var title: String
    public var runs: [RunInfo]
    /// The paper's tables over each variant's runs (one variant unless the runs differ in their
    /// `--set` values, as a sweep's do); empty when the experiment has no table step.
    public var tables: [VariantTables]
    public var tablesNote: String?
    /// A sweep: the runs with the params that differ and the table's metrics of the steps the
    /// swept keys reached (nil for runs of one variant).
    public var variants: RunsTable?
    /// Training curves: one chart per metric, a series per run and step.
    public var curves: [CurveChart]
    /// Evaluation by constraint count, type and dimension: one chart per dataset and grouping.
    public var breakdowns: [BreakdownChart]
    /// Two runs: what differs.
    public var diff: RunDiff?
    /// The first run's lineage as Graphviz text (steps, artifacts, cache hits dashed).
    public var lineageDot: String
    public var lineageRun: String
    /// Fields of the recorded environment, one value per run.
    public var environment: [EnvironmentRow]

    public struct RunInfo: Encodable, Sendable {
        public var id: String
        public var experiment: String
        public var name: String
        public var seed: Int?
        public var status: String
        public var group: String?
        public var startedAt: Date
        public var finishedAt: Date?
        public var gitCommit: String?
        public var gitBranch: String?
        public var gitDirty: Bool
        public var specObject: String?
        public var overrides: [String]
        /// Commands that reproduce the run: from the store, and from the commit.
        public var reproduce: [String]
        public var steps: [StepInfo]
    }

    public struct VariantTables: Encodable, Sendable {
        /// The variant's `--set` values (empty for the file as written).
        public var variant: String
        public var runs: [String]
        public var report: TableReport
    }

    public struct StepInfo: Encodable, Sendable {
        public var name: String
        public var kind: String
        public var status: String
        public var seconds: Double?
    }

    public struct CurveChart: Encodable, Sendable {
        public var metric: String
        public var series: [CurveSeries]
    }

    public struct CurveSeries: Encodable, Sendable {
        public var label: String
        public var run: String
        public var seed: Int?
        public var step: String
        /// `[optimizer step, value]` pairs.
        public var points: [[Double]]
    }

    public struct BreakdownChart: Encodable, Sendable {
        /// `in_domain`, `out_of_domain`, ...
        public var dataset: String
        /// `by_count`, `by_type` or `by_dimension`.
        public var grouping: String
        public var categories: [String]
        public var methods: [BreakdownBars]
    }

    public struct BreakdownBars: Encodable, Sendable {
        public var method: String
        /// Percent, mean over the runs that have it (nil where none does), one per category.
        public var rates: [Double?]
        public var runs: Int
    }

    public struct EnvironmentRow: Encodable, Sendable {
        public var field: String
        public var values: [String]
        public var differs: Bool { Set(values).count > 1 }

        enum CodingKeys: String, CodingKey { case field, values, differs }
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(field, forKey: .field)
            try container.encode(values, forKey: .values)
            try container.encode(differs, forKey: .differs)
        }
    }
}

extension ReportData {
    /// The groupings of an eval step's metrics the breakdown charts show, with their titles.
    static let groupings = [("by_count", "constraint count"), ("by_type", "constraint type"), ("by_dimension", "constraint dimension")]

    /// Gathers the report of `runs` (one, a seed group, or any list; two get a diff).
    /// `paper` replaces the published numbers the runs recorded (needed when their table step
    /// did not run).
    public static func build(lineage: LineageDatabase, registry: StepRegistry, runs: [RunRecord], paper: URL? = nil) throws -> ReportData {
        guard let first = runs.first else { throw PipelineError.report("no runs to report") }
        let details = try runs.map { try lineage.details(of: $0.id) }
        let known = Dictionary(details.map { ($0.run.id, $0) }, uniquingKeysWith: { a, _ in a })
        // A file the user named must be read; a run without tables is only a note.
        let paperOverride = try paper.map(PaperResults.load)

        // Runs that differ in their --set values (a sweep's) are variants: tables per variant.
        let overrides = details.map { detail in
            detail.params.filter { $0.stepName.isEmpty }.compactMap { SpecOverride(param: $0.key, value: $0.value) }.map(\.description)
        }
        let variantOf = overrides.map { $0.joined(separator: " ") }
        var variantOrder: [String] = []
        for variant in variantOf where !variantOrder.contains(variant) { variantOrder.append(variant) }
        var tables: [VariantTables] = []
        var tablesNote: String?
        for variant in variantOrder {
            let members = zip(runs, variantOf).filter { $0.1 == variant }.map(\.0)
            do {
                tables.append(VariantTables(variant: variant, runs: members.map(\.id),
                                            report: try RunTables.report(lineage: lineage, registry: registry, runs: members, tableStep: nil, paperOverride: paperOverride,
                                                                         known: known)))
            } catch {
                tablesNote = "\(error)"
                tables = []
                break
            }
        }

        // Methods by eval step: the table step's row names where there is one.
        var methodOfStep: [String: String] = [:]
        if let spec = try? Replayer(lineage: lineage, registry: registry).storedSpec(of: first) {
            for step in spec.orderedSteps where step.kind == "table" {
                guard let config = try? TableConfig(params: step.params) else { continue }
                for row in config.main + config.ablation {
                    if let name = row.reference.step, methodOfStep[name] == nil { methodOfStep[name] = row.method }
                }
            }
        }

        var variants: RunsTable?
        if variantOrder.count > 1 {
            // The steps the swept keys reached: their keys differ between the runs.
            let names = Set(details.flatMap { $0.steps.map(\.step.name) })
            let reached = names.filter { name in Set(details.map { $0.steps.last { $0.step.name == name }?.step.key }).count > 1 }
            let columns = Set(tables.flatMap { $0.report.tables.flatMap { $0.columns.map(\.metric) } })
            variants = try RunsTable.build(lineage: lineage, runs: runs,
                                           options: RunsTable.Options(params: true, metrics: [], metricSteps: reached, metricKeys: columns.isEmpty ? nil : columns))
        }

        let many = runs.count > 1
        let seedsPerVariant = variantOrder.map { variant in variantOf.filter { $0 == variant }.count }.max() ?? 1
        let sameSeeds = Set(zip(runs, variantOf).map { "\($0.1)|\($0.0.seed ?? -1)" }).count < runs.count
        func runLabel(_ index: Int) -> String {
            let run = runs[index]
            var parts: [String] = []
            if variantOrder.count > 1 { parts.append(variantOf[index].isEmpty ? "as written" : variantOf[index]) }
            if sameSeeds { parts.append(String(run.id.prefix(8))) } else if seedsPerVariant > 1 || variantOrder.count == 1 { parts.append(run.seed.map { "seed \($0)" } ?? String(run.id.prefix(8))) }
            return parts.joined(separator: " · ")
        }

        // Curves: every indexed metric, a chart per key.
        var series: [String: [CurveSeries]] = [:]
        for (index, (run, detail)) in zip(runs, details).enumerated() {
            for curve in MetricCurve.curves(detail, filter: nil) {
                var label = curve.step
                if many { label += " · " + runLabel(index) }
                series[curve.key, default: []].append(CurveSeries(label: label, run: run.id, seed: run.seed, step: curve.step,
                                                                  points: curve.points.map { [Double($0.index), $0.value] }))
            }
        }
        let curveOrder = ["loss", "rewards/accuracies", "rewards/margins", "learning_rate", "grad_norm"]
        let curves = series.keys.sorted { a, b in
            let (ia, ib) = (curveOrder.firstIndex(of: a) ?? curveOrder.count, curveOrder.firstIndex(of: b) ?? curveOrder.count)
            return (ia, a) < (ib, b)
        }.map { CurveChart(metric: $0, series: series[$0]!) }

        // Breakdowns: final eval metrics DATASET/GROUPING/CATEGORY/rate, mean over runs.
        var rates: [String: [String: [String: [String: [Double]]]]] = [:]   // dataset → grouping → method → category → values
        var methodOrder: [String] = []
        for detail in details {
            for metric in detail.metrics where metric.index == nil && metric.key.hasSuffix("/rate") {
                let parts = metric.key.split(separator: "/").map(String.init)
                guard parts.count == 4, groupings.contains(where: { $0.0 == parts[1] }) else { continue }
                let method = methodOfStep[metric.stepName] ?? metric.stepName
                if !methodOrder.contains(method) { methodOrder.append(method) }
                rates[parts[0], default: [:]][parts[1], default: [:]][method, default: [:]][parts[2], default: []].append(metric.value * 100)
            }
        }
        var breakdowns: [BreakdownChart] = []
        for dataset in rates.keys.sorted() {
            for (grouping, _) in groupings {
                guard let byMethod = rates[dataset]?[grouping] else { continue }
                let categories = Set(byMethod.values.flatMap(\.keys)).sorted { a, b in
                    if let x = Int(a), let y = Int(b) { return x < y }
                    return a < b
                }
                let methods = methodOrder.filter { byMethod[$0] != nil }.map { method in
                    BreakdownBars(method: method,
                                  rates: categories.map { category in byMethod[method]![category].map { $0.reduce(0, +) / Double($0.count) } },
                                  runs: byMethod[method]!.values.map(\.count).max() ?? 0)
                }
                breakdowns.append(BreakdownChart(dataset: dataset, grouping: grouping, categories: categories, methods: methods))
            }
        }

        let diff = runs.count == 2 ? RunDiff.compute(details[0], details[1], curves: false, patchFiles: RunDiff.patchFiles(in: lineage.store)) : nil

        let graph = LineageGraph.build(from: [details[0]])
        let cached = Set(details[0].steps.filter { $0.step.status == .cached }.map(\.step.key))
        let lineageDot = graph.dot(nodes: graph.nodes(ofRun: first.id), focus: nil, cached: cached)

        var environment: [EnvironmentRow] = []
        let recorded = details.map { $0.environment?.determinismFields ?? [] }
        for (index, field) in (recorded.first ?? []).enumerated() {
            environment.append(EnvironmentRow(field: field.0, values: recorded.map { $0.count > index ? $0[index].1 : "" }))
        }
        if let first = details.first?.environment {
            environment.append(EnvironmentRow(field: "cpu model", values: details.map { $0.environment?.cpuModel ?? first.cpuModel }))
            environment.append(EnvironmentRow(field: "cpu count", values: details.map { String($0.environment?.cpuCount ?? first.cpuCount) }))
            environment.append(EnvironmentRow(field: "os", values: details.map { $0.environment?.os ?? first.os }))
        }

        let infos = zip(runs, details).enumerated().map { index, pair -> RunInfo in
            let (run, detail) = pair
            let overrides = overrides[index]
            var reproduce = ["iopo-exp replay \(run.id) --check    # re-executes every step from the store; exit 5 if an output differs"]
            if let spec = run.specObject, let commit = detail.git?.commit {
                let sets = overrides.map { " --set '\($0)'" }.joined()
                reproduce.append("git checkout \(commit) && iopo-exp store get \(spec) experiment.toml && iopo-exp run experiment.toml"
                                 + (run.seed.map { " --seeds \($0)" } ?? "") + sets)
            }
            let steps = detail.steps.map { row in
                StepInfo(name: row.step.name, kind: row.step.kind, status: row.step.status.rawValue,
                         seconds: row.step.finishedAt.map { $0.timeIntervalSince(row.step.startedAt) })
            }
            return RunInfo(id: run.id, experiment: run.experiment, name: run.name, seed: run.seed, status: run.status.rawValue, group: run.groupID,
                           startedAt: run.startedAt, finishedAt: run.finishedAt, gitCommit: detail.git?.commit, gitBranch: detail.git?.branch,
                           gitDirty: !(detail.git?.isClean ?? true), specObject: run.specObject, overrides: overrides, reproduce: reproduce, steps: steps)
        }
        let seeds = runs.compactMap(\.seed)
        let title = "\(first.experiment): " + (runs.count == 1 ? "run \(first.id)"
            : variantOrder.count > 1 ? "\(runs.count) runs of \(variantOrder.count) variants"
            : "\(runs.count) runs" + (seeds.isEmpty ? "" : " (seeds \(seeds.map(String.init).joined(separator: ", ")))"))
        return ReportData(title: title, runs: infos, tables: tables, tablesNote: tablesNote, variants: variants, curves: curves, breakdowns: breakdowns, diff: diff,
                          lineageDot: lineageDot, lineageRun: first.id, environment: environment)
    }
}
