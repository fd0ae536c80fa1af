import Basics
import Foundation
import Testing
@testable import Engine
import TestKit

/// A tiny Qwen2 configuration and deterministic tensors for it.
enum TinyQwen2 {
    static func config(vocabSize: Int, tied: Bool = false) -> HFDecoderConfig {
        HFDecoderConfig(vocabSize: vocabSize, hiddenSize: 16, intermediateSize: 24, numHiddenLayers: 2,
                      numAttentionHeads: 4, numKeyValueHeads: 2, maxPositionEmbeddings: 64,
                      tieWordEmbeddings: tied, bosTokenID: vocabSize - 3, eosTokenID: vocabSize - 1)
    }

    static func tensors(for config: HFDecoderConfig) -> [NamedTensor] {
        var state: UInt64 = 7
        return config.expectedShapes.keys.sorted().map { name in
            let shape = config.expectedShapes[name]!
            let values = (0..<shape.reduce(1, *)).map { _ -> Float in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return Float(Int(state >> 40) % 2001 - 1000) / 1000
            }
            return NamedTensor(name: name, shape: shape, values: values)
        }
    }
}

private let tokenizer: BPETokenizer = try! BPETrainer.train(
    corpus: Array(TokenizerParityCases.trainingCorpus().prefix(300)), vocabularySize: 400)

private func fileBytes(_ url: URL) throws -> Data { try Data(contentsOf: url) }

@Suite struct HFModelDirectoryTests {
    @Test func exportReimportExportIsByteIdentical() throws {
        let directory = TemporaryDirectory()
        let config = TinyQwen2.config(vocabSize: tokenizer.vocabularySize)
        let model = HFModelDirectory(decoder: config, tensors: TinyQwen2.tensors(for: config), tokenizer: tokenizer)
        let first = directory.file("first"), second = directory.file("second")
        try model.write(to: first)
        let read = try HFModelDirectory.read(from: first)
        #expect(read.tensors == model.tensors)
        #expect(try read.decoderConfig() == config)
        #expect(read.tokenizer.map(HFTokenizerJSON.encode) == HFTokenizerJSON.encode(tokenizer))
        try read.write(to: second)
        let names = ["config.json", "generation_config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"]
        #expect(try FileManager.default.contentsOfDirectory(atPath: first.path).sorted() == names)
        for name in names {
            #expect(try fileBytes(first.appendingPathComponent(name)) == fileBytes(second.appendingPathComponent(name)), "\(name) differs")
        }
    }

    @Test func chatTemplateFileTakesPrecedence() throws {
        // transformers 5 writes the template to chat_template.jinja instead of tokenizer_config.json.
        let directory = TemporaryDirectory()
        let config = TinyQwen2.config(vocabSize: tokenizer.vocabularySize)
        try HFModelDirectory(decoder: config, tensors: TinyQwen2.tensors(for: config), tokenizer: tokenizer).write(to: directory.url)
        #expect(try HFModelDirectory.readTokenizer(from: directory.url)?.chatTemplate == ChatTemplate.qwen2)
        try Data("{{ messages }}".utf8).write(to: directory.file("chat_template.jinja"))
        #expect(try HFModelDirectory.readTokenizer(from: directory.url)?.chatTemplate == "{{ messages }}")
    }

    @Test func configJSONHasEveryFieldTransformersReads() throws {
        let document = TinyQwen2.config(vocabSize: 400, tied: true).document
        #expect(document["architectures"] == .array([.string("Qwen2ForCausalLM")]))
        #expect(document["model_type"] == .string("qwen2"))
        #expect(document["torch_dtype"] == .string("float32"))
        #expect(document["hidden_act"] == .string("silu"))
        #expect(document["rms_norm_eps"] == .double(1e-6))
        #expect(document["rope_theta"] == .double(1_000_000))
        #expect(document["tie_word_embeddings"] == .bool(true))
        #expect(document["use_sliding_window"] == .bool(false))
        #expect(document["sliding_window"] == .int(64))
        #expect(document["max_window_layers"] == .int(2))
        #expect(document["attention_dropout"] == .double(0))
        #expect(document["initializer_range"] == .double(0.02))
        #expect(document["use_cache"] == .bool(true))
        #expect(document["bos_token_id"] == .int(397))
        #expect(document["eos_token_id"] == .int(399))
        let text = JSONWriter.canonicalIndented.string(document)
        #expect(text.contains("\"rms_norm_eps\": 1e-06,\n"))
        #expect(text.contains("\"rope_theta\": 1000000.0,\n"))
    }

    @Test func generationConfigStopsAtChatEnd() throws {
        let config = TinyQwen2.config(vocabSize: tokenizer.vocabularySize)
        let document = HFModelDirectory.generationDocument(config: config, tokenizer: tokenizer)
        let end = try #require(tokenizer.id(of: "<|im_end|>")), text = try #require(tokenizer.id(of: "<|endoftext|>"))
        #expect(document["eos_token_id"] == .array([.int(end), .int(text)]))
        #expect(document["pad_token_id"] == .int(text))
        #expect(document["do_sample"] == .bool(false))
    }

    @Test func tiedCheckpointsOmitTheHead() throws {
        let config = TinyQwen2.config(vocabSize: 400, tied: true)
        #expect(config.expectedShapes["lm_head.weight"] == nil)
        let directory = TemporaryDirectory()
        try HFModelDirectory(decoder: config, tensors: TinyQwen2.tensors(for: config), tokenizer: nil).write(to: directory.url)
        let read = try HFModelDirectory.read(from: directory.url)
        #expect(read.tokenizer == nil)
        #expect(!read.tensors.contains { $0.name == "lm_head.weight" })
    }

    @Test func refusesTensorsThatDoNotFitTheConfig() throws {
        let directory = TemporaryDirectory()
        let config = TinyQwen2.config(vocabSize: 400)
        var tensors = TinyQwen2.tensors(for: config)
        let file = directory.file("model.safetensors").path
        let index = try #require(tensors.firstIndex { $0.name == "model.layers.1.self_attn.k_proj.weight" })
        tensors[index] = NamedTensor(name: tensors[index].name, shape: [16, 16], values: [Float](repeating: 0, count: 256))
        #expect(throws: CheckpointError.invalidTensor(file: file, tensor: "model.layers.1.self_attn.k_proj.weight",
                                                      detail: "shape [16, 16], expected [8, 16] from config.json")) {
            try HFModelDirectory(decoder: config, tensors: tensors, tokenizer: nil).write(to: directory.url)
        }
        let missing = TinyQwen2.tensors(for: config).filter { $0.name != "model.norm.weight" }
        #expect(throws: CheckpointError.missingTensors(file: file, names: ["model.norm.weight"])) {
            try HFModelDirectory(decoder: config, tensors: missing, tokenizer: nil).write(to: directory.url)
        }
        let extra = TinyQwen2.tensors(for: config) + [NamedTensor(name: "model.extra", shape: [1], values: [0])]
        #expect(throws: CheckpointError.unexpectedTensors(file: file, names: ["model.extra"])) {
            try HFModelDirectory(decoder: config, tensors: extra, tokenizer: nil).write(to: directory.url)
        }
        // Nothing was written by the failed exports.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path).isEmpty)
    }

    @Test func readsShardedCheckpoints() throws {
        let directory = TemporaryDirectory()
        let config = TinyQwen2.config(vocabSize: 400)
        let tensors = TinyQwen2.tensors(for: config)
        let half = tensors.count / 2
        let shards = [Array(tensors[..<half]), Array(tensors[half...])]
        var weightMap: [String: JSONValue] = [:]
        for (index, shard) in shards.enumerated() {
            let name = "model-0000\(index + 1)-of-00002.safetensors"
            try Safetensors.write(shard, to: directory.file(name))
            for tensor in shard { weightMap[tensor.name] = .string(name) }
        }
        let indexDocument: JSONValue = .object(["metadata": .object(["total_size": .int(0)]), "weight_map": .object(weightMap)])
        try Data(JSONWriter.canonicalIndented.bytes(indexDocument)).write(to: directory.file("model.safetensors.index.json"))
        try Data(JSONWriter.canonicalIndented.bytes(config.document)).write(to: directory.file("config.json"))
        let read = try HFModelDirectory.read(from: directory.url)
        #expect(read.tensors == tensors)

        // A shard name that leaves the directory is refused.
        weightMap["model.norm.weight"] = .string("../elsewhere.safetensors")
        try Data(JSONWriter.canonicalIndented.bytes(.object(["weight_map": .object(weightMap)]))).write(to: directory.file("model.safetensors.index.json"))
        #expect(throws: CheckpointError.invalidField(file: directory.file("model.safetensors.index.json").path,
                                                     field: "weight_map.model.norm.weight", detail: "not a file name in this directory")) {
            try HFModelDirectory.read(from: directory.url)
        }
    }

    @Test func readsTransformers5ConfigLayout() throws {
        // save_pretrained in transformers 5 nests rope_theta and writes nulls for unset fields.
        let text = """
        {"architectures": ["Qwen2ForCausalLM"], "dtype": "float32", "eos_token_id": [7, 8], "hidden_size": 64,
         "intermediate_size": 96, "layer_types": ["full_attention", "full_attention"], "max_position_embeddings": 128,
         "max_window_layers": 28, "model_type": "qwen2", "num_attention_heads": 4, "num_hidden_layers": 2,
         "num_key_value_heads": 2, "pad_token_id": null, "rms_norm_eps": 1e-06,
         "rope_parameters": {"rope_theta": 10000.0, "rope_type": "default"}, "sliding_window": null,
         "tie_word_embeddings": false, "vocab_size": 2000}
        """
        let config = try HFDecoderConfig(document: try JSONParser.parse(text, options: .interchange))
        #expect(config.ropeTheta == 10_000)
        #expect(config.eosTokenID == 7)
        #expect(config.bosTokenID == nil)
        #expect(config.headDim == 16)
        let yarn = text.replacingOccurrences(of: "\"rope_type\": \"default\"", with: "\"rope_type\": \"yarn\"")
        #expect(throws: CheckpointError.self) { try HFDecoderConfig(document: try JSONParser.parse(yarn, options: .interchange)) }
    }

    @Test func missingFilesAreNamed() throws {
        let directory = TemporaryDirectory()
        #expect(throws: CheckpointError.missingFile(directory: directory.url.path, file: "config.json")) {
            try HFModelDirectory.read(from: directory.url)
        }
        try Data("{\"model_type\": \"qwen2\"".utf8).write(to: directory.file("config.json"))
        #expect(throws: CheckpointError.invalidJSON(file: directory.file("config.json").path,
                                                    detail: "line 1, column 23: unexpected end of input in an object")) {
            try HFModelDirectory.read(from: directory.url)
        }
    }
}

@Suite struct HFPEFTAdapterTests {
    static func adapter(rank: Int = 4) -> PEFTAdapterDirectory {
        var tensors: [NamedTensor] = []
        for layer in 0..<2 {
            for (module, input, output) in [("self_attn.q_proj", 16, 16), ("mlp.down_proj", 24, 16)] {
                let name = "model.layers.\(layer).\(module)"
                tensors.append(NamedTensor(name: PEFTAdapterDirectory.tensorName(module: name, matrix: .a), shape: [rank, input],
                                           values: (0..<(rank * input)).map { Float($0) / 100 }))
                tensors.append(NamedTensor(name: PEFTAdapterDirectory.tensorName(module: name, matrix: .b), shape: [output, rank],
                                           values: (0..<(output * rank)).map { -Float($0) / 100 }))
            }
        }
        let config = PEFTAdapterConfig(rank: rank, alpha: 16, targetModules: ["q_proj", "down_proj"], baseModelNameOrPath: "tiny")
        return PEFTAdapterDirectory(config: config, tensors: tensors)
    }

    @Test func roundTripsByteIdentically() throws {
        let directory = TemporaryDirectory()
        let first = directory.file("first"), second = directory.file("second")
        try Self.adapter().write(to: first)
        let read = try PEFTAdapterDirectory.read(from: first)
        #expect(read.config == Self.adapter().config)
        #expect(read.tensors == Self.adapter().tensors.sorted { $0.name < $1.name })
        try read.write(to: second)
        for name in ["adapter_config.json", "adapter_model.safetensors"] {
            #expect(try fileBytes(first.appendingPathComponent(name)) == fileBytes(second.appendingPathComponent(name)), "\(name) differs")
        }
        let document = try JSONParser.parse(bytes: Array(try fileBytes(first.appendingPathComponent("adapter_config.json"))), options: .interchange)
        #expect(document["peft_type"] == .string("LORA"))
        #expect(document["r"] == .int(4))
        #expect(document["lora_alpha"] == .int(16))
        #expect(document["lora_dropout"] == .double(0))
        #expect(document["target_modules"] == .array([.string("down_proj"), .string("q_proj")]))
        #expect(document["task_type"] == .string("CAUSAL_LM"))
        #expect(document["bias"] == .string("none"))
        #expect(document["fan_in_fan_out"] == .bool(false))
        #expect(document["inference_mode"] == .bool(true))
        #expect(Self.adapter().config.scaling == 4)
    }

    @Test func validatesNamesShapesAndPairs() throws {
        let directory = TemporaryDirectory()
        let file = directory.file("adapter_model.safetensors").path
        var wrongRank = Self.adapter()
        wrongRank.config.rank = 8
        #expect(throws: CheckpointError.invalidTensor(file: file, tensor: "base_model.model.model.layers.0.mlp.down_proj.lora_A.weight",
                                                      detail: "shape [4, 24], expected [r=8, in]")) {
            try wrongRank.write(to: directory.url)
        }
        var untargeted = Self.adapter()
        untargeted.config.targetModules = ["q_proj"]
        #expect(throws: CheckpointError.self) { try untargeted.write(to: directory.url) }
        var unpaired = Self.adapter()
        unpaired.tensors.removeAll { $0.name == "base_model.model.model.layers.1.self_attn.q_proj.lora_B.weight" }
        #expect(throws: CheckpointError.missingTensors(file: file, names: ["base_model.model.model.layers.1.self_attn.q_proj.lora_B.weight"])) {
            try unpaired.write(to: directory.url)
        }
        var misnamed = Self.adapter()
        misnamed.tensors.append(NamedTensor(name: "model.layers.0.self_attn.q_proj.weight", shape: [1], values: [0]))
        #expect(throws: CheckpointError.self) { try misnamed.write(to: directory.url) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path).isEmpty)
    }

    @Test func refusesUnsupportedAdapterSettings() throws {
        guard var document = Self.adapter().config.document.objectValue else { return }
        document["use_dora"] = .bool(true)
        #expect(throws: CheckpointError.invalidField(file: "adapter_config.json", field: "use_dora", detail: "true is not supported")) {
            try PEFTAdapterConfig(document: .object(document))
        }
        document["use_dora"] = .bool(false)
        document["peft_type"] = .string("IA3")
        #expect(throws: CheckpointError.invalidField(file: "adapter_config.json", field: "peft_type", detail: "expected \"LORA\"")) {
            try PEFTAdapterConfig(document: .object(document))
        }
    }
}

/// Interoperability with files written by transformers and PEFT themselves. With
/// IOPO_PARITY_HF_IN set to a directory made by `model_parity.py make-reference`, reads its
/// model/ and adapter/ and writes them through the engine to IOPO_PARITY_HF_OUT (model/,
/// adapter/), which `model_parity.py check` then loads back into transformers and PEFT.
@Suite struct HFInteroperabilityTests {
    static let input = ProcessInfo.processInfo.environment["IOPO_PARITY_HF_IN"]
    static let output = ProcessInfo.processInfo.environment["IOPO_PARITY_HF_OUT"]

    @Test(.enabled(if: input != nil && output != nil))
    func reexportsHuggingFaceFiles() throws {
        let source = URL(fileURLWithPath: Self.input!), destination = URL(fileURLWithPath: Self.output!)
        let model = try HFModelDirectory.read(from: source.appendingPathComponent("model"))
        let config = try model.decoderConfig()
        let tokenizer = try #require(model.tokenizer)
        // Re-export through the engine's own config type, as the engine does after training.
        try HFModelDirectory(decoder: config, tensors: model.tensors, tokenizer: tokenizer)
            .write(to: destination.appendingPathComponent("model"))
        let adapter = try PEFTAdapterDirectory.read(from: source.appendingPathComponent("adapter"))
        try adapter.write(to: destination.appendingPathComponent("adapter"))
        print("re-exported \(model.tensors.count) model tensors and \(adapter.tensors.count) adapter tensors to \(destination.path)")
    }
}
