import Foundation
import Testing
@testable import Engine
import TestKit

@Suite struct GGUFTensorNamesTests {
    @Test func mapsEveryFamilyTensorBothWays() {
        let pairs = [
            ("token_embd.weight", "model.embed_tokens.weight"),
            ("output_norm.weight", "model.norm.weight"),
            ("output.weight", "lm_head.weight"),
            ("blk.0.attn_norm.weight", "model.layers.0.input_layernorm.weight"),
            ("blk.12.attn_q.weight", "model.layers.12.self_attn.q_proj.weight"),
            ("blk.12.attn_q.bias", "model.layers.12.self_attn.q_proj.bias"),
            ("blk.3.attn_k.weight", "model.layers.3.self_attn.k_proj.weight"),
            ("blk.3.attn_k.bias", "model.layers.3.self_attn.k_proj.bias"),
            ("blk.3.attn_v.weight", "model.layers.3.self_attn.v_proj.weight"),
            ("blk.3.attn_v.bias", "model.layers.3.self_attn.v_proj.bias"),
            ("blk.29.attn_output.weight", "model.layers.29.self_attn.o_proj.weight"),
            ("blk.29.ffn_norm.weight", "model.layers.29.post_attention_layernorm.weight"),
            ("blk.1.ffn_gate.weight", "model.layers.1.mlp.gate_proj.weight"),
            ("blk.1.ffn_up.weight", "model.layers.1.mlp.up_proj.weight"),
            ("blk.1.ffn_down.weight", "model.layers.1.mlp.down_proj.weight"),
        ]
        for (gguf, huggingFace) in pairs {
            #expect(GGUFTensorNames.huggingFaceName(for: gguf) == huggingFace)
            #expect(GGUFTensorNames.ggufName(for: huggingFace) == gguf)
        }
    }

    @Test func refusesNamesOutsideTheMap() {
        for name in ["rope_freqs.weight", "blk.x.attn_q.weight", "blk..attn_q.weight", "blk.01.attn_q.weight",
                     "blk.1.attn_qkv.weight", "blk.1", "blk.-1.attn_q.weight", "token_embd.bias"] {
            #expect(GGUFTensorNames.huggingFaceName(for: name) == nil, "\(name)")
        }
        #expect(GGUFTensorNames.ggufName(for: "model.layers.0.self_attn.rotary_emb.inv_freq") == nil)
    }

    @Test func aMissingOutputMeansTiedEmbeddings() throws {
        var writer = GGUFTestWriter()
        writer.addTensor("token_embd.weight", dimensions: [2], type: .f32, data: GGUFTestWriter.floats([1, 2]))
        #expect(GGUFTensorNames.hasTiedEmbeddings(try GGUFFile.parse(writer.bytes())))
        writer.addTensor("output.weight", dimensions: [2], type: .f32, data: GGUFTestWriter.floats([1, 2]))
        #expect(!GGUFTensorNames.hasTiedEmbeddings(try GGUFFile.parse(writer.bytes())))
    }
}

@Suite struct LlamaQKPermutationTests {
    @Test func interleavesTheHalvesOfEachHeadAsLlamaCppDoes() throws {
        // Two heads of dimension 4, one column: convert_hf_to_gguf's
        // reshape(2, 2, 2, 1).swapaxes(1, 2) turns rows 0...7 into 0 2 1 3 | 4 6 5 7.
        let rows: [Float] = [0, 1, 2, 3, 4, 5, 6, 7]
        #expect(LlamaQKPermutation.apply(rows, rows: 8, columns: 1, heads: 2) == [0, 2, 1, 3, 4, 6, 5, 7])
        #expect(LlamaQKPermutation.undo([0, 2, 1, 3, 4, 6, 5, 7], rows: 8, columns: 1, heads: 2) == rows)
        // One head of dimension 8 with two columns: rows 0 4 1 5 2 6 3 7.
        let matrix = (0..<16).map(Float.init)
        let stored = try #require(LlamaQKPermutation.apply(matrix, rows: 8, columns: 2, heads: 1))
        #expect(stored == [0, 1, 8, 9, 2, 3, 10, 11, 4, 5, 12, 13, 6, 7, 14, 15])
    }

    @Test func undoInvertsApplyForAnyShape() throws {
        for (rows, columns, heads) in [(12, 5, 3), (64, 3, 4), (12, 1, 3)] {
            let values = (0..<(rows * columns)).map { Float($0) * 0.5 - 3 }
            let stored = try #require(LlamaQKPermutation.apply(values, rows: rows, columns: columns, heads: heads))
            #expect(stored != values)
            #expect(LlamaQKPermutation.undo(stored, rows: rows, columns: columns, heads: heads) == values)
        }
    }

    @Test func refusesRowsThatAreNotHeadsOfAnEvenDimension() {
        #expect(LlamaQKPermutation.undo([Float](repeating: 0, count: 6), rows: 6, columns: 1, heads: 2) == nil)  // head dim 3
        #expect(LlamaQKPermutation.undo([Float](repeating: 0, count: 8), rows: 8, columns: 1, heads: 0) == nil)
        #expect(LlamaQKPermutation.undo([Float](repeating: 0, count: 7), rows: 8, columns: 1, heads: 2) == nil)
    }

    /// A llama file's q and k come back in Hugging Face's row order (q with the attention heads,
    /// k with the key/value heads); qwen2's are stored unpermuted and left alone.
    @Test func huggingFaceTensorsUndoThePermutationForLlamaOnly() throws {
        let directory = TemporaryDirectory()
        // embedding 64, 4 heads of 16, 2 kv heads: q is [64, 64], k is [32, 64].
        let q = (0..<(64 * 64)).map { Float($0 % 97) - 48 }
        let k = (0..<(32 * 64)).map { Float($0 % 89) * 0.25 }
        let v = (0..<(32 * 64)).map { Float($0 % 13) }
        for architecture in ["llama", "qwen2"] {
            var writer = GGUFModelMetadataTests.llamaWriter(architecture: architecture)
            let permute = architecture == "llama"
            let storedQ = permute ? try #require(LlamaQKPermutation.apply(q, rows: 64, columns: 64, heads: 4)) : q
            let storedK = permute ? try #require(LlamaQKPermutation.apply(k, rows: 32, columns: 64, heads: 2)) : k
            writer.addTensor("blk.0.attn_q.weight", dimensions: [64, 64], type: .f32, data: GGUFTestWriter.floats(storedQ))
            writer.addTensor("blk.0.attn_k.weight", dimensions: [64, 32], type: .f32, data: GGUFTestWriter.floats(storedK))
            writer.addTensor("blk.0.attn_v.weight", dimensions: [64, 32], type: .f32, data: GGUFTestWriter.floats(v))
            writer.addTensor("rope_freqs.weight", dimensions: [8], type: .f32, data: GGUFTestWriter.floats([Float](repeating: 1, count: 8)))
            let path = directory.file("\(architecture).gguf").path
            try Data(writer.bytes()).write(to: URL(fileURLWithPath: path))
            let reader = try GGUFReader(path: path)
            let metadata = try GGUFModelMetadata(reader.file)
            func converted(_ name: String) throws -> NamedTensor {
                try reader.huggingFaceTensor(try #require(reader.file.tensor(named: name)), metadata: metadata)
            }
            #expect(try converted("blk.0.attn_q.weight") == NamedTensor(name: "model.layers.0.self_attn.q_proj.weight", shape: [64, 64], values: q))
            #expect(try converted("blk.0.attn_k.weight") == NamedTensor(name: "model.layers.0.self_attn.k_proj.weight", shape: [32, 64], values: k))
            #expect(try converted("blk.0.attn_v.weight") == NamedTensor(name: "model.layers.0.self_attn.v_proj.weight", shape: [32, 64], values: v))
            #expect(throws: GGUFError.invalidTensorInfo(file: path, tensor: "rope_freqs.weight",
                                                        detail: "not a tensor of the Llama/Qwen2 family (no Hugging Face name for it)")) {
                try converted("rope_freqs.weight")
            }
        }
    }
}
