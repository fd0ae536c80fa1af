import Foundation
@testable import Pipeline
import Store
import Testing

/// The paper tables: published numbers, the headline arithmetic, our values over seeds.
@Suite struct TableTests {
    static let paperFile = repositoryRoot.appendingPathComponent("experiments/paper_results.toml")

    func paper() throws -> PaperResults {
        try PaperResults.parse(text: try String(contentsOf: TableTests.paperFile, encoding: .utf8), file: TableTests.paperFile.path)
    }

    @Test func paperArithmeticReproducesTheHeadline() throws {
        let paper = try paper()
        let sft = paper.headline(baseline: "SFT", models: paper.models)
        let dpo = paper.headline(baseline: "DPO", models: paper.models)
        // The paper: +8.15 / +2.18 in-domain, +6.29 / +3.13 out-of-domain, vs SFT / DPO.
        #expect(FixedPoint.format(try #require(sft.inDomain), decimals: 2) == "8.15")
        #expect(FixedPoint.format(try #require(dpo.inDomain), decimals: 2) == "2.18")
        #expect(FixedPoint.format(try #require(sft.outOfDomain), decimals: 2) == "6.29")
        #expect(FixedPoint.format(try #require(dpo.outOfDomain), decimals: 2) == "3.13")
        // Exact values: sums of one-decimal differences over 4 and 10 numbers.
        #expect(abs(sft.inDomain! - 32.6 / 4) < 1e-9 && abs(dpo.inDomain! - 8.7 / 4) < 1e-9)
        #expect(abs(sft.outOfDomain! - 62.9 / 10) < 1e-9 && abs(dpo.outOfDomain! - 31.3 / 10) < 1e-9)
        for (key, value) in [("in_domain_vs_sft", sft.inDomain!), ("in_domain_vs_dpo", dpo.inDomain!),
                             ("out_of_domain_vs_sft", sft.outOfDomain!), ("out_of_domain_vs_dpo", dpo.outOfDomain!)] {
            #expect(FixedPoint.format(try #require(paper.publishedHeadline[key]), decimals: 2) == FixedPoint.format(value, decimals: 2), "\(key)")
        }
        // One model alone: Qwen2-7B IOPO − SFT in-domain = (6.0 + 12.8) / 2.
        #expect(abs(paper.headline(baseline: "SFT", models: ["Qwen2-7B"]).inDomain! - 9.4) < 1e-9)
        #expect(paper.value(paper.table4, model: "Llama3.1-8B", method: "w/o input pref", column: "PSR") == 59.4)
        #expect(paper.value(paper.table3, model: "Qwen2-7B", method: "PPO", column: "IF-M") == 57.7)
    }

    @Test func fixedPointRoundsHalfAwayFromZeroOnTheDecimalValue() {
        #expect(FixedPoint.format(2.175, decimals: 2) == "2.18")
        #expect(FixedPoint.format(8.7 / 4, decimals: 2) == "2.18")
        #expect(String(format: "%.2f", 2.175) == "2.17") // why FixedPoint exists
        #expect(FixedPoint.format(-0.05, decimals: 1) == "-0.1")
        #expect(FixedPoint.format(-0.0001, decimals: 1) == "0.0")
        #expect(FixedPoint.format(3.13, decimals: 2, signed: true) == "+3.13")
        #expect(FixedPoint.format(-1.5, decimals: 0, signed: true) == "-2")
    }

    func config(_ columns: [TableConfig.Column]? = nil) throws -> TableConfig {
        var params: [String: SpecValue] = [
            "paper_model": .string("Qwen2-7B"), "metric_scale": .number(100), "decimals": .integer(1),
            "main": .table(["sft": .string("e1.metrics"), "dpo": .string("e2.metrics"), "iopo": .string("e3.metrics")]),
            "ablation": .table(["iopo": .string("e3.metrics"), "wo_input": .string("e4.metrics")]),
        ]
        let chosen: [TableConfig.Column] = columns ?? [
            .init(metric: "in_domain/if_s", label: "IF-S", paper: "IF-S", domain: "in_domain"),
            .init(metric: "in_domain/if_m", label: "IF-M", paper: "IF-M", domain: "in_domain"),
            .init(metric: "ood/acc", label: "OOD", paper: nil, domain: "out_of_domain"),
        ]
        params["columns"] = .array(chosen.map { c in
            var t: [String: SpecValue] = ["metric": .string(c.metric), "label": .string(c.label), "domain": .string(c.domain)]
            if let p = c.paper { t["paper"] = .string(p) }
            return .table(t)
        })
        return try TableConfig(params: StepParameters(params))
    }

    @Test func tablesOverSeedsGiveMeanStdAndCount() throws {
        let paper = try paper()
        let values: [String: [[String: Double]]] = [
            "sft": [["in_domain/if_s": 0.40, "in_domain/if_m": 0.20, "ood/acc": 0.30], ["in_domain/if_s": 0.42, "in_domain/if_m": 0.22, "ood/acc": 0.32]],
            "dpo": [["in_domain/if_s": 0.50, "in_domain/if_m": 0.30, "ood/acc": 0.33], ["in_domain/if_s": 0.50, "in_domain/if_m": 0.30, "ood/acc": 0.35]],
            "iopo": [["in_domain/if_s": 0.55, "in_domain/if_m": 0.31, "ood/acc": 0.36], ["in_domain/if_s": 0.57, "in_domain/if_m": 0.33, "ood/acc": 0.34]],
            "wo_input": [["in_domain/if_s": 0.52]],
        ]
        let report = TableBuilder.build(config: try config(), paper: paper, values: values, experiment: "x", runs: ["r1", "r2"], seeds: [1, 2])
        let table3 = try #require(report.tables.first { $0.name == "table3" })
        #expect(table3.rows.map(\.method) == ["SFT", "DPO", "IOPO"])
        let sftIFS = table3.rows[0].cells[0]
        #expect(sftIFS.ours?.n == 2 && abs(sftIFS.ours!.mean - 41) < 1e-9 && abs(sftIFS.ours!.std! - 2.0.squareRoot()) < 1e-9)
        #expect(sftIFS.paper == 76.0)
        #expect(table3.rows[2].cells[1].paper == 68.9)
        #expect(table3.rows[0].cells[2].paper == nil)
        let table4 = try #require(report.tables.first { $0.name == "table4" })
        #expect(table4.rows.map(\.method) == ["IOPO", "w/o input pref"])
        #expect(table4.rows[1].cells[0].ours?.n == 1 && table4.rows[1].cells[0].ours?.std == nil && table4.rows[1].cells[0].paper == 80.9)
        #expect(table4.rows[1].cells[1].ours == nil)

        let vsSFT = try #require(report.headlines.first { $0.baseline == "SFT" })
        // Seed 1: ((55-40) + (31-20)) / 2 = 13; seed 2: ((57-42) + (33-22)) / 2 = 13.
        #expect(abs(vsSFT.oursInDomain!.mean - 13) < 1e-9 && abs(vsSFT.oursInDomain!.std!) < 1e-9)
        // Out of domain: 6 and 2 → 4 ± 2.83.
        #expect(abs(vsSFT.oursOutOfDomain!.mean - 4) < 1e-9 && abs(vsSFT.oursOutOfDomain!.std! - 8.0.squareRoot()) < 1e-9)
        #expect(FixedPoint.format(vsSFT.paperInDomain!, decimals: 2) == "8.15")
        #expect(abs(vsSFT.paperModelInDomain! - 9.4) < 1e-9)

        // tables.json is the table step's output, so its bytes are pinned (they were first written
        // by JSONEncoder: sorted keys, `"key" : value`, whole doubles without `.0`).
        let json = try TableRendering.json(report)
        #expect(json.hasPrefix(#"""
            {
              "citation" : "IOPO: Empowering LLMs with Complex Instruction Following via Input-Output Preference Optimization, arXiv:2411.06208",
              "decimals" : 1,
              "experiment" : "x",
              "headlines" : [
                {
                  "baseline" : "SFT",
                  "oursInDomain" : {
                    "mean" : 13,
                    "n" : 2,
                    "std" : 0
                  },
                  "oursOutOfDomain" : {
                    "mean" : 4.000000000000001,
                    "n" : 2,
                    "std" : 2.828427124746189
                  },

            """#))
        #expect(json.utf8.count == 5609 && ObjectID.of(Array(json.utf8)).description == "sha256:238fbd563cb5da9656002a7b47b26714c2356eba956333708f405b6fcdf30581")
        let markdown = TableRendering.render(report, as: .markdown)
        #expect(markdown.contains("| SFT | 41.0 ± 1.4 | 76.0 | 21.0 ± 1.4 | 56.1 | 31.0 ± 1.4 |"), "\(markdown)")
        #expect(markdown.contains("| SFT | +13.00 ± 0.00 | +8.15 | +9.40 | +4.00 ± 2.83 | +6.29 |"), "\(markdown)")
        #expect(markdown.contains("mean ± std over 2 seeds (1, 2)"))
        let csv = TableRendering.render(report, as: .csv)
        #expect(csv.hasPrefix("table,method,column,metric,ours_mean,ours_std,n,paper,lower,upper\n"))
        let sftRow = try #require(csv.split(separator: "\n").first { $0.hasPrefix("table3,SFT,IF-S,in_domain/if_s,") })
        #expect(sftRow.hasSuffix(",2,76.0,,"))
        #expect(csv.contains("headline,IOPO-SFT,in_domain,,"))
        // wo_input has one seed of two: its cell says so.
        #expect(markdown.contains("| w/o input pref | 52.0 (n=1) | 80.9 |"), "\(markdown)")
        let latex = TableRendering.render(report, as: .latex)
        #expect(latex.contains("\\begin{tabular}{lrrrrr}") && latex.contains("41.0 $\\pm$ 1.4"))
        // LaTeX carries the source and the notes as comments after the tables, as the other formats do.
        #expect(latex.contains("\\end{table}\n% Source: \(paper.citation). Published values in percent"), "\(latex)")
        var noted = report
        noted.notes = ["a note"]
        #expect(TableRendering.render(noted, as: .latex).hasSuffix("% note: a note\n"))
        let text = TableRendering.render(report, as: .text)
        #expect(text.contains("Table 3: main results (Qwen2-7B in the paper)"))
        #expect(try TableRendering.json(report).contains("\"paperModelInDomain\""))
    }

    /// Judgments of the same instructions for each method give IOPO − baseline per column with a
    /// paired 95 % interval, in every format.
    @Test func pairedDifferencesComeFromTheJudgments() throws {
        func judgments(followed: (Int) -> Bool) -> String {
            (0..<60).map { i in
                let hit = followed(i)
                return #"{"constraints": 1, "dataset": "in_domain", "followed": \#(hit), "id": "i\#(i)", "index": \#(i), "judge": "rule", "satisfied": [\#(hit)], "status": "judged"}"#
            }.joined(separator: "\n")
        }
        // IOPO follows 45 of 60 in both seeds; DPO the same 30 of them, SFT the same 44.
        let iopo = judgments { $0 < 45 }, dpo = judgments { $0 < 30 }, sft = judgments { $0 < 44 }
        let report = TableBuilder.build(config: try config(), paper: try paper(), values: [:], experiment: "x", runs: ["r1", "r2"],
                                        seeds: [1, 2], judgments: ["iopo": [iopo, iopo], "dpo": [dpo, dpo], "sft": [sft, sft]],
                                        replicates: 2000)
        let versusDPO = try #require(report.comparisons?.first { $0.baselineKey == "dpo" && $0.metric == "in_domain/if_s" })
        #expect(abs(versusDPO.difference.estimate - 25) < 1e-9)   // (45 − 30) / 60, in points
        #expect(versusDPO.difference.lower > 0 && versusDPO.instructions == 60 && versusDPO.seeds == 2)
        let versusSFT = try #require(report.comparisons?.first { $0.baselineKey == "sft" && $0.metric == "in_domain/if_s" })
        #expect(versusSFT.difference.lower <= 0 && versusSFT.difference.upper > 0, "one instruction apart: \(versusSFT.difference)")
        // Columns with no per-instruction form get no interval and no error.
        #expect(report.comparisons?.contains { $0.metric == "ood/acc" } == false)
        let markdown = TableRendering.render(report, as: .markdown)
        #expect(markdown.contains("Paired differences: IOPO − baseline (points), 95 % percentile bootstrap over 60 instructions × 2 seeds"))
        #expect(markdown.contains("- IOPO vs DPO: better on"), "\(markdown)")
        #expect(markdown.contains("- IOPO vs SFT: no difference detectable at 95 %"), "\(markdown)")
        #expect(TableRendering.render(report, as: .csv).contains("paired,IOPO-DPO,IF-S,in_domain/if_s,25.0,,60,,"))
        #expect(TableRendering.render(report, as: .latex).contains("Paired differences"))
        #expect(try TableRendering.json(report).contains("\"comparisons\""))
        // Every layout shows one list of sections: the same titles in the same order, the
        // verdicts after the paired table.
        let titles = TableRendering.sections(report).map(\.title)
        #expect(titles.count == report.tables.count + 2)
        for format in [TableRendering.Format.text, .markdown, .latex] {
            let text = TableRendering.render(report, as: format)
            let positions = (format == .latex ? titles.map(TableRendering.latexEscape) : titles).compactMap { text.range(of: $0)?.lowerBound }
            #expect(positions.count == titles.count && positions == positions.sorted(), "\(format): \(text)")
        }
        #expect(TableRendering.render(report, as: .latex).contains("% IOPO vs DPO: better on"))
    }

    /// The controls the paper lacks: the base model (`instruct`) and compute-matched SFT rows sit
    /// in Table 3 in order, with no published value beside compute-matched SFT.
    @Test func baseAndComputeMatchedRows() throws {
        let config = try TableConfig(params: StepParameters([
            "paper_model": .string("Qwen2-7B"), "metric_scale": .number(100), "decimals": .integer(1),
            "main": .table(["iopo": .string("e3.metrics"), "sft_matched": .string("e5.metrics"), "instruct": .string("e0.metrics"),
                            "sft": .string("e1.metrics")]),
            "columns": .array([.table(["metric": .string("in_domain/if_s"), "label": .string("IF-S"), "paper": .string("IF-S"),
                                       "domain": .string("in_domain")])]),
        ]))
        #expect(config.main.map(\.key) == ["instruct", "sft", "sft_matched", "iopo"])
        let values: [String: [[String: Double]]] = ["instruct": [["in_domain/if_s": 0.25]], "sft": [["in_domain/if_s": 0.4]],
                                                    "sft_matched": [["in_domain/if_s": 0.42]], "iopo": [["in_domain/if_s": 0.45]]]
        let report = TableBuilder.build(config: config, paper: try paper(), values: values, experiment: "x", runs: ["r"], seeds: [1])
        let markdown = TableRendering.render(report, as: .markdown)
        #expect(markdown.contains("| SFT, compute-matched | 42.0 | – |"), "\(markdown)")
        #expect(TableRendering.render(report, as: .csv).contains("table3,\"SFT, compute-matched\",IF-S,in_domain/if_s,42.0,,1,,,"))
    }

    @Test func missingMetricsAndUnknownModelAreNotedNotFatal() throws {
        var cfg = try config()
        cfg.paperModel = "GPT-2"
        let report = TableBuilder.build(config: cfg, paper: try paper(), values: [:], experiment: "x", runs: ["r"], seeds: [1])
        #expect(report.notes.contains { $0.contains("no model \"GPT-2\"") })
        #expect(report.notes.contains { $0.contains("no row has metric ood/acc") })
        #expect(report.headlines.allSatisfy { $0.oursInDomain == nil })
        #expect(TableRendering.render(report, as: .text).contains("n/a"))
    }

    @Test func malformedPaperFileIsRefusedWithItsName() {
        #expect {
            try PaperResults.parse(text: "columns = [\"A\"]\nin_domain = [\"B\"]\nout_of_domain = [\"A\"]\nmodels = [\"m\"]\n", file: "p.toml")
        } throws: { error in
            "\(error)".contains("p.toml") && "\(error)".contains("column B is not in columns")
        }
    }

    @Test func metricsJSONIsFlattened() throws {
        let value = try SpecValue.parseJSON(Data(#"{"in_domain": {"if_s": 0.5, "if_m": 1}, "n": 3, "name": "x", "ok": true}"#.utf8))
        #expect(TableBuilder.flattenMetrics(value) == ["in_domain/if_s": 0.5, "in_domain/if_m": 1, "n": 3])
    }
}
