// The model behind the server: network, tokenizer, the name clients ask for, the tokens that end
// a turn, and where it came from. Loaded from a Hugging Face directory as the engine exports it
// (config.json, model.safetensors, tokenizer.json, generation_config.json), optionally with a PEFT
// LoRA adapter on top. The adapter stays unmerged, so served outputs use the same arithmetic as
// the adapter's training forward.

import Basics
import Engine
import Foundation

/// A model ready to be served.
public struct ServedModel: Sendable {
    /// The name clients pass as `model` (vLLM's --served-model-name).
    public let name: String
    public let model: DecoderModel
    public let tokenizer: BPETokenizer
    /// Tokens that end generation: the model's eos ids and `<|im_end|>` / `<|endoftext|>`.
    public let stopTokenIds: [Int32]
    /// What /v1/models reports as `root`: the directory the model was loaded from.
    public let root: String
    /// Unix time the model was loaded, reported as `created` by /v1/models.
    public let created: Int

    public init(name: String, model: DecoderModel, tokenizer: BPETokenizer, stopTokenIds: [Int32], root: String,
                created: Int = Int(Date().timeIntervalSince1970)) {
        self.name = name
        self.model = model
        self.tokenizer = tokenizer
        self.stopTokenIds = stopTokenIds
        self.root = root
        self.created = created
    }

    /// Longest prompt plus completion, in tokens (vLLM's max_model_len).
    public var contextLength: Int { model.config.maxPositionEmbeddings }

    /// Loads a Hugging Face model directory, and a PEFT adapter directory on top when given.
    /// `name` defaults to the directory path as given, as vLLM names a model by its path.
    public static func load(directory: URL, adapter: URL? = nil, name: String? = nil) throws(ServeError) -> ServedModel {
        let path = directory.path
        let hf: HFModelDirectory
        let hfConfig: HFDecoderConfig
        do throws(CheckpointError) {
            hf = try HFModelDirectory.read(from: directory)
            hfConfig = try hf.decoderConfig()
        } catch {
            throw .modelDirectory(path: path, detail: error.description)
        }
        guard let tokenizer = hf.tokenizer else { throw .missingTokenizer(path: path) }
        let config = DecoderConfig(huggingFace: hfConfig)
        if tokenizer.vocabularySize > config.vocabSize {
            throw .vocabularyMismatch(path: path, tokenizerSize: tokenizer.vocabularySize, modelSize: config.vocabSize)
        }
        let model: DecoderModel
        do throws(ModelError) {
            model = try DecoderModel(config: config, tensors: hf.tensors)
        } catch {
            throw .modelDirectory(path: path, detail: error.description)
        }
        if let adapter { try attach(adapter: adapter, to: model) }
        return ServedModel(name: name ?? path, model: model, tokenizer: tokenizer,
                           stopTokenIds: stopTokens(generationConfig: hf.generationConfig, config: hfConfig, tokenizer: tokenizer),
                           root: path)
    }

    /// generation_config.json's eos ids (one id or a list), config.json's eos id, and the Qwen
    /// end-of-turn tokens the tokenizer has; sorted, without repeats.
    static func stopTokens(generationConfig: JSONValue?, config: HFDecoderConfig, tokenizer: BPETokenizer) -> [Int32] {
        var ids = Set<Int>()
        if let eos = generationConfig?["eos_token_id"] {
            if let id = eos.wholeNumberValue { ids.insert(id) }
            for element in eos.arrayValue ?? [] { if let id = element.wholeNumberValue { ids.insert(id) } }
        }
        if let id = config.eosTokenID { ids.insert(id) }
        for content in ["<|im_end|>", "<|endoftext|>"] {
            if let id = tokenizer.id(of: content) { ids.insert(id) }
        }
        return ids.filter { $0 >= 0 && $0 < config.vocabSize }.sorted().map { Int32($0) }
    }

    private static func attach(adapter: URL, to model: DecoderModel) throws(ServeError) {
        let peft: PEFTAdapterDirectory
        do throws(CheckpointError) {
            peft = try PEFTAdapterDirectory.read(from: adapter)
        } catch {
            throw .adapter(path: adapter.path, detail: error.description)
        }
        var targets: [LoRATarget] = []
        for name in peft.config.targetModules {
            guard let target = LoRATarget(rawValue: name) else {
                throw .adapter(path: adapter.path, detail: "target module \(name) is not a Qwen2 linear layer")
            }
            targets.append(target)
        }
        let config = LoRAConfig(rank: peft.config.rank, alpha: Float(peft.config.alpha), targetModules: targets)
        do throws(LoRAError) {
            try model.loadLoRA(config, tensors: peft.tensors)
        } catch {
            throw .adapter(path: adapter.path, detail: error.description)
        }
    }
}
