import Foundation

extension DecoderConfig {
    /// The compute configuration of a Hugging Face Llama/Qwen2 config.
    public init(huggingFace hf: HFDecoderConfig) {
        self.init(hiddenSize: hf.hiddenSize, numHiddenLayers: hf.numHiddenLayers, numAttentionHeads: hf.numAttentionHeads,
                  numKeyValueHeads: hf.numKeyValueHeads, intermediateSize: hf.intermediateSize, vocabSize: hf.vocabSize,
                  maxPositionEmbeddings: hf.maxPositionEmbeddings, rmsNormEps: Float(hf.rmsNormEps),
                  ropeTheta: Float(hf.ropeTheta), tieWordEmbeddings: hf.tieWordEmbeddings, attentionBias: hf.attentionBias)
    }
}

extension HFDecoderConfig {
    /// The Hugging Face config.json fields of an engine config, with the tokenizer's special ids:
    /// its own BOS/EOS tokens where it names them (a GGUF file's `tokenizer.ggml.bos/eos_token_id`,
    /// `tokenizer_config.json`'s tokens), else the engine's ChatML convention.
    public init(engine config: DecoderConfig, tokenizer: BPETokenizer?) {
        self.init(vocabSize: config.vocabSize, hiddenSize: config.hiddenSize, intermediateSize: config.intermediateSize,
                  numHiddenLayers: config.numHiddenLayers, numAttentionHeads: config.numAttentionHeads,
                  numKeyValueHeads: config.numKeyValueHeads, maxPositionEmbeddings: config.maxPositionEmbeddings,
                  ropeTheta: Double(config.ropeTheta), rmsNormEps: Double(config.rmsNormEps),
                  tieWordEmbeddings: config.tieWordEmbeddings,
                  bosTokenID: tokenizer.flatMap { $0.id(of: $0.bosToken ?? "<|endoftext|>") },
                  eosTokenID: tokenizer.flatMap { $0.id(of: $0.eosToken ?? "<|im_end|>") },
                  architecture: config.attentionBias ? .qwen2 : .llama)
    }
}

/// A model with its tokenizer: what the CLI, the trainer and the server load and save, as a
/// Hugging Face directory (config.json, model.safetensors, tokenizer files, generation config).
public struct ModelBundle {
    public var model: DecoderModel
    public var tokenizer: BPETokenizer

    public init(model: DecoderModel, tokenizer: BPETokenizer) {
        self.model = model
        self.tokenizer = tokenizer
    }

    public enum BundleError: Error, CustomStringConvertible, Sendable {
        case missingTokenizer(String)
        case vocabularyMismatch(model: Int, tokenizer: Int, directory: String)
        case engine(String)

        public var description: String {
            switch self {
            case .missingTokenizer(let dir): return "\(dir) has no tokenizer.json; iopo-exp needs the tokenizer with the weights"
            case .vocabularyMismatch(let model, let tokenizer, let dir):
                return "\(dir): the tokenizer has \(tokenizer) tokens but config.json's vocab_size is \(model)"
            case .engine(let message): return message
            }
        }
    }

    /// Loads a Hugging Face Qwen2 directory, and a PEFT adapter on top when given.
    public static func load(directory: URL, adapter: URL? = nil) throws -> ModelBundle {
        let hf = try HFModelDirectory.read(from: directory)
        guard let tokenizer = hf.tokenizer else { throw BundleError.missingTokenizer(directory.path) }
        let config = DecoderConfig(huggingFace: try hf.decoderConfig())
        guard tokenizer.vocabularySize <= config.vocabSize else {
            throw BundleError.vocabularyMismatch(model: config.vocabSize, tokenizer: tokenizer.vocabularySize, directory: directory.path)
        }
        let model = try DecoderModel(config: config, tensors: hf.tensors)
        let bundle = ModelBundle(model: model, tokenizer: tokenizer)
        if let adapter { try bundle.attach(adapter: adapter) }
        return bundle
    }

    /// Attaches the PEFT LoRA adapter in `adapter` to the model (unmerged).
    public func attach(adapter: URL) throws {
        let peft = try PEFTAdapterDirectory.read(from: adapter)
        let targets = try peft.config.targetModules.map { name -> LoRATarget in
            guard let target = LoRATarget(rawValue: name) else { throw BundleError.engine("\(adapter.path): unknown LoRA target module \(name)") }
            return target
        }
        try model.loadLoRA(LoRAConfig(rank: peft.config.rank, alpha: Float(peft.config.alpha), targetModules: targets), tensors: peft.tensors)
    }

    /// Writes the model as a Hugging Face directory. Adapters, if attached, are merged into a
    /// copy first (the bundle's own model keeps them).
    public func export(to directory: URL) throws {
        var exported = model
        if model.loraConfig != nil {
            exported = model.copy()
            try exported.mergeLoRA()
        }
        let hf = HFModelDirectory(decoder: HFDecoderConfig(engine: model.config, tokenizer: tokenizer), tensors: exported.namedTensors(), tokenizer: tokenizer)
        try hf.write(to: directory)
    }

    /// Writes the attached LoRA adapter as a PEFT directory.
    public func exportAdapter(to directory: URL, baseModel: String) throws {
        guard let lora = model.loraConfig else { throw BundleError.engine("the model has no LoRA adapter to export") }
        let config = PEFTAdapterConfig(rank: lora.rank, alpha: Double(lora.alpha), targetModules: lora.targetModules.map(\.rawValue).sorted(),
                                       baseModelNameOrPath: baseModel)
        try PEFTAdapterDirectory(config: config, tensors: try model.loraTensors()).write(to: directory)
    }
}
