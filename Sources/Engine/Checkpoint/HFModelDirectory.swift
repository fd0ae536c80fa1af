// A Hugging Face model directory, the form in which a trained model leaves the engine for
// `transformers`, vLLM or LLaMA-Factory, and in which their models come in:
//
//   config.json              Qwen2ForCausalLM configuration
//   generation_config.json   token ids for generation
//   model.safetensors        float32 weights (sharded checkpoints with
//                            model.safetensors.index.json are read too)
//   tokenizer.json           the tokenizer in `tokenizers`' format
//   tokenizer_config.json    tokenizer class, special-token roles, chat template
//
// Every file is canonical (sorted keys, fixed layout, sorted tensors), so the same model always
// exports to the same bytes, and reading an export and writing it again reproduces it exactly.

import Basics
import Foundation

/// The contents of a Hugging Face model directory.
public struct HFModelDirectory: Sendable {
    /// config.json as a document; `HFDecoderConfig(document:)` reads its fields.
    public var config: JSONValue
    public var tensors: [NamedTensor]
    public var tokenizer: BPETokenizer?
    public var generationConfig: JSONValue?

    public init(config: JSONValue, tensors: [NamedTensor], tokenizer: BPETokenizer?, generationConfig: JSONValue? = nil) {
        self.config = config
        self.tensors = tensors
        self.tokenizer = tokenizer
        self.generationConfig = generationConfig
    }

    /// A directory whose config.json is given as JSON text (a caller's own serialisation); it
    /// is parsed here and written back canonically.
    public init(configJSON: [UInt8], tensors: [NamedTensor], tokenizer: BPETokenizer?,
                generationConfig: JSONValue? = nil) throws(CheckpointError) {
        let config: JSONValue
        do throws(JSONSyntaxError) { config = try JSONParser.parse(bytes: configJSON, options: .interchange) } catch {
            throw .invalidJSON(file: "config.json", detail: error.description)
        }
        guard case .object = config else { throw .invalidField(file: "config.json", field: "$", detail: "expected an object") }
        self.init(config: config, tensors: tensors, tokenizer: tokenizer, generationConfig: generationConfig)
    }

    /// A Llama or Qwen2 directory: config.json from `config`, and generation_config.json with the chat
    /// stop tokens when the tokenizer has them.
    public init(decoder config: HFDecoderConfig, tensors: [NamedTensor], tokenizer: BPETokenizer?) {
        self.init(config: config.document, tensors: tensors, tokenizer: tokenizer,
                  generationConfig: HFModelDirectory.generationDocument(config: config, tokenizer: tokenizer))
    }

    /// generation_config.json for greedy decoding that stops at `<|im_end|>` or
    /// `<|endoftext|>` (the ids come from the tokenizer when it has those tokens).
    public static func generationDocument(config: HFDecoderConfig, tokenizer: BPETokenizer?) -> JSONValue {
        var eos: [JSONValue] = []
        for content in ["<|im_end|>", "<|endoftext|>"] {
            if let id = tokenizer?.id(of: content) { eos.append(.int(id)) }
        }
        if eos.isEmpty, let id = config.eosTokenID { eos.append(.int(id)) }
        var document: [String: JSONValue] = [
            "do_sample": .bool(false),
            "eos_token_id": eos.count == 1 ? eos[0] : .array(eos),
        ]
        if let id = config.bosTokenID { document["bos_token_id"] = .int(id) }
        if let pad = tokenizer?.id(of: "<|endoftext|>") { document["pad_token_id"] = .int(pad) }
        return .object(document)
    }

    /// Whether config.json names an architecture of the family (then it is checked against the tensors).
    static func isDecoder(_ config: JSONValue) -> Bool {
        guard let type = config["model_type"]?.stringValue else { return false }
        return DecoderArchitecture(rawValue: type) != nil
    }

    /// The parsed Llama/Qwen2 fields of `config`.
    public func decoderConfig() throws(CheckpointError) -> HFDecoderConfig {
        try HFDecoderConfig(document: config)
    }

    /// The canonical bytes of config.json.
    public var configBytes: [UInt8] { (try? JSONWriter.canonicalIndented.checkedBytes(config)) ?? [] }

    // MARK: Writing

    /// Writes the directory (created if needed). A Qwen2 config is checked against the tensors
    /// first, so a directory that `from_pretrained` would reject is never written.
    public func write(to directory: URL) throws(CheckpointError) {
        if HFModelDirectory.isDecoder(config) {
            try decoderConfig().validate(tensors, file: directory.appendingPathComponent("model.safetensors").path)
        }
        try CheckpointFiles.createDirectory(directory)
        try CheckpointFiles.writeJSON(config, to: directory.appendingPathComponent("config.json"))
        if let generationConfig {
            try CheckpointFiles.writeJSON(generationConfig, to: directory.appendingPathComponent("generation_config.json"))
        }
        do throws(SafetensorsError) {
            try Safetensors.write(tensors, to: directory.appendingPathComponent("model.safetensors"))
        } catch { throw .safetensors(error) }
        if let tokenizer {
            do throws(TokenizerError) {
                try HFTokenizerJSON.write(tokenizer, to: directory.appendingPathComponent("tokenizer.json"))
            } catch { throw .tokenizer(error) }
            try CheckpointFiles.writeJSON(HFTokenizerConfig.document(for: tokenizer),
                                          to: directory.appendingPathComponent("tokenizer_config.json"))
        }
    }

    // MARK: Reading

    /// Reads a directory written by `write(to:)` or by `save_pretrained`. The tokenizer is read
    /// when tokenizer.json is present, with the chat template and maximum length of
    /// tokenizer_config.json. A Qwen2 config is checked against the tensors.
    public static func read(from directory: URL) throws(CheckpointError) -> HFModelDirectory {
        let config = try CheckpointFiles.readJSON(directory.appendingPathComponent("config.json"), directory: directory)
        let generationURL = directory.appendingPathComponent("generation_config.json")
        let generation = CheckpointFiles.exists(generationURL) ? try CheckpointFiles.readJSON(generationURL, directory: directory) : nil
        let tensors = try readWeights(from: directory)
        if HFModelDirectory.isDecoder(config) {
            try HFDecoderConfig(document: config, file: directory.appendingPathComponent("config.json").path)
                .validate(tensors, file: directory.appendingPathComponent("model.safetensors").path)
        }
        let tokenizer = try readTokenizer(from: directory)
        return HFModelDirectory(config: config, tensors: tensors, tokenizer: tokenizer, generationConfig: generation)
    }

    /// The tokenizer of a directory, nil when it has no tokenizer.json. The chat template and
    /// maximum length come from tokenizer_config.json, or chat_template.jinja when present.
    public static func readTokenizer(from directory: URL) throws(CheckpointError) -> BPETokenizer? {
        let tokenizerURL = directory.appendingPathComponent("tokenizer.json")
        guard CheckpointFiles.exists(tokenizerURL) else { return nil }
        do throws(TokenizerError) {
            var tokenizer = try HFTokenizerJSON.read(from: tokenizerURL)
            let configURL = directory.appendingPathComponent("tokenizer_config.json")
            if CheckpointFiles.exists(configURL) {
                let bytes: [UInt8]
                do throws(FileSystemError) { bytes = try MappedFile.contents(of: configURL.path) } catch { throw .io(file: configURL.path, detail: error.detail) }
                let settings = try HFTokenizerConfig.settings(from: bytes, file: configURL.path)
                if let template = settings.chatTemplate { tokenizer.chatTemplate = template }
                if let length = settings.modelMaxLength { tokenizer.modelMaxLength = length }
                tokenizer.bosToken = settings.bosToken
                tokenizer.eosToken = settings.eosToken
            }
            // transformers 5 saves the template beside the config, and prefers that file.
            let templateURL = directory.appendingPathComponent("chat_template.jinja")
            if CheckpointFiles.exists(templateURL) {
                do throws(FileSystemError) {
                    tokenizer.chatTemplate = String(decoding: try MappedFile.contents(of: templateURL.path), as: UTF8.self)
                } catch { throw .io(file: templateURL.path, detail: error.detail) }
            }
            return tokenizer
        } catch { throw .tokenizer(error) }
    }

    /// The weights of a directory: model.safetensors, or the shards listed in
    /// model.safetensors.index.json. Sorted by name.
    public static func readWeights(from directory: URL) throws(CheckpointError) -> [NamedTensor] {
        let single = directory.appendingPathComponent("model.safetensors")
        if CheckpointFiles.exists(single) {
            do throws(SafetensorsError) { return try Safetensors.read(single) } catch { throw .safetensors(error) }
        }
        let indexURL = directory.appendingPathComponent("model.safetensors.index.json")
        guard CheckpointFiles.exists(indexURL) else { throw .missingFile(directory: directory.path, file: "model.safetensors") }
        let index = try CheckpointFiles.readJSON(indexURL, directory: directory)
        guard let weightMap = index["weight_map"]?.objectValue else {
            throw .invalidField(file: indexURL.path, field: "weight_map", detail: "missing or not an object")
        }
        var namesByShard: [String: [String]] = [:]
        for (name, value) in weightMap {
            guard let shard = value.stringValue, !shard.isEmpty, !shard.contains("/"), shard != "..", shard != "." else {
                throw .invalidField(file: indexURL.path, field: "weight_map.\(name)", detail: "not a file name in this directory")
            }
            namesByShard[shard, default: []].append(name)
        }
        var tensors: [NamedTensor] = []
        for shard in namesByShard.keys.sorted() {
            let wanted = Set(namesByShard[shard]!)
            let shardURL = directory.appendingPathComponent(shard)
            guard CheckpointFiles.exists(shardURL) else { throw .missingFile(directory: directory.path, file: shard) }
            do throws(SafetensorsError) {
                let contents = try Safetensors.read(shardURL, required: Array(wanted).sorted())
                tensors.append(contentsOf: contents.filter { wanted.contains($0.name) })
            } catch { throw .safetensors(error) }
        }
        return tensors.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
    }
}

/// File helpers shared by the directory formats.
enum CheckpointFiles {
    static func exists(_ url: URL) -> Bool {
        FileManager.default.fileExists(atPath: url.path)
    }

    static func createDirectory(_ url: URL) throws(CheckpointError) {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw .io(file: url.path, detail: "cannot create directory: \(error.localizedDescription)")
        }
    }

    /// Writes `document` as canonical pretty JSON, atomically.
    static func writeJSON(_ document: JSONValue, to url: URL) throws(CheckpointError) {
        let bytes: [UInt8]
        do throws(JSONNonFiniteNumberError) { bytes = try JSONWriter.canonicalIndented.checkedBytes(document) } catch {
            throw .invalidField(file: url.path, field: error.path, detail: error.description)
        }
        do throws(FileSystemError) { try AtomicFile.write(bytes, to: url.path) } catch {
            throw .io(file: url.path, detail: error.detail)
        }
    }

    static func readJSON(_ url: URL, directory: URL) throws(CheckpointError) -> JSONValue {
        guard exists(url) else { throw .missingFile(directory: directory.path, file: url.lastPathComponent) }
        let bytes: [UInt8]
        do throws(FileSystemError) { bytes = try MappedFile.contents(of: url.path) } catch { throw .io(file: url.path, detail: error.detail) }
        do throws(JSONSyntaxError) { return try JSONParser.parse(bytes: bytes, options: .interchange) } catch {
            throw .invalidJSON(file: url.path, detail: error.description)
        }
    }
}
