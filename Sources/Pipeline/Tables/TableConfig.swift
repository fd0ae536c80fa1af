/// How a `table` step (and `iopo-exp table`) maps eval results onto the paper's tables: which
/// eval output is which row, which metric is which column, and which published model to show
/// beside ours.
public struct TableConfig: Sendable, Equatable {
    /// One metric column.
    public struct Column: Sendable, Equatable, Codable {
        /// Key in the eval step's metrics (`in_domain/if_s`).
        public var metric: String
        /// Heading (`IF-S`).
        public var label: String
        /// The paper's column to show beside ours, if it has one.
        public var paper: String?
        /// `in_domain` or `out_of_domain`: which headline mean the column counts in.
        public var domain: String

        public init(metric: String, label: String, paper: String?, domain: String) {
            self.metric = metric
            self.label = label
            self.paper = paper
            self.domain = domain
        }
    }

    /// A row: our key (`sft`), the paper's method name (`SFT`), and the eval output feeding it.
    public struct Row: Sendable, Equatable {
        public var key: String
        public var method: String
        public var reference: InputReference
        /// The table step's input name (`main.sft`).
        public var inputName: String
    }

    public var paperModel: String
    public var main: [Row]
    public var ablation: [Row]
    public var columns: [Column]
    /// Our metrics are multiplied by this before display (rates in [0, 1] → percent).
    public var metricScale: Double
    public var decimals: Int

    /// Row keys of Table 3 and the paper's method names, in the paper's order.
    public static let mainRows: [(String, String)] = [("instruct", "Instruct"), ("sft", "SFT"), ("sft_matched", "SFT, compute-matched"),
                                                      ("ppo", "PPO"), ("dpo", "DPO"), ("iopo", "IOPO")]
    /// Row keys of Table 4.
    public static let ablationRows: [(String, String)] = [("iopo", "IOPO"), ("wo_output", "w/o output pref"), ("wo_input", "w/o input pref")]

    public static let defaultColumns: [Column] = [
        Column(metric: "in_domain/if_s", label: "IF-S", paper: "IF-S", domain: "in_domain"),
        Column(metric: "in_domain/if_m", label: "IF-M", paper: "IF-M", domain: "in_domain"),
        Column(metric: "out_of_domain/if_s", label: "OOD IF-S", paper: nil, domain: "out_of_domain"),
        Column(metric: "out_of_domain/if_m", label: "OOD IF-M", paper: nil, domain: "out_of_domain"),
        Column(metric: "ifeval/s_acc", label: "S-Acc", paper: "S-Acc", domain: "out_of_domain"),
        Column(metric: "ifeval/l_acc", label: "L-Acc", paper: "L-Acc", domain: "out_of_domain"),
    ]

    static var columnsDefault: SpecValue {
        .array(defaultColumns.map { column in
            var table: [String: SpecValue] = ["metric": .string(column.metric), "label": .string(column.label), "domain": .string(column.domain)]
            if let paper = column.paper { table["paper"] = .string(paper) }
            return .table(table)
        })
    }

    /// Reads the configuration from a table step's normalised parameters.
    public init(params: StepParameters) throws {
        paperModel = try params.string("paper_model")
        func rows(_ name: String, _ known: [(String, String)]) -> [Row] {
            let table = params[name]?.tableValue ?? [:]
            return known.compactMap { key, method in
                guard let text = table[key]?.stringValue else { return nil }
                return Row(key: key, method: method, reference: InputReference(parsing: text), inputName: "\(name).\(key)")
            }
        }
        main = rows("main", TableConfig.mainRows)
        ablation = rows("ablation", TableConfig.ablationRows)
        columns = try (params["columns"]?.arrayValue ?? []).map { item in
            guard let t = item.tableValue, let metric = t["metric"]?.stringValue, let label = t["label"]?.stringValue,
                  let domain = t["domain"]?.stringValue else { throw StepFailure.parameter("columns", "each column needs metric, label and domain") }
            return Column(metric: metric, label: label, paper: t["paper"]?.stringValue, domain: domain)
        }
        metricScale = try params.double("metric_scale")
        decimals = try params.int("decimals")
    }
}
