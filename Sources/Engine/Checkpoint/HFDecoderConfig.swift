// The fields of a Hugging Face Llama or Qwen2 config.json, independent of the engine's own model
// types (the caller maps its configuration onto this), with the full config.json document
// `LlamaForCausalLM` / `Qwen2ForCausalLM.from_pretrained` expects and the state-dict names and
// shapes it implies.

import Basics

/// The two Hugging Face architectures of the family: the same decoder, Qwen2 with a bias on the
/// q, k and v projections.
public enum DecoderArchitecture: String, Sendable, Equatable, CaseIterable {
    case llama
    case qwen2

    /// `architectures[0]` of config.json.
    public var causalLMClass: String {
        switch self {
        case .llama: return "LlamaForCausalLM"
        case .qwen2: return "Qwen2ForCausalLM"
        }
    }
}

/// A LlamaForCausalLM or Qwen2ForCausalLM configuration in Hugging Face's field names and meanings.
public struct HFDecoderConfig: Sendable, Equatable {
    public var architecture: DecoderArchitecture
    public var vocabSize: Int
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var numHiddenLayers: Int
    public var numAttentionHeads: Int
    public var numKeyValueHeads: Int
    public var maxPositionEmbeddings: Int
    public var ropeTheta: Double
    public var rmsNormEps: Double
    public var tieWordEmbeddings: Bool
    public var bosTokenID: Int?
    public var eosTokenID: Int?
    /// Unused while `use_sliding_window` is false, but Qwen2 configs always carry it.
    public var slidingWindow: Int
    public var maxWindowLayers: Int

    public init(vocabSize: Int, hiddenSize: Int, intermediateSize: Int, numHiddenLayers: Int,
                numAttentionHeads: Int, numKeyValueHeads: Int, maxPositionEmbeddings: Int = 32768,
                ropeTheta: Double = 1_000_000, rmsNormEps: Double = 1e-6, tieWordEmbeddings: Bool = false,
                bosTokenID: Int? = nil, eosTokenID: Int? = nil, slidingWindow: Int? = nil, maxWindowLayers: Int? = nil,
                architecture: DecoderArchitecture = .qwen2) {
        self.architecture = architecture
        self.vocabSize = vocabSize
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.numHiddenLayers = numHiddenLayers
        self.numAttentionHeads = numAttentionHeads
        self.numKeyValueHeads = numKeyValueHeads
        self.maxPositionEmbeddings = maxPositionEmbeddings
        self.ropeTheta = ropeTheta
        self.rmsNormEps = rmsNormEps
        self.tieWordEmbeddings = tieWordEmbeddings
        self.bosTokenID = bosTokenID
        self.eosTokenID = eosTokenID
        self.slidingWindow = slidingWindow ?? maxPositionEmbeddings
        self.maxWindowLayers = maxWindowLayers ?? numHiddenLayers
    }

    public var headDim: Int { hiddenSize / numAttentionHeads }

    /// Whether q, k and v have biases (Qwen2 always; the Llama configs read here never).
    public var attentionBias: Bool { architecture == .qwen2 }

    /// The config.json document (keys sorted when serialised): the fields both architectures
    /// write, and those only one of them has, as transformers' `to_dict()` writes them, float32.
    public var document: JSONValue {
        var fields: [String: JSONValue] = [
            "architectures": .array([.string(architecture.causalLMClass)]),
            "attention_dropout": .double(0),
            "bos_token_id": bosTokenID.map { .int($0) } ?? .null,
            "eos_token_id": eosTokenID.map { .int($0) } ?? .null,
            "hidden_act": .string("silu"),
            "hidden_size": .int(hiddenSize),
            "initializer_range": .double(0.02),
            "intermediate_size": .int(intermediateSize),
            "max_position_embeddings": .int(maxPositionEmbeddings),
            "model_type": .string(architecture.rawValue),
            "num_attention_heads": .int(numAttentionHeads),
            "num_hidden_layers": .int(numHiddenLayers),
            "num_key_value_heads": .int(numKeyValueHeads),
            "rms_norm_eps": .double(rmsNormEps),
            "rope_scaling": .null,
            "rope_theta": .double(ropeTheta),
            "tie_word_embeddings": .bool(tieWordEmbeddings),
            "torch_dtype": .string("float32"),
            "use_cache": .bool(true),
            "vocab_size": .int(vocabSize),
        ]
        switch architecture {
        case .llama:
            fields["attention_bias"] = .bool(false)
            fields["head_dim"] = .int(headDim)
            fields["mlp_bias"] = .bool(false)
            fields["pretraining_tp"] = .int(1)
        case .qwen2:
            fields["max_window_layers"] = .int(maxWindowLayers)
            fields["sliding_window"] = .int(slidingWindow)
            fields["use_sliding_window"] = .bool(false)
        }
        return .object(fields)
    }

    /// Reads the fields from a config.json document; size fields are required, the rest take
    /// Qwen2's defaults.
    public init(document: JSONValue, file: String = "config.json") throws(CheckpointError) {
        guard case .object = document else { throw .invalidField(file: file, field: "$", detail: "expected an object") }
        let architecture: DecoderArchitecture
        switch document["model_type"]?.stringValue {
        case nil, "qwen2"?: architecture = .qwen2
        case "llama"?: architecture = .llama
        case let other?:
            throw .invalidField(file: file, field: "model_type", detail: "\"\(other)\" is not supported; iopo-exp runs \"llama\" and \"qwen2\"")
        }
        // Llama variants the one decoder does not compute are refused, not approximated.
        if architecture == .llama {
            for key in ["attention_bias", "mlp_bias"] where document[key]?.boolValue == true {
                throw .invalidField(file: file, field: key, detail: "true is not supported (the engine's Llama has no attention or MLP bias)")
            }
        }
        func integer(_ key: String) throws(CheckpointError) -> Int {
            guard let value = document[key]?.wholeNumberValue, value > 0 else {
                throw .invalidField(file: file, field: key, detail: "missing or not a positive integer")
            }
            return value
        }
        func number(_ key: String, default fallback: Double) throws(CheckpointError) -> Double {
            guard let value = document[key], !value.isNull else { return fallback }
            guard let number = value.doubleValue else { throw .invalidField(file: file, field: key, detail: "not a number") }
            return number
        }
        func optionalInteger(_ key: String) throws(CheckpointError) -> Int? {
            guard let value = document[key], !value.isNull else { return nil }
            if let number = value.wholeNumberValue { return number }
            // Some configs list several EOS ids; the first is the primary one.
            if let first = value.arrayValue?.first?.wholeNumberValue { return first }
            throw .invalidField(file: file, field: key, detail: "not an integer")
        }
        // transformers 5 moved rope_theta into "rope_parameters"; 4.x has it at the top level.
        func ropeTheta() throws(CheckpointError) -> Double {
            if let parameters = document["rope_parameters"], case .object = parameters {
                if let type = parameters["rope_type"]?.stringValue, type != "default" {
                    throw .invalidField(file: file, field: "rope_parameters.rope_type", detail: "\"\(type)\" is not supported (only default RoPE)")
                }
                if let theta = parameters["rope_theta"]?.doubleValue { return theta }
            }
            if let scaling = document["rope_scaling"], !scaling.isNull,
               (scaling["rope_type"] ?? scaling["type"])?.stringValue != "default" {
                throw .invalidField(file: file, field: "rope_scaling", detail: "RoPE scaling is not supported (only default RoPE)")
            }
            return try number("rope_theta", default: 10_000)
        }
        let hidden = try integer("hidden_size")
        let heads = try integer("num_attention_heads")
        let maxPositions = (document["max_position_embeddings"]?.wholeNumberValue) ?? 32768
        self.init(
            vocabSize: try integer("vocab_size"), hiddenSize: hidden,
            intermediateSize: try integer("intermediate_size"), numHiddenLayers: try integer("num_hidden_layers"),
            numAttentionHeads: heads,
            numKeyValueHeads: document["num_key_value_heads"]?.wholeNumberValue ?? heads,
            maxPositionEmbeddings: maxPositions,
            ropeTheta: try ropeTheta(), rmsNormEps: try number("rms_norm_eps", default: 1e-6),
            tieWordEmbeddings: document["tie_word_embeddings"]?.boolValue ?? false,
            bosTokenID: try optionalInteger("bos_token_id"), eosTokenID: try optionalInteger("eos_token_id"),
            slidingWindow: document["sliding_window"]?.wholeNumberValue, maxWindowLayers: document["max_window_layers"]?.wholeNumberValue,
            architecture: architecture)
        if hidden % heads != 0 {
            throw .invalidField(file: file, field: "hidden_size", detail: "\(hidden) is not divisible by num_attention_heads \(heads)")
        }
        if let headDim = document["head_dim"]?.wholeNumberValue, headDim != hidden / heads {
            throw .invalidField(file: file, field: "head_dim", detail: "\(headDim) is not supported: the engine needs hidden_size / num_attention_heads (\(hidden / heads))")
        }
        if numKeyValueHeads <= 0 || heads % numKeyValueHeads != 0 {
            throw .invalidField(file: file, field: "num_key_value_heads", detail: "\(numKeyValueHeads) does not divide num_attention_heads \(heads)")
        }
    }

    /// Every state-dict tensor LlamaForCausalLM / Qwen2ForCausalLM has, with its shape (linear weights `[out, in]`).
    /// `lm_head.weight` is absent when the embeddings are tied, as in `save_pretrained`.
    public var expectedShapes: [String: [Int]] {
        let kvDim = numKeyValueHeads * headDim
        var shapes: [String: [Int]] = [
            "model.embed_tokens.weight": [vocabSize, hiddenSize],
            "model.norm.weight": [hiddenSize],
        ]
        if !tieWordEmbeddings { shapes["lm_head.weight"] = [vocabSize, hiddenSize] }
        for layer in 0..<numHiddenLayers {
            let prefix = "model.layers.\(layer)."
            shapes[prefix + "input_layernorm.weight"] = [hiddenSize]
            shapes[prefix + "post_attention_layernorm.weight"] = [hiddenSize]
            shapes[prefix + "self_attn.q_proj.weight"] = [hiddenSize, hiddenSize]
            shapes[prefix + "self_attn.k_proj.weight"] = [kvDim, hiddenSize]
            shapes[prefix + "self_attn.v_proj.weight"] = [kvDim, hiddenSize]
            if attentionBias {
                shapes[prefix + "self_attn.q_proj.bias"] = [hiddenSize]
                shapes[prefix + "self_attn.k_proj.bias"] = [kvDim]
                shapes[prefix + "self_attn.v_proj.bias"] = [kvDim]
            }
            shapes[prefix + "self_attn.o_proj.weight"] = [hiddenSize, hiddenSize]
            shapes[prefix + "mlp.gate_proj.weight"] = [intermediateSize, hiddenSize]
            shapes[prefix + "mlp.up_proj.weight"] = [intermediateSize, hiddenSize]
            shapes[prefix + "mlp.down_proj.weight"] = [hiddenSize, intermediateSize]
        }
        return shapes
    }

    /// Checks that `tensors` are exactly the expected state dict: no tensor missing, none extra,
    /// every shape right. A tied checkpoint may still carry `lm_head.weight` (some exporters keep
    /// it) provided its shape is right.
    public func validate(_ tensors: [NamedTensor], file: String) throws(CheckpointError) {
        var expected = expectedShapes
        var unexpected: [String] = []
        for tensor in tensors {
            if tieWordEmbeddings && tensor.name == "lm_head.weight" { expected[tensor.name] = [vocabSize, hiddenSize] }
            guard let shape = expected.removeValue(forKey: tensor.name) else {
                unexpected.append(tensor.name)
                continue
            }
            if shape != tensor.shape {
                throw .invalidTensor(file: file, tensor: tensor.name, detail: "shape \(tensor.shape), expected \(shape) from config.json")
            }
        }
        if !expected.isEmpty { throw .missingTensors(file: file, names: expected.keys.sorted()) }
        if !unexpected.isEmpty { throw .unexpectedTensors(file: file, names: unexpected.sorted()) }
    }
}
