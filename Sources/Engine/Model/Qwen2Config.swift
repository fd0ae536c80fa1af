// The architecture hyper-parameters of a Qwen2 model, with Hugging Face's `config.json` field names
// so a config read from a Hugging Face checkpoint decodes directly and one written by the engine
// loads in transformers.

/// Qwen2 architecture hyper-parameters (the fields of Hugging Face's `Qwen2Config` that change the
/// computation). Decoding ignores unknown keys; absent optional fields take Hugging Face's defaults.
public struct Qwen2Config: Codable, Sendable, Equatable, Hashable {
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
        tieWordEmbeddings: Bool = false
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
    }

    /// hidden_size / num_attention_heads.
    public var headDim: Int { hiddenSize / max(numAttentionHeads, 1) }

    /// Width of the fused q|k|v projection output: (heads + 2·kvHeads) · headDim.
    var qkvWidth: Int { (numAttentionHeads + 2 * numKeyValueHeads) * headDim }

    /// Checks that the numbers describe a buildable model; the error names the offending field.
    public func validate() throws(Qwen2ConfigError) {
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
        let perLayer = 2 * c + qkvWidth * c + qkvWidth + numAttentionHeads * d * c + 3 * intermediateSize * c
        return vocabSize * c + numHiddenLayers * perLayer + c + (tieWordEmbeddings ? 0 : vocabSize * c)
    }
}

/// Why a `Qwen2Config` cannot describe a model; each case names the `config.json` field.
public enum Qwen2ConfigError: Error, Equatable, CustomStringConvertible {
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
