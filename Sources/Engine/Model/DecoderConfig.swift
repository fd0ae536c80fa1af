// The architecture hyper-parameters of a decoder of the Llama/Qwen2 family, with Hugging Face's
// `config.json` field names so a config read from a Hugging Face checkpoint decodes directly and
// one written by the engine loads in transformers. Qwen2 is Llama with a bias on the q, k and v
// projections; that bias is the one switch between them here.

/// Decoder hyper-parameters (the fields of Hugging Face's `LlamaConfig` / `Qwen2Config` that change
/// the computation). Decoding ignores unknown keys; absent optional fields take Hugging Face's
/// defaults (Qwen2's where the two differ, for the engine's own checkpoints).
public struct DecoderConfig: Codable, Sendable, Equatable, Hashable {
    public var hiddenSize: Int
    public var numHiddenLayers: Int
    public var numAttentionHeads: Int
    /// Key/value heads for grouped-query attention; defaults to `numAttentionHeads`.
    public var numKeyValueHeads: Int
    public var intermediateSize: Int
    public var vocabSize: Int
    /// Longest sequence (prompt plus generated tokens) the model accepts; HF default 32768.
    public var maxPositionEmbeddings: Int
    /// HF default 1e-6.
    public var rmsNormEps: Float
    /// HF default 10000.0.
    public var ropeTheta: Float
    /// When true there is no `lm_head.weight`: the output projection is the embedding table.
    public var tieWordEmbeddings: Bool
    /// Whether q, k and v projections have a bias: Qwen2 yes, Llama no (`attention_bias`).
    public var attentionBias: Bool

    public init(
        hiddenSize: Int,
        numHiddenLayers: Int,
        numAttentionHeads: Int,
        numKeyValueHeads: Int? = nil,
        intermediateSize: Int,
        vocabSize: Int,
        maxPositionEmbeddings: Int = 32768,
        rmsNormEps: Float = 1e-6,
        ropeTheta: Float = 10000,
        tieWordEmbeddings: Bool = false,
        attentionBias: Bool = true
    ) {
        self.hiddenSize = hiddenSize
        self.numHiddenLayers = numHiddenLayers
        self.numAttentionHeads = numAttentionHeads
        self.numKeyValueHeads = numKeyValueHeads ?? numAttentionHeads
        self.intermediateSize = intermediateSize
        self.vocabSize = vocabSize
        self.maxPositionEmbeddings = maxPositionEmbeddings
        self.rmsNormEps = rmsNormEps
        self.ropeTheta = ropeTheta
        self.tieWordEmbeddings = tieWordEmbeddings
        self.attentionBias = attentionBias
    }

    enum CodingKeys: String, CodingKey {
        case hiddenSize = "hidden_size"
        case numHiddenLayers = "num_hidden_layers"
        case numAttentionHeads = "num_attention_heads"
        case numKeyValueHeads = "num_key_value_heads"
        case intermediateSize = "intermediate_size"
        case vocabSize = "vocab_size"
        case maxPositionEmbeddings = "max_position_embeddings"
        case rmsNormEps = "rms_norm_eps"
        case ropeTheta = "rope_theta"
        case tieWordEmbeddings = "tie_word_embeddings"
        case attentionBias = "attention_bias"
        case modelType = "model_type"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        hiddenSize = try container.decode(Int.self, forKey: .hiddenSize)
        numHiddenLayers = try container.decode(Int.self, forKey: .numHiddenLayers)
        numAttentionHeads = try container.decode(Int.self, forKey: .numAttentionHeads)
        numKeyValueHeads = try container.decodeIfPresent(Int.self, forKey: .numKeyValueHeads) ?? numAttentionHeads
        intermediateSize = try container.decode(Int.self, forKey: .intermediateSize)
        vocabSize = try container.decode(Int.self, forKey: .vocabSize)
        maxPositionEmbeddings = try container.decodeIfPresent(Int.self, forKey: .maxPositionEmbeddings) ?? 32768
        rmsNormEps = try container.decodeIfPresent(Float.self, forKey: .rmsNormEps) ?? 1e-6
        ropeTheta = try container.decodeIfPresent(Float.self, forKey: .ropeTheta) ?? 10000
        tieWordEmbeddings = try container.decodeIfPresent(Bool.self, forKey: .tieWordEmbeddings) ?? false
        let isLlama = try container.decodeIfPresent(String.self, forKey: .modelType) == "llama"
        attentionBias = try container.decodeIfPresent(Bool.self, forKey: .attentionBias) ?? !isLlama
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(hiddenSize, forKey: .hiddenSize)
        try container.encode(numHiddenLayers, forKey: .numHiddenLayers)
        try container.encode(numAttentionHeads, forKey: .numAttentionHeads)
        try container.encode(numKeyValueHeads, forKey: .numKeyValueHeads)
        try container.encode(intermediateSize, forKey: .intermediateSize)
        try container.encode(vocabSize, forKey: .vocabSize)
        try container.encode(maxPositionEmbeddings, forKey: .maxPositionEmbeddings)
        try container.encode(rmsNormEps, forKey: .rmsNormEps)
        try container.encode(ropeTheta, forKey: .ropeTheta)
        try container.encode(tieWordEmbeddings, forKey: .tieWordEmbeddings)
        try container.encode(attentionBias, forKey: .attentionBias)
    }

    /// hidden_size / num_attention_heads.
    public var headDim: Int { hiddenSize / max(numAttentionHeads, 1) }

    /// Width of the fused q|k|v projection output: (heads + 2·kvHeads) · headDim.
    var qkvWidth: Int { (numAttentionHeads + 2 * numKeyValueHeads) * headDim }

    /// Checks that the numbers describe a buildable model; the error names the offending field.
    public func validate() throws(DecoderConfigError) {
        let positive: [(String, Int)] = [
            ("hidden_size", hiddenSize), ("num_hidden_layers", numHiddenLayers),
            ("num_attention_heads", numAttentionHeads), ("num_key_value_heads", numKeyValueHeads),
            ("intermediate_size", intermediateSize), ("vocab_size", vocabSize),
            ("max_position_embeddings", maxPositionEmbeddings),
        ]
        for (field, value) in positive where value <= 0 {
            throw .notPositive(field: field, value: Double(value))
        }
        if !(rmsNormEps > 0) || !rmsNormEps.isFinite { throw .notPositive(field: "rms_norm_eps", value: Double(rmsNormEps)) }
        if !(ropeTheta > 0) || !ropeTheta.isFinite { throw .notPositive(field: "rope_theta", value: Double(ropeTheta)) }
        if hiddenSize % numAttentionHeads != 0 {
            throw .notDivisible(field: "hidden_size", value: hiddenSize, divisorField: "num_attention_heads", divisor: numAttentionHeads)
        }
        if numAttentionHeads % numKeyValueHeads != 0 {
            throw .notDivisible(field: "num_attention_heads", value: numAttentionHeads, divisorField: "num_key_value_heads", divisor: numKeyValueHeads)
        }
        if headDim % 2 != 0 {
            throw .oddHeadDim(headDim: headDim)
        }
        if vocabSize > Int(Int32.max) {
            throw .tooLarge(field: "vocab_size", value: vocabSize, limit: Int(Int32.max))
        }
    }

    /// Number of float parameters (the tied output projection counted once).
    public var parameterCount: Int {
        let c = hiddenSize, d = headDim
        let perLayer = 2 * c + qkvWidth * c + (attentionBias ? qkvWidth : 0) + numAttentionHeads * d * c + 3 * intermediateSize * c
        return vocabSize * c + numHiddenLayers * perLayer + c + (tieWordEmbeddings ? 0 : vocabSize * c)
    }
}

/// Why a `DecoderConfig` cannot describe a model; each case names the `config.json` field.
public enum DecoderConfigError: Error, Equatable, CustomStringConvertible {
    case notPositive(field: String, value: Double)
    case notDivisible(field: String, value: Int, divisorField: String, divisor: Int)
    case oddHeadDim(headDim: Int)
    case tooLarge(field: String, value: Int, limit: Int)

    public var description: String {
        switch self {
        case let .notPositive(field, value):
            return "config field \(field) must be positive, got \(value)"
        case let .notDivisible(field, value, divisorField, divisor):
            return "config field \(field) (\(value)) must be divisible by \(divisorField) (\(divisor))"
        case let .oddHeadDim(headDim):
            return "config field hidden_size / num_attention_heads gives head_dim \(headDim); rotary embedding needs it even"
        case let .tooLarge(field, value, limit):
            return "config field \(field) is \(value), above the engine's limit \(limit)"
        }
    }
}
