import Engine

/// Model FLOPs of a Qwen2 config, counted as matrix-product multiply-adds × 2 (norms, activations,
/// softmax and the optimizer are not counted, as in the usual MFU definition). Causal attention
/// is counted exactly: position t attends to t + 1 keys.
struct ModelFlops {
    let config: DecoderConfig

    /// Weights of every matrix product: q, k, v, o, gate, up, down per layer, and the output
    /// projection (the embedding lookup is not a product).
    var matmulParameters: Int {
        let c = config.hiddenSize, d = config.headDim
        let perLayer = c * (config.numAttentionHeads + 2 * config.numKeyValueHeads) * d + config.numAttentionHeads * d * c
            + 3 * c * config.intermediateSize
        return config.numHiddenLayers * perLayer + config.vocabSize * c
    }

    /// Forward FLOPs of attention (QKᵀ and PV) for a token at 0-based position t.
    func attentionForward(position t: Int) -> Double {
        4 * Double(config.numHiddenLayers) * Double(config.numAttentionHeads * config.headDim) * Double(t + 1)
    }

    /// Forward + backward (3 × forward) FLOPs per token, averaged over a sequence of length T.
    func trainingPerToken(sequenceLength T: Int) -> Double {
        let attention = (0..<T).reduce(0.0) { $0 + attentionForward(position: $1) } / Double(T)
        return 3 * (2 * Double(matmulParameters) + attention)
    }

    /// Forward FLOPs of one decoded token at `context` tokens.
    func decodePerToken(context: Int) -> Double {
        2 * Double(matmulParameters) + attentionForward(position: context - 1)
    }
}
