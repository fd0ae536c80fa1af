import ArgumentParser
import Engine
import Foundation
import Serve

/// `iopo-exp demo-model DIR` (hidden): writes a randomly initialised Qwen2 model with a small BPE
/// tokenizer as a Hugging Face directory, for smoke tests, the `openai` client check
/// (scripts/compat) and the serving benchmark (scripts/bench/serve).
struct DemoModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo-model",
        abstract: "Write a random-weight Qwen2 model with a small tokenizer (for tests and benchmarks).",
        discussion: "The weights are random, so its text is nonsense; its cost and every serving path are real.",
        shouldDisplay: false)

    @Argument(help: "Directory to write (created if needed).") var directory: String
    @Option(help: "tiny (hidden 64, 2 layers) or reproduction (hidden 256, 4 layers, 8 heads, 4 kv heads, intermediate 704).")
    var preset = "tiny"
    @Option(help: "Override hidden_size.") var hiddenSize: Int?
    @Option(help: "Override num_hidden_layers.") var layers: Int?
    @Option(help: "Override num_attention_heads.") var heads: Int?
    @Option(help: "Override num_key_value_heads.") var kvHeads: Int?
    @Option(help: "Override intermediate_size.") var intermediateSize: Int?
    @Option(help: "Override the tokenizer's (and model's) vocabulary size.") var vocabSize: Int?
    @Option(help: "Override max_position_embeddings.") var context: Int?
    @Option(help: "Seed of the weights.") var seed: UInt64 = 1

    func run() throws {
        var spec: DemoModelSpec
        switch preset {
        case "tiny": spec = .tiny
        case "reproduction": spec = .reproduction
        default: throw CLIError.invalid("--preset \(preset): use tiny or reproduction")
        }
        if let hiddenSize { spec.hiddenSize = hiddenSize }
        if let layers { spec.layers = layers }
        if let heads { spec.attentionHeads = heads }
        if let kvHeads { spec.keyValueHeads = kvHeads }
        if let intermediateSize { spec.intermediateSize = intermediateSize }
        if let vocabSize { spec.vocabularySize = vocabSize }
        if let context { spec.contextLength = context }
        spec.seed = seed
        let written: HFDecoderConfig
        do {
            written = try DemoModel.write(spec, to: URL(fileURLWithPath: directory))
        } catch {
            throw CLIError.invalid("cannot write the demo model: \(error)")
        }
        print("wrote a demo model (hidden \(written.hiddenSize), \(written.numHiddenLayers) layers, \(written.numAttentionHeads) heads, "
              + "\(written.numKeyValueHeads) kv heads, intermediate \(written.intermediateSize), vocabulary \(written.vocabSize), "
              + "context \(written.maxPositionEmbeddings)) to \(directory)")
    }
}
