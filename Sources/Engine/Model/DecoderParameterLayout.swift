// Where each parameter lives in the model's single flat float buffer. The buffer order is chosen
// for the computation: q, k and v weights sit back to back so one sgemm computes all three
// projections, and likewise gate and up. The Hugging Face tensors are views (offset + shape) into
// it, listed in Hugging Face's state-dict order for export.

/// Offsets of one decoder layer's parameters in the flat buffer.
struct DecoderLayerOffsets: Sendable {
    /// input_layernorm.weight [C]
    var inputNorm: Int
    /// q_proj.weight [H·d, C], k_proj.weight [KV·d, C], v_proj.weight [KV·d, C], contiguous
    var qkvWeight: Int
    /// q_proj.bias [H·d], k_proj.bias [KV·d], v_proj.bias [KV·d], contiguous; nil without
    /// attention bias (Llama)
    var qkvBias: Int?
    /// o_proj.weight [C, H·d]
    var oWeight: Int
    /// post_attention_layernorm.weight [C]
    var postNorm: Int
    /// gate_proj.weight [I, C], up_proj.weight [I, C], contiguous
    var gateUpWeight: Int
    /// down_proj.weight [C, I]
    var downWeight: Int
}

/// One named view into the flat parameter buffer.
struct ParameterEntry: Sendable {
    var name: String
    var shape: [Int]
    var offset: Int
    /// Whether decoupled weight decay applies (matrices yes; biases and norm weights no, as in
    /// Hugging Face Trainer's default decay-parameter selection).
    var decays: Bool
    var count: Int { shape.reduce(1, *) }
    var range: Range<Int> { offset..<(offset + count) }
}

/// The flat layout of all Qwen2 parameters for one config.
struct DecoderParameterLayout: Sendable {
    var embedTokens: Int
    var layers: [DecoderLayerOffsets]
    var finalNorm: Int
    /// Equals `embedTokens` when the embeddings are tied.
    var lmHead: Int
    var count: Int
    /// Hugging Face names in state-dict order.
    var entries: [ParameterEntry]

    init(config: DecoderConfig) {
        let c = config.hiddenSize
        let d = config.headDim
        let h = config.numAttentionHeads
        let kv = config.numKeyValueHeads
        let inter = config.intermediateSize
        let vocab = config.vocabSize
        var cursor = 0
        func take(_ n: Int) -> Int {
            defer { cursor += n }
            return cursor
        }
        embedTokens = take(vocab * c)
        var layers: [DecoderLayerOffsets] = []
        var entries: [ParameterEntry] = [
            ParameterEntry(name: "model.embed_tokens.weight", shape: [vocab, c], offset: embedTokens, decays: true),
        ]
        for i in 0..<config.numHiddenLayers {
            let layer = DecoderLayerOffsets(
                inputNorm: take(c),
                qkvWeight: take(config.qkvWidth * c),
                qkvBias: config.attentionBias ? take(config.qkvWidth) : nil,
                oWeight: take(c * h * d),
                postNorm: take(c),
                gateUpWeight: take(2 * inter * c),
                downWeight: take(c * inter))
            layers.append(layer)
            let prefix = "model.layers.\(i)."
            let qRows = h * d, kvRows = kv * d
            // q, k, v, each weight followed by its bias where there is one (state-dict order).
            let projections = [("q", qRows, 0), ("k", kvRows, qRows), ("v", kvRows, qRows + kvRows)]
            for (name, rows, start) in projections {
                entries.append(ParameterEntry(name: prefix + "self_attn.\(name)_proj.weight", shape: [rows, c], offset: layer.qkvWeight + start * c, decays: true))
                if let bias = layer.qkvBias {
                    entries.append(ParameterEntry(name: prefix + "self_attn.\(name)_proj.bias", shape: [rows], offset: bias + start, decays: false))
                }
            }
            entries += [
                ParameterEntry(name: prefix + "self_attn.o_proj.weight", shape: [c, qRows], offset: layer.oWeight, decays: true),
                ParameterEntry(name: prefix + "mlp.gate_proj.weight", shape: [inter, c], offset: layer.gateUpWeight, decays: true),
                ParameterEntry(name: prefix + "mlp.up_proj.weight", shape: [inter, c], offset: layer.gateUpWeight + inter * c, decays: true),
                ParameterEntry(name: prefix + "mlp.down_proj.weight", shape: [c, inter], offset: layer.downWeight, decays: true),
                ParameterEntry(name: prefix + "input_layernorm.weight", shape: [c], offset: layer.inputNorm, decays: false),
                ParameterEntry(name: prefix + "post_attention_layernorm.weight", shape: [c], offset: layer.postNorm, decays: false),
            ]
        }
        self.layers = layers
        finalNorm = take(c)
        entries.append(ParameterEntry(name: "model.norm.weight", shape: [c], offset: finalNorm, decays: false))
        if config.tieWordEmbeddings {
            lmHead = embedTokens
        } else {
            lmHead = take(vocab * c)
            entries.append(ParameterEntry(name: "lm_head.weight", shape: [vocab, c], offset: lmHead, decays: true))
        }
        count = cursor
        self.entries = entries
    }
}
