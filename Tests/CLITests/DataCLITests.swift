import Foundation
import TestKit
import Testing

@Suite(.serialized) struct DataCLITests {
    @Test func synthIsByteIdenticalForTheSameSeedAndDiffersForAnother() throws {
        let cli = CLI(); defer { cli.cleanup() }
        let args = ["data", "synth", "--train-quadruples", "300", "--eval-in-domain", "60", "--eval-out-of-domain", "40", "--shard-size", "100"]
        #expect(try cli.run(args + ["--seed", "3", "--out", "a"]).status == 0)
        #expect(try cli.run(args + ["--seed", "3", "--out", "b"]).status == 0)
        #expect(try cli.run(args + ["--seed", "4", "--out", "c"]).status == 0)
        #expect(try cli.shell("diff -r a b && echo same").stdout.contains("same"))
        #expect(try cli.shell("diff -rq a c >/dev/null || echo differ").stdout.contains("differ"))
        #expect(try cli.shell("ls a/train a/eval").stdout.contains("train-00002.jsonl"))
        // Stats read our shards.
        let stats = try cli.run(["data", "stats", "a/eval/in-domain-00000.jsonl"])
        #expect(stats.status == 0 && stats.stdout.contains("by constraint count"))
        // Bad input: an existing destination, an impossible parameter, a missing file.
        #expect(try cli.run(args + ["--out", "a"]).status == 2)
        #expect(try cli.run(["data", "synth", "--max-constraints", "16", "--out", "d"]).status == 2)
        #expect(try cli.run(["data", "stats", "missing.jsonl"]).status == 2)
        try cli.write("{\"id\": 1}\nnot json\n", to: "bad.jsonl")
        let bad = try cli.run(["data", "stats", "bad.jsonl"])
        #expect(bad.status == 2 && bad.stderr.contains("bad.jsonl"))
    }

    @Test(.enabled(if: SharedData.has("trace/trace_eval.jsonl"), "needs the real TRACE data (IOPO_DATA_DIR)"))
    func statsOfTheRealTraceEvaluationSetMatchThePublishedDistribution() throws {
        let file = try #require(SharedData.file("trace/trace_eval.jsonl")).path
        let cli = CLI(); defer { cli.cleanup() }
        let stats = try cli.run(["data", "stats", file])
        #expect(stats.status == 0)
        #expect(stats.stdout.contains("instructions 1042"))
        #expect(stats.stdout.contains("  1   200"))
    }
}
