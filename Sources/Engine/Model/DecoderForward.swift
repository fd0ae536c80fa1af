// The training/scoring forward pass over a padded batch. Padding is removed first: the valid tokens
// of all sequences are packed into N rows, so every projection is one sgemm over N rows and no work
// is spent on padding; attention runs per sequence. Logits are formed only for scored rows (rows
// that predict a target, or every row when logits are requested), which is where most of a small
// model's compute goes when the vocabulary is large.

extension DecoderModel {
    /// Runs the model on `batch` and scores its targets. The activations are kept for one
    /// `backward` call.
    ///
    /// - Parameters:
    ///   - useAdapters: false runs the base network with the LoRA adapters switched off (the
    ///     reference model of DPO/IOPO at no extra memory). Ignored without adapters.
    ///   - returnLogits: also return the logits at every position ([B, T, V]); costs logits for
    ///     every row instead of the scored rows only.
    public func forward(_ batch: Batch, useAdapters: Bool = true, returnLogits: Bool = false) throws(ModelError) -> ForwardResult {
        let vocab = config.vocabSize
        let c = config.hiddenSize
        let T = batch.sequenceLength
        // Validate and pack.
        var segments: [SequenceSegment] = []
        segments.reserveCapacity(batch.batchSize)
        var rows = 0
        for b in 0..<batch.batchSize {
            let length = batch.lengths[b]
            if length > config.maxPositionEmbeddings {
                throw .sequenceTooLong(sequence: b, length: length, limit: config.maxPositionEmbeddings)
            }
            for t in 0..<length {
                let token = batch.tokens[b * T + t]
                if token < 0 || Int(token) >= vocab {
                    throw .tokenOutOfRange(sequence: b, position: t, token: token, vocabSize: vocab)
                }
            }
            segments.append(SequenceSegment(start: rows, length: length))
            rows += length
        }
        var tokens = [Int32](repeating: 0, count: rows)
        var positions = [Int32](repeating: 0, count: rows)
        var scoredRows: [Int32] = []
        var scoredTargets: [Int32] = []
        var scoredTokenIndex: [Int] = []
        for (b, segment) in segments.enumerated() {
            for t in 0..<segment.length {
                let row = segment.start + t
                tokens[row] = batch.tokens[b * T + t]
                positions[row] = Int32(t)
                // Row t predicts token t + 1.
                let hasTarget = t + 1 < segment.length && batch.lossMask[b * T + t + 1]
                if hasTarget || returnLogits {
                    scoredRows.append(Int32(row))
                    scoredTargets.append(hasTarget ? batch.tokens[b * T + t + 1] : -1)
                    scoredTokenIndex.append(hasTarget ? b * T + t + 1 : -1)
                }
            }
        }
        let scored = scoredRows.count
        let active = useAdapters ? adapters : nil
        let loraRank = adapters?.config.rank ?? 0
        let loraTargets = adapters?.config.targetModules.count ?? 0
        let longest = batch.lengths.max() ?? 1
        if activations == nil || !activations!.fits(rows: rows, scored: scored, longestSequence: longest, loraRank: loraRank, loraTargets: loraTargets) {
            // Grow to the larger of old and new sizes, so alternating batch shapes do not thrash;
            // release the old buffers first so both never coexist.
            let old = activations.map { ($0.rowCapacity, $0.scoredCapacity, $0.sequenceCapacity, $0.loraRank, $0.loraTargets) }
            activations = nil
            activations = DecoderActivations(
                config: config,
                rows: max(rows, old?.0 ?? 0),
                scored: max(scored, old?.1 ?? 0),
                longestSequence: max(longest, old?.2 ?? 0),
                loraRank: max(loraRank, old?.3 ?? 0),
                loraTargets: max(loraTargets, old?.4 ?? 0))
        }
        let acts = activations!
        lastForward = nil

        // Embedding, rotary tables.
        tokens.withUnsafeBufferPointer { tokenPointer in
            embeddingForward(out: acts.residual.pointer, tokens: tokenPointer.baseAddress!,
                             table: parameters.pointer + layout.embedTokens, rows: rows, channels: c)
        }
        positions.withUnsafeBufferPointer { positionPointer in
            ropeTables(cos: acts.cosTable.pointer, sin: acts.sinTable.pointer, positions: positionPointer.baseAddress!,
                       rows: rows, headDim: config.headDim, theta: config.ropeTheta)
        }

        // Decoder layers.
        for l in 0..<config.numHiddenLayers {
            layerForward(l, rows: rows, acts: acts.layer(l, rows: rows, loraTargets: loraTargets, loraRank: loraRank),
                         cos: acts.cosTable.pointer, sin: acts.sinTable.pointer,
                         keyValues: .packed(segments), adapters: active,
                         attentionScratch: acts.attentionScratch.pointer)
        }

        // Final norm, then logits for the scored rows only.
        let finalResidual = acts.residual.pointer + config.numHiddenLayers * rows * c
        rmsNormForward(out: acts.finalNorm.pointer, rstd: acts.finalRstd.pointer, inp: finalResidual,
                       weight: parameters.pointer + layout.finalNorm, rows: rows, channels: c, eps: config.rmsNormEps)
        for m in 0..<scored {
            (acts.scoredHidden.pointer + m * c).update(from: acts.finalNorm.pointer + Int(scoredRows[m]) * c, count: c)
        }
        linearForward(out: acts.logits.pointer, inp: acts.scoredHidden.pointer,
                      weight: parameters.pointer + layout.lmHead, bias: nil,
                      rows: scored, inFeatures: c, outFeatures: vocab)

        var logitsOut: [Float]? = nil
        if returnLogits {
            var all = [Float](repeating: 0, count: batch.batchSize * T * vocab)
            all.withUnsafeMutableBufferPointer { destination in
                for m in 0..<scored {
                    // In this mode every row is scored, in packed order.
                    let row = Int(scoredRows[m])
                    let b = segments.lastIndex { $0.start <= row }!
                    let t = row - segments[b].start
                    (destination.baseAddress! + (b * T + t) * vocab).update(from: acts.logits.pointer + m * vocab, count: vocab)
                }
            }
            logitsOut = all
        }

        if scored > 0 {
            scoredTargets.withUnsafeBufferPointer { targetPointer in
                tokenLogProbForward(logProb: acts.logProb.pointer, lse: acts.logitLSE.pointer, logitsToProbabilities: acts.logits.pointer,
                                    targets: targetPointer.baseAddress!, rows: scored, vocab: vocab)
            }
        }

        var tokenLogProbs = [Float](repeating: 0, count: batch.batchSize * T)
        var perSequence = [Double](repeating: 0, count: batch.batchSize)
        var counts = [Int](repeating: 0, count: batch.batchSize)
        var total: Double = 0
        var totalCount = 0
        for m in 0..<scored where scoredTokenIndex[m] >= 0 {
            let index = scoredTokenIndex[m]
            let value = acts.logProb.pointer[m]
            tokenLogProbs[index] = value
            perSequence[index / T] += Double(value)
            counts[index / T] += 1
            total += Double(value)
            totalCount += 1
        }
        lastForward = ForwardRecord(
            batch: batch, segments: segments, tokens: tokens, rows: rows,
            scoredRows: scoredRows, scoredTargets: scoredTargets, scoredTokenIndex: scoredTokenIndex,
            usedAdapters: active != nil)
        return ForwardResult(
            batchSize: batch.batchSize, sequenceLength: T,
            tokenLogProbs: tokenLogProbs, perSequenceLogProb: perSequence, targetCounts: counts,
            loss: totalCount > 0 ? -total / Double(totalCount) : 0,
            logits: logitsOut)
    }
}
