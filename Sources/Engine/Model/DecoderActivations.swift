// Activation storage for a training forward over N packed rows (all valid tokens of a batch, padding
// removed) and M scored rows (the rows whose logits are formed), plus the scratch the backward
// needs. Everything the backward reads is named here. Buffers only grow, so steady-state training
// allocates nothing per step.

/// Where one forward's rows come from: sequence b occupies packed rows start..<start+length.
struct SequenceSegment: Sendable {
    var start: Int
    var length: Int
}

/// What the last training forward saw; the backward needs it to map token weights to rows.
struct ForwardRecord {
    var batch: Batch
    var segments: [SequenceSegment]
    /// Packed tokens [N] (for the embedding backward) and positions [N].
    var tokens: [Int32]
    var rows: Int
    /// Per scored row m: the packed hidden row, the target token (−1 if none) and the index of the
    /// target in the batch's [B·T] layout (−1 if none).
    var scoredRows: [Int32]
    var scoredTargets: [Int32]
    var scoredTokenIndex: [Int]
    var usedAdapters: Bool
}

/// Pointers to one decoder layer's activations over N rows.
struct LayerActivations {
    /// [N, C] residual stream entering the layer
    var input: UnsafeMutablePointer<Float>
    /// [N, C] input_layernorm output, [N] its reciprocal RMS
    var ln1: UnsafeMutablePointer<Float>
    var rstd1: UnsafeMutablePointer<Float>
    /// [N, (H + 2KV)·d] q|k|v after bias and rotary embedding
    var qkv: UnsafeMutablePointer<Float>
    /// [N, H·d] attention output (o_proj input)
    var attention: UnsafeMutablePointer<Float>
    /// [N, H] attention log-sum-exp (nil at inference, where no backward follows)
    var attentionLSE: UnsafeMutablePointer<Float>?
    /// [N, C] residual stream after attention
    var mid: UnsafeMutablePointer<Float>
    /// [N, C] post_attention_layernorm output, [N] its reciprocal RMS
    var ln2: UnsafeMutablePointer<Float>
    var rstd2: UnsafeMutablePointer<Float>
    /// [N, 2I] gate|up pre-activations
    var gateUp: UnsafeMutablePointer<Float>
    /// [N, I] silu(gate)·up (down_proj input)
    var act: UnsafeMutablePointer<Float>
    /// [N, C] residual stream leaving the layer (may alias `input` at inference)
    var output: UnsafeMutablePointer<Float>
    /// [targets, N, r] LoRA intermediates x·Aᵀ, one block per adapted module of the layer
    var loraHidden: UnsafeMutablePointer<Float>?
    /// [N, widest adapted output] scratch for the row-invariant LoRA path's u·Bᵀ (batched serving)
    var loraUpdate: UnsafeMutablePointer<Float>? = nil
}

/// Activation and scratch buffers for training forwards and backwards of one model.
final class DecoderActivations {
    let config: DecoderConfig
    let rowCapacity: Int
    let scoredCapacity: Int
    let sequenceCapacity: Int
    /// LoRA rank and adapted modules per layer the buffers were sized for.
    let loraRank: Int
    let loraTargets: Int

    let residual: FloatBuffer       // [L+1, N, C]
    let ln1: FloatBuffer            // [L, N, C]
    let rstd1: FloatBuffer          // [L, N]
    let qkv: FloatBuffer            // [L, N, QKV]
    let attention: FloatBuffer      // [L, N, H·d]
    let attentionLSE: FloatBuffer   // [L, N, H]
    let mid: FloatBuffer            // [L, N, C]
    let ln2: FloatBuffer            // [L, N, C]
    let rstd2: FloatBuffer          // [L, N]
    let gateUp: FloatBuffer         // [L, N, 2I]
    let act: FloatBuffer            // [L, N, I]
    let loraHidden: FloatBuffer     // [L, targets, N, r]
    let finalNorm: FloatBuffer      // [N, C]
    let finalRstd: FloatBuffer      // [N]
    let cosTable: FloatBuffer       // [N, d/2]
    let sinTable: FloatBuffer       // [N, d/2]
    let scoredHidden: FloatBuffer   // [M, C] final-norm rows whose logits are formed
    let logits: FloatBuffer         // [M, V] logits, then softmax (forward), then dlogits (backward)
    let logitLSE: FloatBuffer       // [M]
    let logProb: FloatBuffer        // [M]

    // Backward scratch.
    let dResidual: FloatBuffer      // [N, C]
    let dNorm: FloatBuffer          // [N, C]
    let dQKV: FloatBuffer           // [N, QKV]
    let dAttention: FloatBuffer     // [N, H·d]
    let dGateUp: FloatBuffer        // [N, 2I]
    let dAct: FloatBuffer           // [N, I]
    let dLoRAHidden: FloatBuffer    // [N, r]
    let dScored: FloatBuffer        // [M, C]
    let attentionScratch: FloatBuffer // [2, blockRows, maxLength]

    init(config: DecoderConfig, rows: Int, scored: Int, longestSequence: Int, loraRank: Int, loraTargets: Int) {
        self.config = config
        rowCapacity = rows
        scoredCapacity = scored
        sequenceCapacity = longestSequence
        self.loraRank = loraRank
        self.loraTargets = loraTargets
        let loraWidth = loraRank * loraTargets
        let layers = config.numHiddenLayers
        let c = config.hiddenSize
        let qkvWidth = config.qkvWidth
        let attentionWidth = config.numAttentionHeads * config.headDim
        let inter = config.intermediateSize
        let n = rows
        residual = FloatBuffer(count: (layers + 1) * n * c)
        ln1 = FloatBuffer(count: layers * n * c)
        rstd1 = FloatBuffer(count: layers * n)
        qkv = FloatBuffer(count: layers * n * qkvWidth)
        attention = FloatBuffer(count: layers * n * attentionWidth)
        attentionLSE = FloatBuffer(count: layers * n * config.numAttentionHeads)
        mid = FloatBuffer(count: layers * n * c)
        ln2 = FloatBuffer(count: layers * n * c)
        rstd2 = FloatBuffer(count: layers * n)
        gateUp = FloatBuffer(count: layers * n * 2 * inter)
        act = FloatBuffer(count: layers * n * inter)
        loraHidden = FloatBuffer(count: layers * n * loraWidth)
        finalNorm = FloatBuffer(count: n * c)
        finalRstd = FloatBuffer(count: n)
        cosTable = FloatBuffer(count: n * config.headDim / 2)
        sinTable = FloatBuffer(count: n * config.headDim / 2)
        scoredHidden = FloatBuffer(count: scored * c)
        logits = FloatBuffer(count: scored * config.vocabSize)
        logitLSE = FloatBuffer(count: scored)
        logProb = FloatBuffer(count: scored)
        dResidual = FloatBuffer(count: n * c)
        dNorm = FloatBuffer(count: n * c)
        dQKV = FloatBuffer(count: n * qkvWidth)
        dAttention = FloatBuffer(count: n * attentionWidth)
        dGateUp = FloatBuffer(count: n * 2 * inter)
        dAct = FloatBuffer(count: n * inter)
        dLoRAHidden = FloatBuffer(count: n * loraRank)
        dScored = FloatBuffer(count: scored * c)
        attentionScratch = FloatBuffer(count: 2 * attentionBlockRows * longestSequence)
    }

    func fits(rows: Int, scored: Int, longestSequence: Int, loraRank: Int, loraTargets: Int) -> Bool {
        rows <= rowCapacity && scored <= scoredCapacity && longestSequence <= sequenceCapacity
            && loraRank <= self.loraRank && loraTargets <= self.loraTargets
    }

    /// The views of layer `l` for a forward over `n` rows (per-layer blocks are n rows tall).
    func layer(_ l: Int, rows n: Int, loraTargets: Int, loraRank: Int) -> LayerActivations {
        let c = config.hiddenSize
        let inter = config.intermediateSize
        return LayerActivations(
            input: residual.pointer + l * n * c,
            ln1: ln1.pointer + l * n * c,
            rstd1: rstd1.pointer + l * n,
            qkv: qkv.pointer + l * n * config.qkvWidth,
            attention: attention.pointer + l * n * config.numAttentionHeads * config.headDim,
            attentionLSE: attentionLSE.pointer + l * n * config.numAttentionHeads,
            mid: mid.pointer + l * n * c,
            ln2: ln2.pointer + l * n * c,
            rstd2: rstd2.pointer + l * n,
            gateUp: gateUp.pointer + l * n * 2 * inter,
            act: act.pointer + l * n * inter,
            output: residual.pointer + (l + 1) * n * c,
            loraHidden: loraHidden.pointer + l * loraTargets * n * loraRank)
    }
}
