// Options with a fixed set of values are parsed by the argument parser: a wrong value, or two
// values of one choice, exits 2 with the parser's message listing what is allowed, before the
// command does any work; and `--help` lists the values.

import Foundation
import Testing

@Suite struct ArgumentValueCLITests {
    func fails(_ cli: CLI, _ arguments: [String], _ expected: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let result = try cli.run(arguments)
        #expect(result.status == 2, "\(arguments): exit \(result.status), \(result.stderr)", sourceLocation: sourceLocation)
        for text in expected {
            #expect(result.stderr.contains(text), "\(arguments): stderr lacks \"\(text)\": \(result.stderr)", sourceLocation: sourceLocation)
        }
    }

    @Test func wrongValuesAreRefusedByTheParser() throws {
        let cli = CLI(); defer { cli.cleanup() }
        try fails(cli, ["train", "--objective", "ipo", "--data", "d", "--out", "o"], ["'ipo' is invalid for '--objective <objective>'", "'iopo-no-input'"])
        try fails(cli, ["train", "--objective", "sft", "--truncation", "left", "--data", "d", "--out", "o"], ["'left' is invalid for '--truncation", "'response'", "'drop'"])
        try fails(cli, ["eval", "--judge", "gpt", "--responses-from", "r.jsonl", "--trace", "t.jsonl"], ["'gpt' is invalid for '--judge <judge>'", "'rule'", "'llm'"])
        try fails(cli, ["model", "bench", "--config", "c.toml", "--blas", "haswel"], ["'haswel' is invalid for '--blas <blas>'", "Haswell", "SkylakeX"])
        // Two formats at once, and LaTeX where only tables have it.
        try fails(cli, ["table", "last", "--md", "--csv"], ["--csv", "--md"])
        try fails(cli, ["diff", "a", "b", "--latex"], ["--latex is for tables"])
        // Checks that need no I/O run before anything is read.
        try fails(cli, ["eval", "--judge", "llm", "--endpoint", "http://127.0.0.1:9", "--model", "m", "--trace", "missing.jsonl"],
                  ["--judge llm needs --judge-endpoint URL and --judge-model NAME"])
        try fails(cli, ["train", "--objective", "iopo", "--lora-rank=-1", "--data", "missing", "--out", "o"], ["--lora-rank must be 0"])
        // serve's timeouts are bounded before any model is loaded (a huge value once overflowed).
        try fails(cli, ["serve", "missing-model", "--idle-timeout-seconds", "0"], ["--idle-timeout-seconds must be"])
        try fails(cli, ["serve", "missing-model", "--shutdown-grace-seconds", "1e300"], ["--shutdown-grace-seconds must be"])
        try fails(cli, ["serve", "missing-model", "--threads", "0"], ["--threads must be at least 1"])
        try fails(cli, ["model", "bench"], ["give exactly one of --config and --model"])
        try fails(cli, ["model", "bench", "--config", "c.toml", "--model", "m"], ["give exactly one of --config and --model"])
        try fails(cli, ["model", "bench", "--config", "c.toml", "--decode-batches", "1,x"], ["--decode-batches: \"x\" is not a positive batch size"])
        try fails(cli, ["model", "bench", "--config", "c.toml", "--decode-batches", "4,,16"], ["--decode-batches: \"\" is not a positive batch size"])
        try fails(cli, ["model", "bench", "--config", "c.toml", "--decode-tokens", "1"], ["--seq and --decode-tokens ≥ 2"])
    }

    @Test func kernelFamiliesMatchWithoutRegardToCase() throws {
        let cli = CLI(); defer { cli.cleanup() }
        // Accepted by the parser (then refused for the missing config file, not for the family).
        let result = try cli.run(["model", "bench", "--config", "missing.toml", "--blas", "hAsWeLl"])
        #expect(!result.stderr.contains("is invalid for '--blas"), "\(result.stderr)")
    }

    @Test func helpListsTheValues() throws {
        let cli = CLI(); defer { cli.cleanup() }
        let help = try cli.run(["table", "--help"])
        #expect(help.status == 0)
        for flag in ["--text", "--md", "--csv", "--latex"] { #expect(help.stdout.contains(flag), "\(flag) missing in\n\(help.stdout)") }
        let train = try cli.run(["train", "run", "--help"])
        #expect(train.stdout.contains("--objective <objective>"), "\(train.stdout)")
    }
}
