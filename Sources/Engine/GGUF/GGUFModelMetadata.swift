// The metadata a Llama/Qwen2-family model needs from a GGUF file, read into typed fields with the
// defaults llama.cpp applies (head_count_kv = head_count, rope.freq_base = 10000). Keys follow
// llama.cpp's naming: hyper-parameters under the architecture's prefix (`llama.block_count`,
// `qwen2.attention.head_count`), the tokenizer under `tokenizer.ggml.*`, the chat template at
// `tokenizer.chat_template`. Mapping these onto the engine's model configuration is the caller's.

/// The model description stored in a GGUF file's metadata.
public struct GGUFModelMetadata: Sendable, Equatable {
    /// The architectures the engine runs (`general.architecture`).
    public enum Architecture: String, Sendable, CaseIterable {
        /// Llama: llama.cpp's converter permutes q/k rows (see `LlamaQKPermutation`).
        case llama
        /// Qwen2: Llama with q/k/v biases; stored unpermuted.
        case qwen2
    }

    public var architecture: Architecture
    /// `<arch>.block_count`: decoder layers.
    public var blockCount: Int
    /// `<arch>.embedding_length`: hidden size.
    public var embeddingLength: Int
    /// `<arch>.feed_forward_length`: MLP intermediate size.
    public var feedForwardLength: Int
    /// `<arch>.attention.head_count`.
    public var headCount: Int
    /// `<arch>.attention.head_count_kv`, `headCount` when absent.
    public var headCountKV: Int
    /// `<arch>.attention.key_length` when present, else embeddingLength / headCount.
    public var headDimension: Int
    /// `<arch>.rope.freq_base`, 10000 when absent.
    public var ropeFreqBase: Float
    /// `<arch>.attention.layer_norm_rms_epsilon`.
    public var rmsNormEpsilon: Float
    /// `<arch>.context_length`: the trained context.
    public var contextLength: Int
    public var tokenizer: GGUFTokenizerMetadata

    /// Reads and checks the fields from `file`'s metadata.
    public init(_ file: GGUFFile) throws(GGUFError) {
        let fields = MetadataFields(file: file)
        let name = try fields.string("general.architecture")
        guard let architecture = Architecture(rawValue: name) else {
            throw .unsupportedArchitecture(file: file.path, architecture: name)
        }
        let prefix = architecture.rawValue
        self.architecture = architecture
        blockCount = try fields.positiveInt("\(prefix).block_count")
        embeddingLength = try fields.positiveInt("\(prefix).embedding_length")
        feedForwardLength = try fields.positiveInt("\(prefix).feed_forward_length")
        headCount = try fields.positiveInt("\(prefix).attention.head_count")
        headCountKV = try fields.positiveInt("\(prefix).attention.head_count_kv", default: headCount)
        guard headCount % headCountKV == 0 else {
            throw .invalidValue(file: file.path, key: "\(prefix).attention.head_count_kv",
                                detail: "\(headCountKV) does not divide the \(headCount) attention heads")
        }
        if file["\(prefix).attention.key_length"] != nil {
            headDimension = try fields.positiveInt("\(prefix).attention.key_length")
        } else {
            guard embeddingLength % headCount == 0 else {
                throw .invalidValue(file: file.path, key: "\(prefix).attention.head_count",
                                    detail: "\(headCount) heads do not divide the embedding length \(embeddingLength)")
            }
            headDimension = embeddingLength / headCount
        }
        ropeFreqBase = try fields.positiveFloat("\(prefix).rope.freq_base", default: 10_000)
        rmsNormEpsilon = try fields.positiveFloat("\(prefix).attention.layer_norm_rms_epsilon")
        contextLength = try fields.positiveInt("\(prefix).context_length")
        tokenizer = try GGUFTokenizerMetadata(fields)
    }
}

/// The tokenizer stored in a GGUF file (`tokenizer.ggml.*` and `tokenizer.chat_template`).
public struct GGUFTokenizerMetadata: Sendable, Equatable {
    /// `tokenizer.ggml.model`: always "gpt2" (byte-level BPE) here; others are refused.
    public var model: String
    /// `tokenizer.ggml.pre`: llama.cpp's name for the pre-tokenizer (`smollm`, `qwen2`, `llama-bpe`, ...).
    public var preTokenizer: String?
    /// `tokenizer.ggml.tokens`: the vocabulary, id = index, in byte-level (GPT-2) spelling.
    public var tokens: [String]
    /// `tokenizer.ggml.merges`: "left right" pairs, highest priority first.
    public var merges: [String]
    /// `tokenizer.ggml.token_type`, one per token: 1 normal, 2 unknown, 3 control, 4 user-defined,
    /// 5 unused, 6 byte (llama.cpp's `llama_token_type`). Empty when the file has none.
    public var tokenTypes: [Int]
    public var bosTokenID: Int?
    public var eosTokenID: Int?
    public var paddingTokenID: Int?
    /// `tokenizer.ggml.add_bos_token` / `add_eos_token` when present.
    public var addBOSToken: Bool?
    public var addEOSToken: Bool?
    /// `tokenizer.chat_template`: the Jinja chat template, nil when the file has none.
    public var chatTemplate: String?

    init(_ fields: MetadataFields) throws(GGUFError) {
        model = try fields.string("tokenizer.ggml.model")
        guard model == "gpt2" else { throw .unsupportedTokenizer(file: fields.file.path, model: model) }
        preTokenizer = try fields.optionalString("tokenizer.ggml.pre")
        tokens = try fields.strings("tokenizer.ggml.tokens")
        if tokens.isEmpty { throw .invalidValue(file: fields.file.path, key: "tokenizer.ggml.tokens", detail: "the vocabulary is empty") }
        merges = try fields.strings("tokenizer.ggml.merges")
        if fields.file["tokenizer.ggml.token_type"] != nil {
            tokenTypes = try fields.ints("tokenizer.ggml.token_type")
            guard tokenTypes.count == tokens.count else {
                throw .invalidValue(file: fields.file.path, key: "tokenizer.ggml.token_type",
                                    detail: "\(tokenTypes.count) types for \(tokens.count) tokens")
            }
        } else {
            tokenTypes = []
        }
        bosTokenID = try fields.tokenID("tokenizer.ggml.bos_token_id", vocabularySize: tokens.count)
        eosTokenID = try fields.tokenID("tokenizer.ggml.eos_token_id", vocabularySize: tokens.count)
        paddingTokenID = try fields.tokenID("tokenizer.ggml.padding_token_id", vocabularySize: tokens.count)
        addBOSToken = try fields.optionalBool("tokenizer.ggml.add_bos_token")
        addEOSToken = try fields.optionalBool("tokenizer.ggml.add_eos_token")
        chatTemplate = try fields.optionalString("tokenizer.chat_template")
    }
}

/// Typed lookups of metadata keys whose errors name the file and the key.
struct MetadataFields {
    let file: GGUFFile

    private func value(_ key: String) throws(GGUFError) -> GGUFValue {
        guard let value = file[key] else { throw .missingKey(file: file.path, key: key) }
        return value
    }

    private func wrongType(_ key: String, _ expected: String, _ value: GGUFValue) -> GGUFError {
        .invalidValue(file: file.path, key: key, detail: "expected \(expected), found \(value.typeDescription)")
    }

    func string(_ key: String) throws(GGUFError) -> String {
        let value = try value(key)
        guard let text = value.stringValue else { throw wrongType(key, "a string", value) }
        return text
    }

    func optionalString(_ key: String) throws(GGUFError) -> String? {
        file[key] == nil ? nil : try string(key)
    }

    func optionalBool(_ key: String) throws(GGUFError) -> Bool? {
        guard let value = file[key] else { return nil }
        guard let flag = value.boolValue else { throw wrongType(key, "a bool", value) }
        return flag
    }

    /// An integer of any width, at least 1; `default` when absent (required when nil).
    func positiveInt(_ key: String, default fallback: Int? = nil) throws(GGUFError) -> Int {
        if file[key] == nil, let fallback { return fallback }
        let value = try value(key)
        guard let number = value.intValue else { throw wrongType(key, "an integer", value) }
        guard number > 0 else { throw .invalidValue(file: file.path, key: key, detail: "must be positive, found \(number)") }
        return number
    }

    /// A float32 or float64 (stored exactly as float32), greater than 0; `default` when absent.
    func positiveFloat(_ key: String, default fallback: Float? = nil) throws(GGUFError) -> Float {
        if file[key] == nil, let fallback { return fallback }
        let value = try value(key)
        let number: Float
        switch value {
        case .float32(let single): number = single
        case .float64(let double): number = Float(double)
        default: throw wrongType(key, "a float", value)
        }
        guard number > 0, number.isFinite else { throw .invalidValue(file: file.path, key: key, detail: "must be a positive number, found \(number)") }
        return number
    }

    func strings(_ key: String) throws(GGUFError) -> [String] {
        let value = try value(key)
        guard let array = value.arrayValue, array.elementType == .string else { throw wrongType(key, "an array of string", value) }
        return array.elements.map { $0.stringValue ?? "" }
    }

    func ints(_ key: String) throws(GGUFError) -> [Int] {
        let value = try value(key)
        guard let array = value.arrayValue else { throw wrongType(key, "an array of integers", value) }
        var numbers: [Int] = []
        numbers.reserveCapacity(array.elements.count)
        for element in array.elements {
            guard let number = element.intValue else { throw wrongType(key, "an array of integers", value) }
            numbers.append(number)
        }
        return numbers
    }

    /// A token id: an integer in 0..<vocabularySize, nil when absent.
    func tokenID(_ key: String, vocabularySize: Int) throws(GGUFError) -> Int? {
        guard let value = file[key] else { return nil }
        guard let id = value.intValue else { throw wrongType(key, "an integer", value) }
        guard (0..<vocabularySize).contains(id) else {
            throw .invalidValue(file: file.path, key: key, detail: "token id \(id) is outside the vocabulary of \(vocabularySize) tokens")
        }
        return id
    }
}
