// The row-parallel paths of the elementwise ops: inputs large enough to be split across threads
// must give exactly the bits each row gets when computed alone (rows = 1 never splits), so results
// cannot depend on the thread count. On a single-core machine both sides run sequentially.

import Foundation
import Testing
@testable import Engine

@Suite("Op parallel execution")
struct OpsParallelTests {
    /// Runs `op` on all rows at once and on each row alone (`first` is the index of the first row
    /// passed); expects identical outputs.
    func expectRowwiseIdentical(_ label: String, rows: Int, inputWidth: Int, outputWidth: Int,
                                op: (_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ first: Int, _ rows: Int) -> Void) {
        let input = randomValues(rows * inputWidth, seed: UInt64(rows + inputWidth), scale: 2)
        var together = [Float](repeating: 0, count: rows * outputWidth)
        var alone = [Float](repeating: 0, count: rows * outputWidth)
        input.withUnsafeBufferPointer { inp in
            together.withUnsafeMutableBufferPointer { op($0.baseAddress!, inp.baseAddress!, 0, rows) }
            alone.withUnsafeMutableBufferPointer { out in
                for n in 0..<rows { op(out.baseAddress! + n * outputWidth, inp.baseAddress! + n * inputWidth, n, 1) }
            }
        }
        // Count mismatches rather than compare arrays: a failing array comparison would diff them.
        let mismatches = zip(together, alone).filter { $0.bitPattern != $1.bitPattern }.count
        #expect(mismatches == 0, "\(label): \(mismatches) of \(together.count) values differ")
    }

    @Test("rmsnorm, swiglu, rope and token log-probabilities split by rows give row-by-row bits")
    func rowParallelOps() {
        let channels = 64, rows = 3000
        let weight = randomValues(channels, seed: 1)
        expectRowwiseIdentical("rmsnorm", rows: rows, inputWidth: channels, outputWidth: channels) { out, inp, first, n in
            var rstd = [Float](repeating: 0, count: n)
            rmsNormForward(out: out, rstd: &rstd, inp: inp, weight: weight, rows: n, channels: channels, eps: 1e-6)
        }
        expectRowwiseIdentical("swiglu", rows: rows, inputWidth: 2 * channels, outputWidth: channels) { out, inp, first, n in
            swiGLUForward(out: out, gateUp: inp, rows: n, hidden: channels)
        }
        let dout = randomValues(rows * channels, seed: 2)
        dout.withUnsafeBufferPointer { doutPointer in
            expectRowwiseIdentical("swiglu backward", rows: rows, inputWidth: 2 * channels, outputWidth: 2 * channels) { out, inp, first, n in
                swiGLUBackward(dGateUp: out, dout: doutPointer.baseAddress! + first * channels, gateUp: inp, rows: n, hidden: channels)
            }
        }
        let positions = (0..<rows).map { Int32($0 % 700) }
        var cosTable = [Float](repeating: 0, count: rows * 8)
        var sinTable = [Float](repeating: 0, count: rows * 8)
        ropeTables(cos: &cosTable, sin: &sinTable, positions: positions, rows: rows, headDim: 16, theta: 10000)
        cosTable.withUnsafeBufferPointer { cosPointer in
            sinTable.withUnsafeBufferPointer { sinPointer in
                expectRowwiseIdentical("rope", rows: rows, inputWidth: channels, outputWidth: channels) { out, inp, first, n in
                    out.update(from: inp, count: n * channels)
                    ropeForward(x: out, rowStride: channels, heads: 4, headDim: 16,
                                cos: cosPointer.baseAddress! + first * 8, sin: sinPointer.baseAddress! + first * 8, rows: n)
                }
            }
        }
        let vocab = 300
        expectRowwiseIdentical("token log-prob", rows: 400, inputWidth: vocab, outputWidth: vocab + 2) { out, inp, first, n in
            // out row: [softmax (vocab) | lse | logProb]; targets fixed per row.
            var logits = Array(UnsafeBufferPointer(start: inp, count: n * vocab))
            var lse = [Float](repeating: 0, count: n)
            var logProb = [Float](repeating: 0, count: n)
            let targets = (0..<n).map { Int32((($0 + first) * 7) % vocab) }
            tokenLogProbForward(logProb: &logProb, lse: &lse, logitsToProbabilities: &logits, targets: targets, rows: n, vocab: vocab)
            for m in 0..<n {
                for v in 0..<vocab { out[m * (vocab + 2) + v] = logits[m * vocab + v] }
                out[m * (vocab + 2) + vocab] = lse[m]
                out[m * (vocab + 2) + vocab + 1] = logProb[m]
            }
        }
    }

    @Test("rmsnorm backward (rows split for dinp, channels split for dweight) and AdamW give sequential bits")
    func reductionsAndOptimizer() throws {
        let channels = 64, rows = 3000
        let x = randomValues(rows * channels, seed: 3)
        let dy = randomValues(rows * channels, seed: 4)
        let weight = randomValues(channels, seed: 5)
        var rstd = [Float](repeating: 0, count: rows)
        var normed = [Float](repeating: 0, count: rows * channels)
        rmsNormForward(out: &normed, rstd: &rstd, inp: x, weight: weight, rows: rows, channels: channels, eps: 1e-6)
        var dxTogether = [Float](repeating: 0, count: rows * channels), dwTogether = [Float](repeating: 0, count: channels)
        rmsNormBackward(dinp: &dxTogether, dweight: &dwTogether, dout: dy, inp: x, weight: weight, rstd: rstd, rows: rows, channels: channels)
        var dxAlone = [Float](repeating: 0, count: rows * channels), dwAlone = [Float](repeating: 0, count: channels)
        x.withUnsafeBufferPointer { xp in dy.withUnsafeBufferPointer { dyp in rstd.withUnsafeBufferPointer { rp in
            dxAlone.withUnsafeMutableBufferPointer { dxp in
                for n in 0..<rows {
                    rmsNormBackward(dinp: dxp.baseAddress! + n * channels, dweight: &dwAlone, dout: dyp.baseAddress! + n * channels,
                                    inp: xp.baseAddress! + n * channels, weight: weight, rstd: rp.baseAddress! + n, rows: 1, channels: channels)
                }
            }
        } } }
        #expect(zip(dxTogether, dxAlone).allSatisfy { $0.bitPattern == $1.bitPattern })
        #expect(zip(dwTogether, dwAlone).allSatisfy { $0.bitPattern == $1.bitPattern })

        let count = 100_000, piece = 1000
        let gradients = randomValues(count, seed: 6)
        var together = randomValues(count, seed: 7)
        var pieces = together
        let whole = AdamW(config: AdamWConfig(weightDecay: 0.1), parameterCount: count)
        let parts = (0..<(count / piece)).map { _ in AdamW(config: AdamWConfig(weightDecay: 0.1), parameterCount: piece) }
        for _ in 0..<3 {
            try together.withUnsafeMutableBufferPointer { p in
                try gradients.withUnsafeBufferPointer { g in try whole.step(parameters: p, gradients: g, decayRanges: [0..<count], learningRate: 1e-2) }
            }
            for (k, part) in parts.enumerated() {
                try pieces.withUnsafeMutableBufferPointer { p in
                    try gradients.withUnsafeBufferPointer { g in
                        try part.step(parameters: UnsafeMutableBufferPointer(rebasing: p[(k * piece)..<((k + 1) * piece)]),
                                      gradients: UnsafeBufferPointer(rebasing: g[(k * piece)..<((k + 1) * piece)]),
                                      decayRanges: [0..<piece], learningRate: 1e-2)
                    }
                }
            }
        }
        #expect(zip(together, pieces).allSatisfy { $0.bitPattern == $1.bitPattern })
    }

    @Test("attention with many rows per block (parallel softmax) matches the definition")
    func attentionParallel() {
        let heads = 2, kvHeads = 1, headDim = 8, rows = 300
        let q = randomValues(rows * heads * headDim, seed: 31)
        let k = randomValues(rows * kvHeads * headDim, seed: 32)
        let v = randomValues(rows * kvHeads * headDim, seed: 33)
        var out = [Float](repeating: 0, count: rows * heads * headDim)
        var scratch = [Float](repeating: 0, count: attentionBlockRows * rows)
        attentionForward(out: &out, outStride: heads * headDim, lse: nil, lseStride: heads,
                         q: q, qStride: heads * headDim, k: k, kStride: kvHeads * headDim, v: v, vStride: kvHeads * headDim,
                         queryCount: rows, keyCount: rows, queryOffset: 0,
                         heads: heads, kvHeads: kvHeads, headDim: headDim, scratch: &scratch)
        let expected = OpsGradientTests().referenceAttention(q: q, k: k, v: v, queries: rows, keys: rows, offset: 0,
                                                             heads: heads, kvHeads: kvHeads, headDim: headDim)
        let worst = zip(out, expected).map { abs(Double($0) - $1) }.max()!
        #expect(worst < 1e-5, "max error \(worst)")
    }
}
