import Foundation
import Lineage
import Store

/// Builds the paper tables from recorded runs (one, or a seed group): the table step's
/// configuration comes from the run's stored experiment file, the values from each eval step's
/// recorded metrics output (or, failing that, its recorded metrics), the published numbers from
/// the table step's recorded `paper` input (or `paperOverride`).
public enum RunTables {
    /// `known`: runs' details the caller has already read, by run id (the rest are read here).
    public static func report(lineage: LineageDatabase, registry: StepRegistry, runs: [RunRecord], tableStep: String?, paperOverride: PaperResults?,
                              known: [String: RunDetails] = [:]) throws -> TableReport {
        guard let first = runs.first else { throw PipelineError.report("no runs to tabulate") }
        // The table's rows come from the first run's experiment file: another experiment's
        // steps of the same names would fill them with unrelated numbers.
        let experiments = Set(runs.map(\.experiment))
        guard experiments.count == 1 else {
            throw PipelineError.report("the runs are of \(experiments.count) experiments (\(experiments.sorted().joined(separator: ", "))); a table is of one")
        }
        let spec = try Replayer(lineage: lineage, registry: registry).storedSpec(of: first)
        let tables = spec.orderedSteps.filter { $0.kind == "table" }
        let step: StepSpec
        if let tableStep {
            guard let named = spec.steps[tableStep], named.kind == "table" else {
                throw PipelineError.report("the experiment has no table step \"\(tableStep)\"; table steps: \(tables.map(\.name).joined(separator: ", "))")
            }
            step = named
        } else {
            guard let only = tables.first else { throw PipelineError.report("experiment \(spec.name) has no step of kind \"table\"; add one to say which eval is which row") }
            guard tables.count == 1 else { throw PipelineError.report("experiment \(spec.name) has several table steps (\(tables.map(\.name).joined(separator: ", "))); choose one with --step") }
            step = only
        }
        let config = try TableConfig(params: step.params)
        let store = lineage.store

        var paper = paperOverride
        var values: [String: [[String: Double]]] = [:]
        var judgments: [String: [String]] = [:]
        for run in runs {
            let details = try known[run.id] ?? lineage.details(of: run.id)
            let tableRow = details.steps.last { $0.step.name == step.name }
            let tableInputs = Dictionary((tableRow?.inputs ?? []).map { ($0.name, $0.artifact.id) }, uniquingKeysWith: { a, _ in a })
            if paper == nil, let id = tableInputs["paper"] {
                paper = try PaperResults.parse(text: String(decoding: try store.content(of: try ObjectID(parsing: id)), as: UTF8.self), file: "paper results \(id)")
            }
            var done = Set<String>()
            for row in config.main + config.ablation where done.insert(row.key).inserted {
                if let metrics = try metrics(for: row, details: details, tableInputs: tableInputs, store: store) {
                    values[row.key, default: []].append(metrics)
                }
                if let text = judgmentsText(for: row, details: details, store: store) { judgments[row.key, default: []].append(text) }
            }
        }
        guard let paper else {
            throw PipelineError.report("run \(first.id) has no recorded paper results (its table step did not run); pass --paper experiments/paper_results.toml")
        }
        // Intervals only where every run has the row's judgments (pairing needs them all).
        judgments = judgments.filter { $0.value.count == runs.count }
        return TableBuilder.build(config: config, paper: paper, values: values, experiment: spec.name, runs: runs.map(\.id),
                                  seeds: runs.compactMap(\.seed), judgments: judgments)
    }

    /// The judgments.jsonl the row's eval step wrote in this run, as text (nil when it has none).
    static func judgmentsText(for row: TableConfig.Row, details: RunDetails, store: ObjectStore) -> String? {
        guard let stepName = row.reference.step,
              let source = details.steps.last(where: { $0.step.name == stepName && ($0.step.status == .succeeded || $0.step.status == .cached) }),
              let artifact = source.outputs.first(where: { $0.name == "judgments" })?.artifact.id,
              let id = try? ObjectID(parsing: artifact), let bytes = try? store.content(of: id) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// One run's metrics for a row: the artifact the table step read, else the source step's
    /// recorded output, else the source step's recorded final metrics.
    static func metrics(for row: TableConfig.Row, details: RunDetails, tableInputs: [String: String], store: ObjectStore) throws -> [String: Double]? {
        var artifact = tableInputs[row.inputName]
        if artifact == nil, case .stepOutput(let stepName, let output) = row.reference,
           let source = details.steps.last(where: { $0.step.name == stepName && ($0.step.status == .succeeded || $0.step.status == .cached) }) {
            artifact = source.outputs.first { output == nil ? !LogEdge.isLog($0.name) : $0.name == output }?.artifact.id
        }
        if let artifact, let id = try? ObjectID(parsing: artifact), let bytes = try? store.content(of: id),
           let parsed = try? SpecValue.parseJSON(Data(bytes)) {
            return TableBuilder.flattenMetrics(parsed)
        }
        if let stepName = row.reference.step {
            let recorded = details.metrics.filter { $0.stepName == stepName && $0.index == nil }
            if !recorded.isEmpty { return Dictionary(recorded.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a }) }
        }
        return nil
    }
}
