// A GGUF file as a whole model: a decoder written out the way llama.cpp's converter writes it
// (llama.cpp names, ggml dimension order, llama's q/k rows permuted) is read back by
// `ModelBundle.load(gguf:)` into exactly the same weights, configuration and tokenizer; metadata
// the engine cannot run is refused naming the file and the key.

import Foundation
import Testing
@testable import Engine

@Suite struct GGUFModelImportTests {
    /// The decoder the metadata of `GGUFModelMetadataTests.llamaWriter` describes (tied, no bias).
    static let config = DecoderConfig(hiddenSize: 64, numHiddenLayers: 2, numAttentionHeads: 4, numKeyValueHeads: 2,
                                      intermediateSize: 160, vocabSize: 6, maxPositionEmbeddings: 8192, rmsNormEps: 1e-5,
                                      ropeTheta: 100_000, tieWordEmbeddings: true, attentionBias: false)

    /// `model` as llama.cpp writes a llama GGUF file, with the test metadata.
    static func gguf(of model: DecoderModel, metadata writer: GGUFTestWriter = GGUFModelMetadataTests.llamaWriter()) throws -> [UInt8] {
        var writer = writer
        for tensor in model.namedTensors() {
            let name = try #require(GGUFTensorNames.ggufName(for: tensor.name), "\(tensor.name) has no llama.cpp name")
            var values = tensor.values
            let heads = name.hasSuffix("attn_q.weight") ? model.config.numAttentionHeads
                : name.hasSuffix("attn_k.weight") ? model.config.numKeyValueHeads : nil
            if let heads {
                values = try #require(LlamaQKPermutation.apply(values, rows: tensor.shape[0], columns: tensor.shape[1], heads: heads))
            }
            writer.addTensor(name, dimensions: tensor.shape.reversed(), type: .f32, data: GGUFTestWriter.floats(values))
        }
        return writer.bytes()
    }

    static func load(_ bytes: [UInt8]) throws -> ModelBundle {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("iopo-gguf-import-\(UUID().uuidString).gguf")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data(bytes).write(to: url)
        return try ModelBundle.load(gguf: url)
    }

    @Test func aLlamaFileReadsBackAsTheSameModelAndTokenizer() throws {
        let model = try DecoderModel(config: Self.config, seed: 3, initializerRange: 0.2)
        let bundle = try Self.load(try Self.gguf(of: model))
        #expect(bundle.model.config == Self.config)
        let original = Dictionary(uniqueKeysWithValues: model.namedTensors().map { ($0.name, $0) })
        for tensor in bundle.model.namedTensors() {
            let expected = try #require(original[tensor.name], "unexpected tensor \(tensor.name)")
            #expect(tensor.shape == expected.shape && tensor.values == expected.values, "\(tensor.name) differs")
        }
        #expect(bundle.model.namedTensors().count == original.count)

        // The tokenizer: control tokens special and matched verbatim, the BPE merges applied, the
        // file's BOS/EOS and chat template kept.
        let tokenizer = bundle.tokenizer
        #expect(tokenizer.encode("ab<|im_end|>") == [5, 2])
        #expect(tokenizer.isSpecial(1) && !tokenizer.isSpecial(3))
        #expect(tokenizer.bosToken == "<|im_start|>" && tokenizer.eosToken == "<|im_end|>")
        #expect(tokenizer.preTokenizer == .gpt2(isolatingDigits: true))
        #expect(try tokenizer.renderChat([ChatMessage(role: "user", content: "ab")], addGenerationPrompt: true) == "ab")

        // Exported, config.json carries the file's own special ids, not the engine's convention.
        let hf = HFDecoderConfig(engine: bundle.model.config, tokenizer: tokenizer)
        #expect(hf.bosTokenID == tokenizer.id(of: "<|im_start|>") && hf.eosTokenID == tokenizer.id(of: "<|im_end|>"))
        #expect(hf.architecture == .llama)
    }

    @Test func metadataTheEngineCannotRunIsRefusedNamingTheKey() throws {
        let model = try DecoderModel(config: Self.config, seed: 3, initializerRange: 0.2)
        let falcon = GGUFModelMetadataTests.replacing("tokenizer.ggml.pre", with: .string("falcon"))
        #expect(throws: TokenizerError.unsupported(file: "", field: "tokenizer.ggml.pre", detail: "\"falcon\"; supported: qwen2, llama-bpe, smollm, gpt2")) {
            do { _ = try Self.load(try Self.gguf(of: model, metadata: falcon)) } catch let error as TokenizerError {
                // The path is a temporary file; compare the rest.
                if case .unsupported(_, let field, let detail) = error { throw TokenizerError.unsupported(file: "", field: field, detail: detail) }
                throw error
            }
        }
        var wideHeads = GGUFModelMetadataTests.llamaWriter()
        wideHeads.add("llama.attention.key_length", .uint32(32))
        do {
            _ = try Self.load(try Self.gguf(of: model, metadata: wideHeads))
            Issue.record("a head dimension other than hidden/heads was accepted")
        } catch let error as GGUFError {
            #expect("\(error)".contains("llama.attention.key_length"), "\(error)")
        }
    }
}
