// One GGUF tensor as a Hugging Face checkpoint holds it: renamed (GGUFTensorNames), dequantised
// to float32 in row-major order, and for the llama architecture with q/k rows restored to Hugging
// Face's order (LlamaQKPermutation). Which tensors a model needs is the caller's decision.

extension GGUFReader {
    /// The tensor `info` under its Hugging Face name and in Hugging Face's layout.
    public func huggingFaceTensor(_ info: GGUFTensorInfo, metadata: GGUFModelMetadata) throws(GGUFError) -> NamedTensor {
        guard let name = GGUFTensorNames.huggingFaceName(for: info.name) else {
            throw .invalidTensorInfo(file: file.path, tensor: info.name,
                                     detail: "not a tensor of the Llama/Qwen2 family (no Hugging Face name for it)")
        }
        var values = try values(of: info)
        let shape = info.shape
        if metadata.architecture == .llama, let heads = permutedHeads(info.name, metadata) {
            let rows = shape.first ?? 1
            let columns = shape.count > 1 ? shape.dropFirst().reduce(1, *) : 1
            guard let restored = LlamaQKPermutation.undo(values, rows: rows, columns: columns, heads: heads) else {
                throw .invalidTensorInfo(file: file.path, tensor: info.name,
                                         detail: "\(rows) rows are not \(heads) heads of an even head dimension")
            }
            values = restored
        }
        return NamedTensor(name: name, shape: shape, values: values)
    }

    /// The head count llama.cpp permuted `name` with, nil when it is not a q/k projection.
    private func permutedHeads(_ name: String, _ metadata: GGUFModelMetadata) -> Int? {
        if name.hasSuffix(".attn_q.weight") || name.hasSuffix(".attn_q.bias") { return metadata.headCount }
        if name.hasSuffix(".attn_k.weight") || name.hasSuffix(".attn_k.bias") { return metadata.headCountKV }
        return nil
    }
}
