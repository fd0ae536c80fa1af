import Foundation

/// `kind = "table"`: lays eval results out as the paper's Table 3 (main results) and Table 4
/// (ablation), our values beside the published ones, with the paper's headline arithmetic.
///
/// Each row is an input: an eval step's metrics JSON (`"eval_sft.metrics"`), whose keys
/// (nested objects flattened with `/`) the `columns` name. The published numbers are an input
/// too (`paper = "file:paper_results.toml"`), so they are hashed and recorded like any artifact.
/// Writes one output, `tables`, a directory with `tables.md`, `tables.csv`, `tables.tex` and
/// `tables.json`, and records the headline as metrics (`headline/in_domain/iopo_vs_sft`, …).
/// `iopo-exp table` builds the same report from recorded runs, over a seed group.
public struct TableExecutor: StepExecutor {
    public init() {}

    public let kind = "table"
    public let summary = "Lay eval results out as the paper's Tables 3 and 4, beside the published values."

    static func rowsType(_ rows: [(String, String)]) -> ParameterType {
        .object(rows.map { key, method in .optional(key, .input, "Metrics of the \(method) model.") })
    }

    static let columnType: ParameterType = .object([
        .required("metric", .string, "Key in the eval metrics (in_domain/if_s)."),
        .required("label", .string, "Column heading."),
        .optional("paper", .string, "The paper's column to show beside ours (IF-S, IF-M, S-Acc, L-Acc, CSR, ISR, PSR)."),
        .required("domain", .choice(["in_domain", "out_of_domain"]), "Which headline mean the column counts in."),
    ])

    public var schema: ParameterSchema {
        ParameterSchema([
            .required("paper", .input, "The published numbers (experiments/paper_results.toml)."),
            .optional("paper_model", .string, default: .string("Qwen2-7B"), "Which published model to show beside ours."),
            .optional("main", TableExecutor.rowsType(TableConfig.mainRows), "Table 3 rows: instruct (the base model), sft, sft_matched (SFT continued for as many sequence passes as the preference stage gets), ppo, dpo, iopo → eval metrics."),
            .optional("ablation", TableExecutor.rowsType(TableConfig.ablationRows), "Table 4 rows: iopo, wo_output, wo_input → eval metrics."),
            .optional("columns", .array(TableExecutor.columnType), default: TableConfig.columnsDefault, "Metric columns, in order."),
            .optional("metric_scale", .number, default: .number(100), "Multiplies our metrics for display (rates → percent)."),
            .optional("decimals", .integer, default: .integer(1), "Decimals shown for our values."),
        ])
    }

    public func outputs(for params: StepParameters) throws -> [OutputDeclaration] {
        [OutputDeclaration("tables", .directory, "tables.md, tables.csv, tables.tex, tables.json")]
    }

    public func usesSeed(_ params: StepParameters) -> Bool { false }

    public func validate(_ params: StepParameters, inputNames: [String]) -> [ParameterProblem] {
        var problems: [ParameterProblem] = []
        if (params["main"]?.tableValue ?? [:]).isEmpty && (params["ablation"]?.tableValue ?? [:]).isEmpty {
            problems.append(ParameterProblem(path: .root, message: "a table step needs rows", hint: "set main = { sft = \"...\", dpo = \"...\", iopo = \"...\" } and/or ablation = { ... }"))
        }
        if (params["columns"]?.arrayValue ?? []).isEmpty {
            problems.append(ParameterProblem(path: SpecPath(keys: ["columns"]), message: "give at least one column"))
        }
        if let decimals = params["decimals"]?.intValue, !(0...6).contains(decimals) {
            problems.append(ParameterProblem(path: SpecPath(keys: ["decimals"]), message: "decimals must be between 0 and 6"))
        }
        return problems
    }

    public func execute(_ context: StepContext) throws -> StepResult {
        let config = try TableConfig(params: context.params)
        let paperInput = try context.input("paper")
        guard let paperURL = paperInput.url, let paperText = try? String(contentsOf: paperURL, encoding: .utf8) else {
            throw StepFailure.invalidInput("paper", reason: "not a readable text file")
        }
        let paper = try PaperResults.parse(text: paperText, file: "paper (\(paperInput.id))")
        var values: [String: [[String: Double]]] = [:]
        for row in config.main + config.ablation where values[row.key] == nil {
            let input = try context.input(row.inputName)
            guard let url = input.url, let data = FileManager.default.contents(atPath: url.path) else {
                throw StepFailure.invalidInput(row.inputName, reason: "expected a metrics JSON file")
            }
            let parsed: SpecValue
            do { parsed = try SpecValue.parseJSON(data) } catch {
                throw StepFailure.invalidInput(row.inputName, reason: "not JSON (\(error))")
            }
            values[row.key] = [TableBuilder.flattenMetrics(parsed)]
        }
        // Nothing outside the key (step name, seed) may reach the output: a cached result is
        // reused under other names and seeds.
        let report = TableBuilder.build(config: config, paper: paper, values: values, experiment: "", runs: [], seeds: [])
        let directory = context.outputURL("tables")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data(TableRendering.render(report, as: .markdown).utf8).write(to: directory.appendingPathComponent("tables.md"))
        try Data(TableRendering.render(report, as: .csv).utf8).write(to: directory.appendingPathComponent("tables.csv"))
        try Data(TableRendering.render(report, as: .latex).utf8).write(to: directory.appendingPathComponent("tables.tex"))
        try Data(TableRendering.json(report).utf8).write(to: directory.appendingPathComponent("tables.json"))
        for headline in report.headlines {
            let name = "iopo_vs_\(headline.baseline.lowercased())"
            if let value = headline.oursInDomain?.mean { context.metrics.record("headline/in_domain/\(name)", value) }
            if let value = headline.oursOutOfDomain?.mean { context.metrics.record("headline/out_of_domain/\(name)", value) }
        }
        return StepResult()
    }
}
