import Foundation
import Testing
@testable import Engine

@Suite struct GGUFModelMetadataTests {
    static let path = "/models/smol.gguf"

    /// The metadata of a small llama file, shaped like SmolLM2's.
    static func llamaWriter(architecture: String = "llama") -> GGUFTestWriter {
        var writer = GGUFTestWriter()
        writer.add("general.architecture", .string(architecture))
        writer.add("general.name", .string("Tiny"))
        writer.add("\(architecture).block_count", .uint32(2))
        writer.add("\(architecture).context_length", .uint32(8192))
        writer.add("\(architecture).embedding_length", .uint32(64))
        writer.add("\(architecture).feed_forward_length", .uint32(160))
        writer.add("\(architecture).attention.head_count", .uint32(4))
        writer.add("\(architecture).attention.head_count_kv", .uint32(2))
        writer.add("\(architecture).rope.freq_base", .float32(100_000))
        writer.add("\(architecture).attention.layer_norm_rms_epsilon", .float32(1e-5))
        writer.add("tokenizer.ggml.model", .string("gpt2"))
        writer.add("tokenizer.ggml.pre", .string("smollm"))
        writer.add("tokenizer.ggml.tokens", .strings(["<|endoftext|>", "<|im_start|>", "<|im_end|>", "a", "b", "ab"]))
        writer.add("tokenizer.ggml.token_type", .int32s([3, 3, 3, 1, 1, 1]))
        writer.add("tokenizer.ggml.merges", .strings(["a b"]))
        writer.add("tokenizer.ggml.bos_token_id", .uint32(1))
        writer.add("tokenizer.ggml.eos_token_id", .uint32(2))
        writer.add("tokenizer.ggml.padding_token_id", .uint32(0))
        writer.add("tokenizer.ggml.add_bos_token", .bool(false))
        writer.add("tokenizer.chat_template", .string("{% for message in messages %}{{ message.content }}{% endfor %}"))
        return writer
    }

    static func metadata(_ writer: GGUFTestWriter) throws(GGUFError) -> GGUFModelMetadata {
        try GGUFModelMetadata(try GGUFFile.parse(writer.bytes(), path: path))
    }

    /// `writer` with `key` removed or replaced.
    static func replacing(_ key: String, with value: GGUFValue?, in writer: GGUFTestWriter = llamaWriter()) -> GGUFTestWriter {
        var copy = writer
        copy.metadata = writer.metadata.compactMap { entry in
            entry.key != key ? entry : value.map { (key, $0) }
        }
        return copy
    }

    @Test func readsTheLlamaFields() throws {
        let metadata = try Self.metadata(Self.llamaWriter())
        #expect(metadata.architecture == .llama)
        #expect(metadata.blockCount == 2)
        #expect(metadata.embeddingLength == 64)
        #expect(metadata.feedForwardLength == 160)
        #expect(metadata.headCount == 4)
        #expect(metadata.headCountKV == 2)
        #expect(metadata.headDimension == 16)
        #expect(metadata.ropeFreqBase == 100_000)
        #expect(metadata.rmsNormEpsilon == Float(1e-5))
        #expect(metadata.contextLength == 8192)
        let tokenizer = metadata.tokenizer
        #expect(tokenizer.model == "gpt2")
        #expect(tokenizer.preTokenizer == "smollm")
        #expect(tokenizer.tokens == ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "a", "b", "ab"])
        #expect(tokenizer.merges == ["a b"])
        #expect(tokenizer.tokenTypes == [3, 3, 3, 1, 1, 1])
        #expect(tokenizer.bosTokenID == 1)
        #expect(tokenizer.eosTokenID == 2)
        #expect(tokenizer.paddingTokenID == 0)
        #expect(tokenizer.addBOSToken == false)
        #expect(tokenizer.addEOSToken == nil)
        #expect(tokenizer.chatTemplate?.hasPrefix("{% for message") == true)
    }

    @Test func readsQwen2UnderItsOwnPrefix() throws {
        let metadata = try Self.metadata(Self.llamaWriter(architecture: "qwen2"))
        #expect(metadata.architecture == .qwen2)
        #expect(metadata.headCount == 4)
    }

    @Test func appliesLlamaCppDefaults() throws {
        var writer = Self.replacing("llama.attention.head_count_kv", with: nil)
        writer = Self.replacing("llama.rope.freq_base", with: nil, in: writer)
        writer = Self.replacing("tokenizer.ggml.token_type", with: nil, in: writer)
        writer = Self.replacing("tokenizer.chat_template", with: nil, in: writer)
        writer.add("llama.attention.key_length", .uint64(32))
        let metadata = try Self.metadata(writer)
        #expect(metadata.headCountKV == 4)
        #expect(metadata.ropeFreqBase == 10_000)
        #expect(metadata.headDimension == 32)
        #expect(metadata.tokenizer.tokenTypes.isEmpty)
        #expect(metadata.tokenizer.chatTemplate == nil)
    }

    @Test func anyIntegerWidthAndFloat64AreAccepted() throws {
        var writer = Self.replacing("llama.block_count", with: .int64(2))
        writer = Self.replacing("llama.attention.layer_norm_rms_epsilon", with: .float64(1e-6), in: writer)
        let metadata = try Self.metadata(writer)
        #expect(metadata.blockCount == 2)
        #expect(metadata.rmsNormEpsilon == Float(1e-6))
    }

    @Test func unknownArchitectureIsAnErrorNamingIt() {
        let error = GGUFError.unsupportedArchitecture(file: Self.path, architecture: "gemma2")
        #expect(throws: error) { try Self.metadata(Self.replacing("general.architecture", with: .string("gemma2"))) }
        #expect(error.description.contains(Self.path))
        #expect(error.description.contains("\"gemma2\""))
    }

    @Test func missingAndMistypedKeysAreErrorsNamingTheKey() {
        #expect(throws: GGUFError.missingKey(file: Self.path, key: "llama.embedding_length")) {
            try Self.metadata(Self.replacing("llama.embedding_length", with: nil))
        }
        #expect(throws: GGUFError.missingKey(file: Self.path, key: "general.architecture")) {
            try Self.metadata(Self.replacing("general.architecture", with: nil))
        }
        #expect(throws: GGUFError.invalidValue(file: Self.path, key: "llama.block_count", detail: "expected an integer, found string")) {
            try Self.metadata(Self.replacing("llama.block_count", with: .string("30")))
        }
        #expect(throws: GGUFError.invalidValue(file: Self.path, key: "llama.block_count", detail: "must be positive, found 0")) {
            try Self.metadata(Self.replacing("llama.block_count", with: .uint32(0)))
        }
        #expect(throws: GGUFError.invalidValue(file: Self.path, key: "tokenizer.ggml.tokens", detail: "expected an array of string, found array of int32")) {
            try Self.metadata(Self.replacing("tokenizer.ggml.tokens", with: .int32s([1])))
        }
        #expect(throws: GGUFError.invalidValue(file: Self.path, key: "llama.rope.freq_base", detail: "expected a float, found uint32")) {
            try Self.metadata(Self.replacing("llama.rope.freq_base", with: .uint32(10_000)))
        }
        #expect(throws: GGUFError.invalidValue(file: Self.path, key: "llama.attention.head_count_kv", detail: "3 does not divide the 4 attention heads")) {
            try Self.metadata(Self.replacing("llama.attention.head_count_kv", with: .uint32(3)))
        }
    }

    @Test func tokenizerIsCheckedAgainstItsVocabulary() {
        #expect(throws: GGUFError.unsupportedTokenizer(file: Self.path, model: "llama")) {
            try Self.metadata(Self.replacing("tokenizer.ggml.model", with: .string("llama")))
        }
        #expect(throws: GGUFError.invalidValue(file: Self.path, key: "tokenizer.ggml.eos_token_id",
                                               detail: "token id 6 is outside the vocabulary of 6 tokens")) {
            try Self.metadata(Self.replacing("tokenizer.ggml.eos_token_id", with: .uint32(6)))
        }
        #expect(throws: GGUFError.invalidValue(file: Self.path, key: "tokenizer.ggml.token_type", detail: "2 types for 6 tokens")) {
            try Self.metadata(Self.replacing("tokenizer.ggml.token_type", with: .int32s([1, 1])))
        }
        #expect(throws: GGUFError.missingKey(file: Self.path, key: "tokenizer.ggml.merges")) {
            try Self.metadata(Self.replacing("tokenizer.ggml.merges", with: nil))
        }
    }
}
