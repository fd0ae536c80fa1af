// The backward pass: the forward's ops in reverse, each op's backward called with the buffers its
// forward saved. One entry point serves every objective: the caller gives, for each target token,
// the derivative of its objective with respect to that token's log-probability.
//   causal-LM mean loss:         w = −1/N on every target              (Batch.meanLossWeights)
//   DPO/IOPO on sequence sums:   w = d loss / d logp_b on b's targets  (Batch.sequenceWeights)
// Gradients accumulate (+=) into the gradient buffer, so micro-batches sum; zeroGradients() resets.
// With LoRA adapters attached only adapter gradients are formed: the base is frozen, and the
// weight-gradient sgemms of the base are skipped entirely.

extension DecoderModel {
    /// Back-propagates from the last `forward`, given tokenWeights[b·T + t] = d objective / d
    /// tokenLogProbs[b·T + t] (zero outside the loss mask), accumulating into the gradients of the
    /// trainable parameters. Consumes the forward's activations.
    ///
    /// Only the most recent forward can be differentiated, so a DPO/IOPO step runs the reference
    /// forward (`useAdapters: false`, or a frozen `copy()`) first, then the policy forward, then
    /// this. A backward after an adapters-off forward is an error rather than a silent no-op.
    public func backward(tokenWeights: [Float]) throws(ModelError) {
        guard let record = lastForward, let acts = activations else {
            throw .noForwardToDifferentiate(reason: "no forward since the last backward or model change")
        }
        let batch = record.batch
        if tokenWeights.count != batch.batchSize * batch.sequenceLength {
            throw .weightsCountMismatch(expected: batch.batchSize * batch.sequenceLength, found: tokenWeights.count)
        }
        for (index, weight) in tokenWeights.enumerated() where weight != 0 && !batch.lossMask[index] {
            throw .invalidBatch(field: "tokenWeights[\(index)]",
                                reason: "is \(weight) at a position outside the loss mask")
        }
        if adapters != nil && !record.usedAdapters {
            throw .noForwardToDifferentiate(reason: "the forward ran with adapters off; only the adapters are trainable")
        }
        lastForward = nil
        // Without targets the objective does not depend on the parameters: nothing to add.
        if record.scoredRows.isEmpty { return }

        let adapters = record.usedAdapters ? self.adapters : nil
        // Base gradients only when the base trains.
        let baseGradient: UnsafeMutablePointer<Float>?
        if adapters == nil {
            if baseGradients == nil { baseGradients = FloatBuffer(count: layout.count) }
            baseGradient = baseGradients!.pointer
        } else {
            baseGradient = nil
        }
        func grad(_ offset: Int) -> UnsafeMutablePointer<Float>? { baseGradient.map { $0 + offset } }

        let c = config.hiddenSize
        let vocab = config.vocabSize
        let rows = record.rows
        let scored = record.scoredRows.count
        let p = UnsafePointer(parameters.pointer)
        let loraRank = adapters?.config.rank ?? 0
        let loraTargets = adapters?.config.targetModules.count ?? 0

        // Token log-probabilities → logits → final-norm rows.
        var rowWeights = [Float](repeating: 0, count: scored)
        for m in 0..<scored where record.scoredTokenIndex[m] >= 0 {
            rowWeights[m] = tokenWeights[record.scoredTokenIndex[m]]
        }
        record.scoredTargets.withUnsafeBufferPointer { targets in
            rowWeights.withUnsafeBufferPointer { weights in
                tokenLogProbBackward(probabilitiesToGradient: acts.logits.pointer,
                                     targets: targets.baseAddress!, weights: weights.baseAddress!,
                                     rows: scored, vocab: vocab)
            }
        }
        linearBackward(dinp: acts.dScored.pointer, accumulateInput: false,
                       dweight: grad(layout.lmHead), dbias: nil,
                       dout: acts.logits.pointer, inp: acts.scoredHidden.pointer, weight: p + layout.lmHead,
                       rows: scored, inFeatures: c, outFeatures: vocab)
        let dNorm = acts.dNorm.pointer
        dNorm.update(repeating: 0, count: rows * c)
        for m in 0..<scored {
            (dNorm + Int(record.scoredRows[m]) * c).update(from: acts.dScored.pointer + m * c, count: c)
        }
        let dResidual = acts.dResidual.pointer
        dResidual.update(repeating: 0, count: rows * c)
        rmsNormBackward(dinp: dResidual, dweight: grad(layout.finalNorm), dout: dNorm,
                        inp: acts.residual.pointer + config.numHiddenLayers * rows * c,
                        weight: p + layout.finalNorm, rstd: acts.finalRstd.pointer, rows: rows, channels: c)

        // Decoder layers in reverse; dResidual carries d loss / d residual stream.
        for l in stride(from: config.numHiddenLayers - 1, through: 0, by: -1) {
            layerBackward(l, rows: rows, acts: acts.layer(l, rows: rows, loraTargets: loraTargets, loraRank: loraRank),
                          record: record, activations: acts, adapters: adapters, baseGradient: baseGradient)
        }

        if let embeddingGradient = grad(layout.embedTokens) {
            record.tokens.withUnsafeBufferPointer { tokens in
                embeddingBackward(dtable: embeddingGradient, dout: dResidual, tokens: tokens.baseAddress!,
                                  rows: rows, channels: c)
            }
        }
    }

    /// Backward of decoder layer `l`: on entry activations.dResidual holds d loss / d output, on
    /// exit d loss / d input. Weight gradients accumulate into baseGradient (nil: base frozen) and
    /// the adapters' gradient buffer.
    func layerBackward(
        _ l: Int, rows n: Int, acts: LayerActivations, record: ForwardRecord,
        activations: DecoderActivations, adapters: LoRAAdapters?,
        baseGradient: UnsafeMutablePointer<Float>?
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
        func grad(_ offset: Int) -> UnsafeMutablePointer<Float>? { baseGradient.map { $0 + offset } }
        let dResidual = activations.dResidual.pointer
        let dNorm = activations.dNorm.pointer
        let dAct = activations.dAct.pointer
        let dGateUp = activations.dGateUp.pointer
        let dAttention = activations.dAttention.pointer
        let dQKV = activations.dQKV.pointer

        // MLP block: output = mid + down(swiglu(gate_up(norm(mid)))).
        linearBackward(dinp: dAct, accumulateInput: false, dweight: grad(offsets.downWeight), dbias: nil,
                       dout: dResidual, inp: acts.act, weight: p + offsets.downWeight,
                       rows: n, inFeatures: inter, outFeatures: c)
        loraBackward(layer: l, targets: LoRATarget.mlpOutput, adapters: adapters, x: acts.act, dx: dAct,
                     dy: dResidual, hidden: acts.loraHidden, scratch: activations.dLoRAHidden.pointer, rows: n)
        swiGLUBackward(dGateUp: dGateUp, dout: dAct, gateUp: acts.gateUp, rows: n, hidden: inter)
        linearBackward(dinp: dNorm, accumulateInput: false, dweight: grad(offsets.gateUpWeight), dbias: nil,
                       dout: dGateUp, inp: acts.ln2, weight: p + offsets.gateUpWeight,
                       rows: n, inFeatures: c, outFeatures: 2 * inter)
        loraBackward(layer: l, targets: LoRATarget.mlpInputs, adapters: adapters, x: acts.ln2, dx: dNorm,
                     dy: dGateUp, hidden: acts.loraHidden, scratch: activations.dLoRAHidden.pointer, rows: n)
        rmsNormBackward(dinp: dResidual, dweight: grad(offsets.postNorm), dout: dNorm, inp: acts.mid,
                        weight: p + offsets.postNorm, rstd: acts.rstd2, rows: n, channels: c)

        // Attention block: mid = input + o(attention(rope(qkv(norm(input))))).
        linearBackward(dinp: dAttention, accumulateInput: false, dweight: grad(offsets.oWeight), dbias: nil,
                       dout: dResidual, inp: acts.attention, weight: p + offsets.oWeight,
                       rows: n, inFeatures: attentionWidth, outFeatures: c)
        loraBackward(layer: l, targets: LoRATarget.attentionOutput, adapters: adapters, x: acts.attention, dx: dAttention,
                     dy: dResidual, hidden: acts.loraHidden, scratch: activations.dLoRAHidden.pointer, rows: n)
        dQKV.update(repeating: 0, count: n * qkvWidth)
        let scratch = activations.attentionScratch.pointer
        let scratchSize = attentionBlockRows * activations.sequenceCapacity
        for segment in record.segments {
            let rowsQKV = acts.qkv + segment.start * qkvWidth
            let dRowsQKV = dQKV + segment.start * qkvWidth
            attentionBackward(
                dq: dRowsQKV, dqStride: qkvWidth,
                dk: dRowsQKV + attentionWidth, dkStride: qkvWidth,
                dv: dRowsQKV + attentionWidth + kvHeads * d, dvStride: qkvWidth,
                dout: dAttention + segment.start * attentionWidth, doutStride: attentionWidth,
                out: acts.attention + segment.start * attentionWidth, outStride: attentionWidth,
                lse: acts.attentionLSE! + segment.start * heads, lseStride: heads,
                q: rowsQKV, qStride: qkvWidth,
                k: rowsQKV + attentionWidth, kStride: qkvWidth,
                v: rowsQKV + attentionWidth + kvHeads * d, vStride: qkvWidth,
                queryCount: segment.length, keyCount: segment.length, queryOffset: 0,
                heads: heads, kvHeads: kvHeads, headDim: d,
                scratchP: scratch, scratchDP: scratch + scratchSize)
        }
        ropeBackward(dx: dQKV, rowStride: qkvWidth, heads: heads + kvHeads, headDim: d,
                     cos: activations.cosTable.pointer, sin: activations.sinTable.pointer, rows: n)
        linearBackward(dinp: dNorm, accumulateInput: false, dweight: grad(offsets.qkvWeight), dbias: offsets.qkvBias.flatMap { grad($0) },
                       dout: dQKV, inp: acts.ln1, weight: p + offsets.qkvWeight,
                       rows: n, inFeatures: c, outFeatures: qkvWidth)
        loraBackward(layer: l, targets: LoRATarget.attentionInputs, adapters: adapters, x: acts.ln1, dx: dNorm,
                     dy: dQKV, hidden: acts.loraHidden, scratch: activations.dLoRAHidden.pointer, rows: n)
        rmsNormBackward(dinp: dResidual, dweight: grad(offsets.inputNorm), dout: dNorm, inp: acts.input,
                        weight: p + offsets.inputNorm, rstd: acts.rstd1, rows: n, channels: c)
    }

    /// Backward of `applyLoRA` for the adapted modules among `targets` of layer `l`: adds into the
    /// adapters' gradients and into dx (the gradient of the modules' shared input).
    func loraBackward(
        layer l: Int, targets: [LoRATarget], adapters: LoRAAdapters?,
        x: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>,
        dy: UnsafePointer<Float>, hidden: UnsafeMutablePointer<Float>?,
        scratch: UnsafeMutablePointer<Float>, rows n: Int
    ) {
        guard let adapters, let hidden else { return }
        let r = adapters.config.rank
        for target in targets {
            guard let module = adapters.module(layer: l, target: target),
                  let local = adapters.config.targetModules.firstIndex(of: target) else { continue }
            Engine.loraBackward(
                dx: dx,
                da: adapters.gradients.pointer + module.aOffset,
                db: adapters.gradients.pointer + module.bOffset,
                du: scratch,
                dy: dy + module.outputColumn, dyStride: module.outputWidth,
                u: hidden + local * n * r, x: x,
                a: adapters.parameters.pointer + module.aOffset,
                b: adapters.parameters.pointer + module.bOffset,
                scaling: adapters.config.scaling,
                rows: n, inFeatures: module.inFeatures, outFeatures: module.outFeatures, rank: r)
        }
    }
}
