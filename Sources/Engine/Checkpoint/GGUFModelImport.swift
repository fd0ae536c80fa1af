// A GGUF file of the Llama/Qwen2 family as a `ModelBundle`: the decoder configuration from the
// metadata, every tensor dequantised to float32 under its Hugging Face name (llama's q/k rows put
// back in Hugging Face's order), and the tokenizer and chat template the file carries. From there
// the model is like any other: exported as a Hugging Face directory, stored, served, fine-tuned.
//
// The tokenizer, as transformers builds it from the same metadata (`GGUFTokenizerSkeleton` and
// the converters of `integrations/ggml.py`): tokens of type 3 (control) are special added tokens,
// type 4 (user-defined) added tokens that are not special, all others the BPE vocabulary; the
// pre-tokenizer from `tokenizer.ggml.pre` (PreTokenizer.swift); Qwen2's tokenizers normalise to
// NFC, the others not at all.

import Foundation

extension ModelBundle {
    /// Reads a GGUF file into a model and its tokenizer.
    public static func load(gguf url: URL) throws -> ModelBundle {
        let reader = try GGUFReader(path: url.path)
        let metadata = try GGUFModelMetadata(reader.file)
        let path = url.path
        let config = try DecoderConfig(gguf: metadata, file: reader.file)
        var tensors: [NamedTensor] = []
        tensors.reserveCapacity(reader.file.tensors.count)
        for info in reader.file.tensors {
            tensors.append(try reader.huggingFaceTensor(info, metadata: metadata))
        }
        let model: DecoderModel
        do { model = try DecoderModel(config: config, tensors: tensors) } catch {
            throw BundleError.engine("\(path): \(error)")
        }
        var tokenizer = try BPETokenizer(gguf: metadata.tokenizer, architecture: metadata.architecture, file: path)
        tokenizer.bosToken = metadata.tokenizer.bosTokenID.map { metadata.tokenizer.tokens[$0] }
        tokenizer.eosToken = metadata.tokenizer.eosTokenID.map { metadata.tokenizer.tokens[$0] }
        guard tokenizer.vocabularySize <= config.vocabSize else {
            throw BundleError.vocabularyMismatch(model: config.vocabSize, tokenizer: tokenizer.vocabularySize, directory: path)
        }
        return ModelBundle(model: model, tokenizer: tokenizer)
    }
}

extension DecoderConfig {
    /// The decoder configuration a GGUF file's metadata describes.
    init(gguf metadata: GGUFModelMetadata, file: GGUFFile) throws(GGUFError) {
        let hidden = metadata.embeddingLength
        guard metadata.headDimension * metadata.headCount == hidden else {
            throw .invalidValue(file: file.path, key: "\(metadata.architecture.rawValue).attention.key_length",
                                detail: "head dimension \(metadata.headDimension) × \(metadata.headCount) heads is not the embedding length \(hidden); the engine needs them equal")
        }
        let vocabulary = file.tensor(named: "token_embd.weight")?.shape.first ?? metadata.tokenizer.tokens.count
        self.init(hiddenSize: hidden, numHiddenLayers: metadata.blockCount, numAttentionHeads: metadata.headCount,
                  numKeyValueHeads: metadata.headCountKV, intermediateSize: metadata.feedForwardLength, vocabSize: vocabulary,
                  maxPositionEmbeddings: metadata.contextLength, rmsNormEps: metadata.rmsNormEpsilon, ropeTheta: metadata.ropeFreqBase,
                  tieWordEmbeddings: GGUFTensorNames.hasTiedEmbeddings(file), attentionBias: metadata.architecture == .qwen2)
        do { try validate() } catch { throw .invalidValue(file: file.path, key: "general.architecture", detail: "\(error)") }
    }
}

extension BPETokenizer {
    /// The tokenizer of a GGUF file's `tokenizer.ggml.*` metadata.
    init(gguf metadata: GGUFTokenizerMetadata, architecture: GGUFModelMetadata.Architecture, file: String) throws {
        let preName = metadata.preTokenizer ?? "gpt2"
        guard let preTokenizer = PreTokenizer(ggufName: preName) else {
            throw TokenizerError.unsupported(file: file, field: "tokenizer.ggml.pre", detail: "\"\(preName)\"; supported: qwen2, llama-bpe, smollm, gpt2")
        }
        var vocabulary: [String: Int] = [:]
        vocabulary.reserveCapacity(metadata.tokens.count)
        var added: [AddedToken] = []
        for (id, token) in metadata.tokens.enumerated() {
            let type = metadata.tokenTypes.isEmpty ? 1 : metadata.tokenTypes[id]
            switch type {
            case 3: added.append(AddedToken(id: id, content: token, special: true))
            case 4: added.append(AddedToken(id: id, content: token, special: false))
            default: vocabulary[token] = id
            }
        }
        var merges: [BPEMerge] = []
        merges.reserveCapacity(metadata.merges.count)
        for (rank, line) in metadata.merges.enumerated() {
            let parts = line.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2 else {
                throw TokenizerError.invalidField(file: file, field: "tokenizer.ggml.merges[\(rank)]", detail: "\"\(line)\" is not two tokens separated by one space")
            }
            merges.append(BPEMerge(String(parts[0]), String(parts[1])))
        }
        try self.init(vocabulary: vocabulary, merges: merges, addedTokens: added,
                      normalization: architecture == .qwen2 ? .nfc : .none, preTokenizer: preTokenizer,
                      chatTemplate: metadata.chatTemplate ?? ChatTemplate.qwen2)
    }
}
