import Engine
import Foundation

/// What `model init`, `import` and `info` report about a model: its architecture, size and
/// tokenizer, in config.json's field names for --json.
struct ModelSummary: Encodable {
    var directory: String
    /// `llama` or `qwen2` (Qwen2: q/k/v bias), as config.json's `model_type`.
    var modelType: String
    var hiddenSize: Int
    var numHiddenLayers: Int
    var numAttentionHeads: Int
    var numKeyValueHeads: Int
    var intermediateSize: Int
    var vocabSize: Int
    var maxPositionEmbeddings: Int
    var ropeTheta: Double
    var rmsNormEps: Double
    var tieWordEmbeddings: Bool
    var parameters: Int
    var tokenizerVocabulary: Int
    var adapter: AdapterSummary?
    var id: String?

    struct AdapterSummary: Encodable {
        var rank: Int
        var alpha: Double
        var targetModules: [String]
        var parameters: Int

        enum CodingKeys: String, CodingKey {
            case rank = "r", alpha = "lora_alpha", targetModules = "target_modules", parameters
        }
    }

    enum CodingKeys: String, CodingKey {
        case directory, parameters, adapter, id, modelType = "model_type"
        case hiddenSize = "hidden_size", numHiddenLayers = "num_hidden_layers", numAttentionHeads = "num_attention_heads"
        case numKeyValueHeads = "num_key_value_heads", intermediateSize = "intermediate_size", vocabSize = "vocab_size"
        case maxPositionEmbeddings = "max_position_embeddings", ropeTheta = "rope_theta", rmsNormEps = "rms_norm_eps"
        case tieWordEmbeddings = "tie_word_embeddings", tokenizerVocabulary = "tokenizer_vocabulary"
    }

    init(bundle: ModelBundle, directory: String) {
        let config = bundle.model.config
        self.directory = directory
        modelType = config.attentionBias ? DecoderArchitecture.qwen2.rawValue : DecoderArchitecture.llama.rawValue
        hiddenSize = config.hiddenSize
        numHiddenLayers = config.numHiddenLayers
        numAttentionHeads = config.numAttentionHeads
        numKeyValueHeads = config.numKeyValueHeads
        intermediateSize = config.intermediateSize
        vocabSize = config.vocabSize
        maxPositionEmbeddings = config.maxPositionEmbeddings
        ropeTheta = Double(config.ropeTheta)
        rmsNormEps = Double(config.rmsNormEps)
        tieWordEmbeddings = config.tieWordEmbeddings
        parameters = bundle.model.parameterCount
        tokenizerVocabulary = bundle.tokenizer.vocabularySize
        if let lora = bundle.model.loraConfig {
            adapter = AdapterSummary(rank: lora.rank, alpha: Double(lora.alpha), targetModules: lora.targetModules.map(\.rawValue),
                                     parameters: bundle.model.trainableParameterCount)
        }
    }

    /// One line for people: `Qwen2 4 layers × 256 (8 heads, 4 KV), ...`.
    var line: String {
        var text = "\(modelType == "llama" ? "Llama" : "Qwen2") \(numHiddenLayers) layers × \(hiddenSize) (\(numAttentionHeads) heads, \(numKeyValueHeads) KV, MLP \(intermediateSize)), "
            + "vocab \(vocabSize), context \(maxPositionEmbeddings), \(ModelSummary.count(parameters)) parameters"
            + (tieWordEmbeddings ? " (tied embeddings)" : "") + ", tokenizer \(tokenizerVocabulary) tokens"
        if let adapter {
            text += ", LoRA r=\(adapter.rank) alpha=\(ModelSummary.number(adapter.alpha)) on \(adapter.targetModules.joined(separator: ",")) (\(ModelSummary.count(adapter.parameters)) parameters)"
        }
        return text
    }

    static func count(_ n: Int) -> String {
        if n >= 1_000_000 { return String(format: "%.2fM", Double(n) / 1e6) }
        if n >= 10_000 { return String(format: "%.1fK", Double(n) / 1e3) }
        return String(n)
    }

    static func number(_ value: Double) -> String {
        value.rounded() == value ? String(Int(value)) : String(value)
    }
}
