import ArgumentParser
import Engine
import Foundation

/// `model tokenizer-cases` (hidden; used by scripts/parity/run.sh): trains the parity tokenizer,
/// exports it and writes the engine's ids, decodings, pre-tokenizer pieces and chat renderings
/// for `scripts/parity/tokenizer_parity.py` to reproduce with `tokenizers` and `transformers`.
struct ModelTokenizerCases: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenizer-cases",
        abstract: "Write the tokenizer parity fixtures (tokenizer.json, tokenizer_config.json, cases.jsonl).",
        shouldDisplay: false)

    @Option(help: "Generated test strings.") var count = 1000
    @Option(help: "Extra texts (text lines, or JSON/JSONL whose strings are used), e.g. real prompts; repeatable.")
    var extra: [String] = []
    @Option(help: "Output directory.") var out: String

    func run() throws {
        guard count >= 0 else { throw CLIError.invalid("--count must not be negative") }
        var texts: [String] = []
        var seen = Set<String>()
        // Each distinct text once, in first-seen order (records repeat system prompts).
        for path in extra { texts += try TokenizerCorpus.read(path).filter { seen.insert($0).inserted } }
        let summary = try EngineErrorMapping.mapped {
            try TokenizerParityCases.write(to: URL(fileURLWithPath: out), textCount: count, extraTexts: texts)
        }
        print("wrote \(summary.textCases) text (\(texts.count) extra), \(summary.chatCases) chat and \(summary.decodeCases) decode cases to \(summary.directory) (vocabulary \(summary.vocabularySize))")
    }
}
