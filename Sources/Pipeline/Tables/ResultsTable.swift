import Foundation

/// A mean over seeds: the value, its sample standard deviation (n ≥ 2) and how many seeds.
public struct SeedStatistic: Sendable, Equatable, Codable {
    public var mean: Double
    public var std: Double?
    public var n: Int

    public init?(_ values: [Double]) {
        guard !values.isEmpty else { return nil }
        n = values.count
        mean = values.reduce(0, +) / Double(n)
        if n >= 2 {
            let m = mean
            std = (values.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(n - 1)).squareRoot()
        }
    }

    public func text(decimals: Int, signed: Bool = false) -> String {
        var out = FixedPoint.format(mean, decimals: decimals, signed: signed)
        if let std { out += " ± " + FixedPoint.format(std, decimals: decimals) }
        return out
    }
}

/// One of the paper's tables with our numbers beside the published ones.
public struct ResultsTable: Sendable, Equatable, Codable {
    /// Our statistic and the published value for one row and column.
    public struct Cell: Sendable, Equatable, Codable {
        public var ours: SeedStatistic?
        public var paper: Double?
    }

    /// One method: its key (`sft`), the paper's name (`SFT`) and a cell per column.
    public struct Row: Sendable, Equatable, Codable {
        public var key: String
        public var method: String
        public var cells: [Cell]
    }

    public var name: String
    public var title: String
    public var columns: [TableConfig.Column]
    public var rows: [Row]
}

/// Mean IOPO-minus-baseline improvement, the paper's headline arithmetic.
public struct Headline: Sendable, Equatable, Codable {
    public var baseline: String
    /// Ours, over our in-domain (resp. out-of-domain) columns, per seed then over seeds.
    public var oursInDomain: SeedStatistic?
    public var oursOutOfDomain: SeedStatistic?
    /// The paper's, computed from its Table 3 over every model it reports (as it does).
    public var paperInDomain: Double?
    public var paperOutOfDomain: Double?
    /// The paper's, over the model shown beside ours only.
    public var paperModelInDomain: Double?
    public var paperModelOutOfDomain: Double?
}

/// A paired difference between two methods on one column: the same instructions (and seeds)
/// scored for both, resampled together (PairedBootstrap), in the table's display units.
public struct PairedComparison: Sendable, Equatable, Codable {
    /// Row keys and names: `iopo` (IOPO) minus `dpo` (DPO).
    public var rowKey: String
    public var method: String
    public var baselineKey: String
    public var baseline: String
    public var column: String
    public var metric: String
    public var difference: PairedDifference
    /// Instructions paired (per seed) and seeds.
    public var instructions: Int
    public var seeds: Int
}

/// Everything `table` shows.
public struct TableReport: Sendable, Equatable, Codable {
    public var experiment: String
    public var runs: [String]
    public var seeds: [Int]
    public var paperModel: String
    public var citation: String
    public var sourceNote: String?
    public var decimals: Int
    public var tables: [ResultsTable]
    public var headlines: [Headline]
    /// IOPO minus each other main row, per column, with 95 % intervals (runs with judgments only);
    /// nil, and absent from the JSON, when there are none (the table step's pinned tables.json).
    public var comparisons: [PairedComparison]?
    public var notes: [String]
}

/// Builds the report from a configuration, the published numbers, and our metric values (one
/// dictionary of flattened metrics per run, for each row key).
public enum TableBuilder {
    /// `judgments`: for each row key, each run's judgments.jsonl text (in run order), from which
    /// the paired differences are computed; rows without them get none.
    public static func build(config: TableConfig, paper: PaperResults, values: [String: [[String: Double]]],
                             experiment: String, runs: [String], seeds: [Int],
                             judgments: [String: [String]] = [:], replicates: Int = 10_000) -> TableReport {
        var notes: [String] = []
        if !paper.models.contains(config.paperModel) {
            notes.append("the paper reports no model \"\(config.paperModel)\"; its columns are empty (models: \(paper.models.joined(separator: ", ")))")
        }
        func statistic(_ rowKey: String, _ metric: String) -> SeedStatistic? {
            let perRun = (values[rowKey] ?? []).compactMap { $0[metric] }.map { $0 * config.metricScale }
            return SeedStatistic(perRun)
        }
        func table(_ name: String, _ title: String, _ rows: [TableConfig.Row], _ paperTable: PaperResults.Table) -> ResultsTable {
            ResultsTable(name: name, title: title, columns: config.columns, rows: rows.map { row in
                ResultsTable.Row(key: row.key, method: row.method, cells: config.columns.map { column in
                    ResultsTable.Cell(ours: statistic(row.key, column.metric),
                                      paper: column.paper.flatMap { paper.value(paperTable, model: config.paperModel, method: row.method, column: $0) })
                })
            })
        }
        var tables: [ResultsTable] = []
        if !config.main.isEmpty {
            tables.append(table("table3", "Table 3: main results (\(config.paperModel) in the paper)", config.main, paper.table3))
        }
        if !config.ablation.isEmpty {
            tables.append(table("table4", "Table 4: ablation (\(config.paperModel) in the paper)", config.ablation, paper.table4))
        }
        for column in config.columns {
            let rowKeys = Set(config.main.map(\.key) + config.ablation.map(\.key))
            if !rowKeys.isEmpty, rowKeys.allSatisfy({ statistic($0, column.metric) == nil }) {
                notes.append("no row has metric \(column.metric) (\(column.label))")
            }
        }

        var headlines: [Headline] = []
        let rowsByKey = Dictionary(config.main.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        for (baselineKey, baseline) in [("sft", "SFT"), ("dpo", "DPO")] {
            let all = paper.headline(baseline: baseline, models: paper.models)
            let one = paper.headline(baseline: baseline, models: [config.paperModel])
            var headline = Headline(baseline: baseline, paperInDomain: all.inDomain, paperOutOfDomain: all.outOfDomain,
                                    paperModelInDomain: one.inDomain, paperModelOutOfDomain: one.outOfDomain)
            if rowsByKey["iopo"] != nil, rowsByKey[baselineKey] != nil {
                let iopoRuns = values["iopo"] ?? [], baseRuns = values[baselineKey] ?? []
                func perSeed(_ domain: String) -> SeedStatistic? {
                    let columns = config.columns.filter { $0.domain == domain }
                    var means: [Double] = []
                    for (iopo, base) in zip(iopoRuns, baseRuns) {
                        let differences = columns.compactMap { column -> Double? in
                            guard let a = iopo[column.metric], let b = base[column.metric] else { return nil }
                            return (a - b) * config.metricScale
                        }
                        if !differences.isEmpty { means.append(differences.reduce(0, +) / Double(differences.count)) }
                    }
                    return SeedStatistic(means)
                }
                headline.oursInDomain = perSeed("in_domain")
                headline.oursOutOfDomain = perSeed("out_of_domain")
            }
            headlines.append(headline)
        }
        var report = TableReport(experiment: experiment, runs: runs, seeds: seeds, paperModel: config.paperModel, citation: paper.citation,
                                 sourceNote: paper.source["note"], decimals: config.decimals, tables: tables, headlines: headlines, notes: notes)
        let paired = comparisons(config: config, judgments: judgments, replicates: replicates, notes: &report.notes)
        report.comparisons = paired.isEmpty ? nil : paired
        return report
    }

    /// IOPO minus every other main row, per column, where both rows have every run's judgments.
    static func comparisons(config: TableConfig, judgments: [String: [String]], replicates: Int,
                            notes: inout [String]) -> [PairedComparison] {
        guard let iopo = config.main.first(where: { $0.key == "iopo" }), let iopoRuns = judgments[iopo.key], !iopoRuns.isEmpty else { return [] }
        var out: [PairedComparison] = []
        // Each row's scores per metric are read once, not once per baseline.
        var memo: [String: [[String: RatioScore]]] = [:]
        func scores(_ key: String, _ runs: [String], _ metric: String) throws -> [[String: RatioScore]] {
            if let known = memo[key + "\u{0}" + metric] { return known }
            let read = try runs.map { try InstructionScores.scores(judgments: $0, metric: metric) }
            memo[key + "\u{0}" + metric] = read
            return read
        }
        for baseline in config.main where baseline.key != iopo.key {
            guard let baseRuns = judgments[baseline.key], baseRuns.count == iopoRuns.count else { continue }
            for column in config.columns {
                do {
                    let a = try scores(iopo.key, iopoRuns, column.metric)
                    let b = try scores(baseline.key, baseRuns, column.metric)
                    let (pa, pb) = try InstructionScores.paired(a, b)
                    // A column whose instructions are all outside its subset (IF-M of single-constraint data).
                    let counted = { (scores: [[RatioScore]]) in scores.contains { $0.contains { $0.denominator > 0 } } }
                    if !counted(pa) || !counted(pb) { continue }
                    var difference = try PairedBootstrap.difference(pa, pb, replicates: replicates)
                    difference.estimate *= config.metricScale
                    difference.lower *= config.metricScale
                    difference.upper *= config.metricScale
                    out.append(PairedComparison(rowKey: iopo.key, method: iopo.method, baselineKey: baseline.key, baseline: baseline.method,
                                                column: column.label, metric: column.metric, difference: difference,
                                                instructions: pa.first?.count ?? 0, seeds: pa.count))
                } catch InstructionScoresError.unknownMetric {
                    continue  // a column with no per-instruction form (e.g. a mean score)
                } catch {
                    notes.append("no interval for \(iopo.method) − \(baseline.method) on \(column.label): \(error)")
                }
            }
        }
        return out
    }

    /// Flattens a metrics JSON object: nested tables join keys with `/`; only numbers are kept.
    public static func flattenMetrics(_ value: SpecValue, prefix: String = "") -> [String: Double] {
        var out: [String: Double] = [:]
        switch value {
        case .table(let table):
            for (key, child) in table {
                out.merge(flattenMetrics(child, prefix: prefix.isEmpty ? key : prefix + "/" + key)) { a, _ in a }
            }
        case .integer, .number:
            if !prefix.isEmpty { out[prefix] = value.doubleValue }
        default:
            break
        }
        return out
    }
}
