// One Qwen2 decoder layer's forward, shared by training (all rows of a packed batch, keys and values
// taken from the same rows) and generation (new rows of one sequence, keys and values appended to a
// KV cache). Pre-norm:
//   h   = x + o_proj(attention(rope(q|k|v_proj(rmsnorm(x)))))
//   out = h + down_proj(silu(gate_proj(rmsnorm(h))) · up_proj(rmsnorm(h)))

/// Where a layer's attention finds its keys and values.
enum KeyValueSource {
    /// The k|v columns of the same qkv rows, attention run separately within each sequence.
    case packed([SequenceSegment])
    /// The rows are positions start..<start+n of one sequence; their keys and values are written to
    /// the cache, and attention reads positions 0..<start+n from it.
    case cached(KVCache, start: Int)
    /// Rows of several sequences (batched serving): each segment's rows are positions
    /// start..<start+count of its own sequence, written to its cache; every row attends on its own
    /// (attentionRowForward), so its result does not depend on the other rows. attentionScratch
    /// holds n × `scratchPerRow` floats (scratchPerRow ≥ the longest sequence).
    case cachedSequences([CachedRows], scratchPerRow: Int)
}

/// Rows rowStart..<rowStart+count of a batch are positions start..<start+count of the sequence
/// whose keys and values `cache` holds.
struct CachedRows {
    let cache: KVCache
    let start: Int
    let rowStart: Int
    let count: Int
}

extension DecoderModel {
    /// Forward of decoder layer `l` over `n` rows: reads acts.input, writes every other view of `acts`.
    /// cos/sin are [n, d/2] for the rows' positions. `adapters` nil runs the base network.
    /// attentionScratch holds attentionBlockRows × (longest key range) floats.
    func layerForward(
        _ l: Int, rows n: Int, acts: LayerActivations,
        cos: UnsafePointer<Float>, sin: UnsafePointer<Float>,
        keyValues: KeyValueSource, adapters: LoRAAdapters?,
        attentionScratch: UnsafeMutablePointer<Float>,
        products: ProductKernel = .blas
    ) {
        let c = config.hiddenSize
        let d = config.headDim
        let heads = config.numAttentionHeads
        let kvHeads = config.numKeyValueHeads
        let qkvWidth = config.qkvWidth
        let attentionWidth = heads * d
        let inter = config.intermediateSize
        let offsets = layout.layers[l]
        let p = UnsafePointer(parameters.pointer)

        // Attention block.
        rmsNormForward(out: acts.ln1, rstd: acts.rstd1, inp: acts.input, weight: p + offsets.inputNorm,
                       rows: n, channels: c, eps: config.rmsNormEps)
        linearForward(out: acts.qkv, inp: acts.ln1, weight: p + offsets.qkvWeight, bias: offsets.qkvBias.map { p + $0 },
                      rows: n, inFeatures: c, outFeatures: qkvWidth, kernel: products)
        applyLoRA(layer: l, targets: LoRATarget.attentionInputs, adapters: adapters, x: acts.ln1, y: acts.qkv, hidden: acts.loraHidden, rows: n, products: products, update: acts.loraUpdate)
        // q and k heads are adjacent at the start of each row: rotate all H + KV of them at once.
        ropeForward(x: acts.qkv, rowStride: qkvWidth, heads: heads + kvHeads, headDim: d, cos: cos, sin: sin, rows: n)
        switch keyValues {
        case let .packed(segments):
            for segment in segments {
                let rowsQKV = acts.qkv + segment.start * qkvWidth
                attentionForward(
                    out: acts.attention + segment.start * attentionWidth, outStride: attentionWidth,
                    lse: acts.attentionLSE.map { $0 + segment.start * heads }, lseStride: heads,
                    q: rowsQKV, qStride: qkvWidth,
                    k: rowsQKV + attentionWidth, kStride: qkvWidth,
                    v: rowsQKV + attentionWidth + kvHeads * d, vStride: qkvWidth,
                    queryCount: segment.length, keyCount: segment.length, queryOffset: 0,
                    heads: heads, kvHeads: kvHeads, headDim: d, scratch: attentionScratch)
            }
        case let .cached(cache, start):
            let kvWidth = kvHeads * d
            let keys = cache.keys(layer: l)
            let values = cache.values(layer: l)
            for i in 0..<n {
                let row = acts.qkv + i * qkvWidth
                (keys + (start + i) * kvWidth).update(from: row + attentionWidth, count: kvWidth)
                (values + (start + i) * kvWidth).update(from: row + attentionWidth + kvWidth, count: kvWidth)
            }
            attentionForward(
                out: acts.attention, outStride: attentionWidth,
                lse: acts.attentionLSE, lseStride: heads,
                q: acts.qkv, qStride: qkvWidth,
                k: keys, kStride: kvWidth, v: values, vStride: kvWidth,
                queryCount: n, keyCount: start + n, queryOffset: start,
                heads: heads, kvHeads: kvHeads, headDim: d, scratch: attentionScratch)
        case let .cachedSequences(segments, scratchPerRow):
            let kvWidth = kvHeads * d
            var rowSegment = [Int](repeating: 0, count: n)
            for (index, segment) in segments.enumerated() {
                let keys = segment.cache.keys(layer: l), values = segment.cache.values(layer: l)
                for i in 0..<segment.count {
                    let row = acts.qkv + (segment.rowStart + i) * qkvWidth
                    (keys + (segment.start + i) * kvWidth).update(from: row + attentionWidth, count: kvWidth)
                    (values + (segment.start + i) * kvWidth).update(from: row + attentionWidth + kvWidth, count: kvWidth)
                    rowSegment[segment.rowStart + i] = index
                }
            }
            rowSegment.withUnsafeBufferPointer { rowSegment in
                parallelRows(n, costPerRow: 4 * heads * d * scratchPerRow) { range in
                    for i in range {
                        let segment = segments[rowSegment[i]]
                        attentionRowForward(
                            out: acts.attention + i * attentionWidth, q: acts.qkv + i * qkvWidth,
                            keys: segment.cache.keys(layer: l), values: segment.cache.values(layer: l), kvStride: kvWidth,
                            visible: segment.start + (i - segment.rowStart) + 1, heads: heads, kvHeads: kvHeads, headDim: d,
                            scratch: attentionScratch + i * scratchPerRow)
                    }
                }
            }
        }
        linearForward(out: acts.mid, inp: acts.attention, weight: p + offsets.oWeight, bias: nil,
                      rows: n, inFeatures: attentionWidth, outFeatures: c, kernel: products)
        applyLoRA(layer: l, targets: LoRATarget.attentionOutput, adapters: adapters, x: acts.attention, y: acts.mid, hidden: acts.loraHidden, rows: n, products: products, update: acts.loraUpdate)
        residualAdd(out: acts.mid, inp: acts.input, count: n * c)

        // MLP block.
        rmsNormForward(out: acts.ln2, rstd: acts.rstd2, inp: acts.mid, weight: p + offsets.postNorm,
                       rows: n, channels: c, eps: config.rmsNormEps)
        linearForward(out: acts.gateUp, inp: acts.ln2, weight: p + offsets.gateUpWeight, bias: nil,
                      rows: n, inFeatures: c, outFeatures: 2 * inter, kernel: products)
        applyLoRA(layer: l, targets: LoRATarget.mlpInputs, adapters: adapters, x: acts.ln2, y: acts.gateUp, hidden: acts.loraHidden, rows: n, products: products, update: acts.loraUpdate)
        swiGLUForward(out: acts.act, gateUp: acts.gateUp, rows: n, hidden: inter)
        linearForward(out: acts.output, inp: acts.act, weight: p + offsets.downWeight, bias: nil,
                      rows: n, inFeatures: inter, outFeatures: c, kernel: products)
        applyLoRA(layer: l, targets: LoRATarget.mlpOutput, adapters: adapters, x: acts.act, y: acts.output, hidden: acts.loraHidden, rows: n, products: products, update: acts.loraUpdate)
        residualAdd(out: acts.output, inp: acts.mid, count: n * c)
    }

    /// Adds the LoRA path of each adapted module among `targets` of layer `l` onto its block of the
    /// fused output y, keeping x·Aᵀ in that module's block of `hidden` ([targets, n, r]).
    func applyLoRA(
        layer l: Int, targets: [LoRATarget], adapters: LoRAAdapters?,
        x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
        hidden: UnsafeMutablePointer<Float>?, rows n: Int, products: ProductKernel = .blas,
        update: UnsafeMutablePointer<Float>? = nil
    ) {
        guard let adapters, let hidden else { return }
        let r = adapters.config.rank
        for target in targets {
            guard let module = adapters.module(layer: l, target: target),
                  let local = adapters.config.targetModules.firstIndex(of: target) else { continue }
            loraForward(
                y: y + module.outputColumn, yStride: module.outputWidth,
                u: hidden + local * n * r, x: x,
                a: adapters.parameters.pointer + module.aOffset,
                b: adapters.parameters.pointer + module.bOffset,
                scaling: adapters.config.scaling,
                rows: n, inFeatures: module.inFeatures, outFeatures: module.outFeatures, rank: r, kernel: products,
                update: update)
        }
    }
}

extension LoRATarget {
    /// Adapted layers grouped by the input they read and the fused output they write.
    static let attentionInputs: [LoRATarget] = [.qProj, .kProj, .vProj]
    static let attentionOutput: [LoRATarget] = [.oProj]
    static let mlpInputs: [LoRATarget] = [.gateProj, .upProj]
    static let mlpOutput: [LoRATarget] = [.downProj]
}
