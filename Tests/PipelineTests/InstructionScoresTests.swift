// Per-instruction scores read back from judgments.jsonl sum back to the metrics eval reports, and
// two methods' scores pair by instruction id for the bootstrap.

@testable import Pipeline
import Testing

@Suite struct InstructionScoresTests {
    static let judgments = """
        {"constraints": 1, "dataset": "in_domain", "followed": true, "id": "a", "index": 0, "judge": "rule", "satisfied": [true], "status": "judged"}
        {"constraints": 3, "dataset": "in_domain", "followed": false, "id": "b", "index": 1, "judge": "rule", "satisfied": [true, false, true], "status": "judged"}
        {"constraints": 2, "dataset": "in_domain", "followed": true, "id": "c", "index": 2, "judge": "rule", "satisfied": [true, true], "status": "judged"}
        {"constraints": 2, "dataset": "in_domain", "followed": false, "id": "d", "index": 3, "judge": "llm", "satisfied": [], "status": "unparseable"}
        {"constraints": 1, "dataset": "in_domain", "followed": false, "id": "e", "index": 4, "judge": "rule", "satisfied": [], "status": "generation_error"}
        {"constraints": 2, "dataset": "out_of_domain", "followed": true, "id": "a", "index": 0, "judge": "rule", "satisfied": [true, true], "status": "judged"}
        {"dataset": "ifeval", "followed_loose": true, "followed_strict": false, "id": "1000", "index": 0, "judge": "ifeval", "kinds": ["x", "y", "z"], "loose": [true, true, true], "strict": [false, true, true]}
        {"dataset": "ifeval", "followed_loose": true, "followed_strict": true, "id": "1001", "index": 1, "judge": "ifeval", "kinds": ["x"], "loose": [true], "strict": [true]}
        """

    func rate(_ metric: String) throws -> Double {
        let scores = try InstructionScores.scores(judgments: Self.judgments, metric: metric).values
        return scores.reduce(0) { $0 + $1.numerator } / scores.reduce(0) { $0 + $1.denominator }
    }

    @Test func scoresSumBackToTheMetrics() throws {
        // Judged: a, b, c, e (d has no verdict); followed: a, c.
        #expect(try rate("in_domain/isr") == 2.0 / 4)
        #expect(try rate("in_domain/if_s") == 1.0 / 2)          // a followed, e not
        #expect(try rate("in_domain/if_m") == 1.0 / 2)          // c followed, b not
        #expect(try rate("in_domain/csr") == (1 + 2.0 / 3 + 1 + 0) / 4)
        #expect(try rate("out_of_domain/isr") == 1)
        #expect(try rate("ifeval/s_acc") == 0.5)
        #expect(try rate("ifeval/l_acc") == 1)
        #expect(try rate("ifeval/strict_instruction_acc") == 3.0 / 4)
        #expect(try InstructionScores.scores(judgments: Self.judgments, metric: "in_domain/isr").count == 5)
    }

    @Test func badMetricsAndLinesAreNamed() {
        #expect(throws: InstructionScoresError.unknownMetric("in_domain/bleu")) {
            try InstructionScores.scores(judgments: Self.judgments, metric: "in_domain/bleu")
        }
        #expect(throws: InstructionScoresError.unknownMetric("isr")) { try InstructionScores.scores(judgments: "", metric: "isr") }
        #expect(throws: InstructionScoresError.self) {
            try InstructionScores.scores(judgments: "{\"dataset\": \"in_domain\", \"id\": \"a\"}\n{not json", metric: "in_domain/isr")
        }
        #expect(throws: InstructionScoresError.badLine(line: 1, detail: "\"satisfied\" is not an array")) {
            try InstructionScores.scores(judgments: #"{"dataset": "in_domain", "id": "a", "constraints": 1, "satisfied": 3}"#, metric: "in_domain/isr")
        }
    }

    @Test func methodsPairByInstructionID() throws {
        let a = [["x": RatioScore(1, of: 1), "y": RatioScore(0, of: 1)]]
        let b = [["y": RatioScore(1, of: 1), "x": RatioScore(1, of: 1)]]
        let (pa, pb) = try InstructionScores.paired(a, b)
        #expect(pa == [[RatioScore(1, of: 1), RatioScore(0, of: 1)]] && pb == [[RatioScore(1, of: 1), RatioScore(1, of: 1)]])
        #expect(try PairedBootstrap.difference(pa, pb, replicates: 100).estimate == -0.5)
        #expect(throws: BootstrapError.self) { try InstructionScores.paired(a, [["x": RatioScore(1, of: 1)]]) }
        #expect(throws: BootstrapError.shapeMismatch(detail: "1 seeds against 2")) { try InstructionScores.paired(a, b + b) }
    }
}
