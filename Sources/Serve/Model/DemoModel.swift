// A randomly initialised Qwen2 model with a small byte-level BPE tokenizer, exported as a Hugging
// Face directory. It answers with nonsense, but it exercises every path a trained model does
// (chat template, special tokens, streaming, stops, limits), loads in transformers, and costs
// exactly what a trained model of its size costs: the tests, the `openai` client check and the
// serving benchmark run on it when no trained model is at hand.

import Engine
import Foundation

/// The size of a demo model.
public struct DemoModelSpec: Sendable, Equatable {
    public var hiddenSize: Int
    public var layers: Int
    public var attentionHeads: Int
    public var keyValueHeads: Int
    public var intermediateSize: Int
    /// Ids of the tokenizer (256 bytes + merges + the 3 Qwen special tokens); the model's
    /// vocab_size equals it.
    public var vocabularySize: Int
    /// max_position_embeddings.
    public var contextLength: Int
    /// Seeds the weights (the tokenizer is trained on a fixed corpus).
    public var seed: UInt64

    public init(hiddenSize: Int = 64, layers: Int = 2, attentionHeads: Int = 4, keyValueHeads: Int = 2,
                intermediateSize: Int = 128, vocabularySize: Int = 400, contextLength: Int = 512, seed: UInt64 = 1) {
        self.hiddenSize = hiddenSize
        self.layers = layers
        self.attentionHeads = attentionHeads
        self.keyValueHeads = keyValueHeads
        self.intermediateSize = intermediateSize
        self.vocabularySize = vocabularySize
        self.contextLength = contextLength
        self.seed = seed
    }

    /// The tiny model of the tests.
    public static let tiny = DemoModelSpec()

    /// The laptop reproduction's model size (DESIGN.md's `[model.tiny]`): hidden 256, 4 layers,
    /// 8 heads, 4 key/value heads, intermediate 704.
    public static let reproduction = DemoModelSpec(hiddenSize: 256, layers: 4, attentionHeads: 8, keyValueHeads: 4,
                                                   intermediateSize: 704, vocabularySize: 2048, contextLength: 2048)
}

/// Makes demo models.
public enum DemoModel {
    /// The tokenizer of a demo model: byte-level BPE trained on the engine's tokenizer test corpus
    /// (mixed English, code-like text, Chinese, and the chat template).
    public static func tokenizer(vocabularySize: Int) throws -> BPETokenizer {
        let corpus = Array(TokenizerParityCases.trainingCorpus().prefix(vocabularySize <= 512 ? 300 : 1500))
        return try BPETrainer.train(corpus: corpus, vocabularySize: vocabularySize)
    }

    /// Writes a demo model to `directory` (created if needed) as config.json, model.safetensors,
    /// tokenizer files and generation_config.json (stopping at `<|im_end|>` / `<|endoftext|>`).
    /// Returns the written config (its vocab_size is the tokenizer's actual size, which is below
    /// the requested one when the corpus runs out of merges).
    @discardableResult
    public static func write(_ spec: DemoModelSpec, to directory: URL) throws -> HFDecoderConfig {
        let tokenizer = try tokenizer(vocabularySize: spec.vocabularySize)
        let config = DecoderConfig(hiddenSize: spec.hiddenSize, numHiddenLayers: spec.layers,
                                 numAttentionHeads: spec.attentionHeads, numKeyValueHeads: spec.keyValueHeads,
                                 intermediateSize: spec.intermediateSize, vocabSize: tokenizer.vocabularySize,
                                 maxPositionEmbeddings: spec.contextLength, ropeTheta: 1_000_000)
        let model = try DecoderModel(config: config, seed: spec.seed)
        let hfConfig = HFDecoderConfig(vocabSize: config.vocabSize, hiddenSize: config.hiddenSize,
                                     intermediateSize: config.intermediateSize, numHiddenLayers: config.numHiddenLayers,
                                     numAttentionHeads: config.numAttentionHeads, numKeyValueHeads: config.numKeyValueHeads,
                                     maxPositionEmbeddings: config.maxPositionEmbeddings, ropeTheta: Double(config.ropeTheta),
                                     rmsNormEps: Double(config.rmsNormEps), tieWordEmbeddings: false,
                                     bosTokenID: tokenizer.id(of: "<|endoftext|>"), eosTokenID: tokenizer.id(of: "<|im_end|>"))
        try HFModelDirectory(decoder: hfConfig, tensors: model.namedTensors(), tokenizer: tokenizer).write(to: directory)
        return hfConfig
    }

    /// The demo model of `spec` in a fixed directory `name` under the temporary directory,
    /// written once and reused by later callers and processes (the model is deterministic). It
    /// is written into a scratch directory first and renamed, so a concurrent process never sees
    /// half a model. For tests and benchmarks that want a small real model without paying for
    /// it every time.
    public static func cached(_ spec: DemoModelSpec, name: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(name)
        if FileManager.default.fileExists(atPath: directory.appendingPathComponent("tokenizer_config.json").path) { return directory }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("\(name).\(UUID().uuidString)")
        try write(spec, to: scratch)
        if rename(scratch.path, directory.path) != 0 { try? FileManager.default.removeItem(at: scratch) }
        return directory
    }
}
