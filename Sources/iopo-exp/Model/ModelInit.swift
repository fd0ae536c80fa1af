import ArgumentParser
import Engine
import Foundation

/// `model init`: a randomly initialised Qwen2 and a byte-level BPE tokenizer trained on a corpus,
/// written as a Hugging Face directory. Deterministic: the same config, corpus and seed give the
/// same bytes.
struct ModelInit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a randomly initialised Qwen2 model and a tokenizer trained on a corpus, as a Hugging Face directory.",
        discussion: """
            --config holds Hugging Face Qwen2 config.json fields (hidden_size, num_hidden_layers, \
            num_attention_heads, num_key_value_heads, intermediate_size, vocab_size, \
            max_position_embeddings, rope_theta, rms_norm_eps, tie_word_embeddings) as JSON or \
            top-level TOML keys. The tokenizer gets vocab_size ids at most (fewer when the corpus \
            runs out of pairs seen twice). Weights are drawn as transformers' _init_weights does \
            (normal, std 0.02; biases 0; norms 1) from --seed.
            """)

    @Option(help: "Model config (.json or .toml) with Hugging Face Qwen2 field names.") var config: String
    @Option(help: "Tokenizer training corpus: text lines, or JSON/JSONL (TRACE, ShareGPT) whose strings are used.")
    var tokenizerCorpus: String
    @Option(help: "Weight initialisation seed.") var seed: UInt64 = 1
    @Option(help: "Output directory (must not exist).") var out: String
    @OptionGroup var output: OutputOptions

    func run() throws {
        if FileManager.default.fileExists(atPath: out) { throw CLIError.invalid("\(out) already exists; choose a new directory") }
        let hfConfig = try ModelConfigFile.read(config)
        let corpus = try TokenizerCorpus.read(tokenizerCorpus)
        var summary: ModelSummary?
        try OutputDirectory.write(out) { staging in
            try EngineErrorMapping.mapped {
                let tokenizer = try BPETrainer.train(corpus: corpus, vocabularySize: hfConfig.vocabSize)
                let model = try DecoderModel(config: DecoderConfig(huggingFace: hfConfig), seed: seed)
                let bundle = ModelBundle(model: model, tokenizer: tokenizer)
                try bundle.export(to: staging)
                summary = ModelSummary(bundle: bundle, directory: out)
            }
        }
        guard let summary else { return }
        if output.json { try Output.printJSON(summary); return }
        print("wrote \(out): \(summary.line) (corpus: \(corpus.count) documents)")
    }
}
