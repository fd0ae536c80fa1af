// Finite-difference checks of every op's backward, each op on its own. The objective is a random
// linear functional of the op's output, L = Σ r ⊙ out (accumulated in float64), so the backward is
// called with dout = r; each input's analytic gradient is compared with central differences along
// random directions: (L(x + h·u) − L(x − h·u)) / 2h against ⟨∇L, u⟩.

import Basics
import Foundation
import Testing
@testable import Engine

// MARK: Shared helpers (used by the other gradient test files too)

/// `count` values from N(0, scale²), reproducible from `seed`.
func randomValues(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
    var rng = Xoshiro256StarStar(seed: seed)
    return (0..<count).map { _ in Float(rng.nextNormal()) * scale }
}

/// Σ a·b in float64.
func dot(_ a: [Float], _ b: [Float]) -> Double {
    precondition(a.count == b.count)
    var sum: Double = 0
    for i in a.indices { sum += Double(a[i]) * Double(b[i]) }
    return sum
}

/// Checks ⟨analytic, u⟩ against central differences of `objective` around `point` along a few
/// random unit directions u. Records an issue naming `label` when the relative error exceeds
/// `tolerance` (relative to the larger magnitude, with a small absolute floor). With `richardson`
/// the differences at h and h/2 are combined, (4·D(h/2) − D(h)) / 3, cancelling the h² truncation
/// term: float32 noise forbids a small h on a whole network, and a large h alone is too coarse.
func checkDirectionalDerivatives(
    _ label: String,
    point: [Float], analytic: [Float],
    step: Float = 1e-2, directions: Int = 3, tolerance: Double = 1e-2, absoluteFloor: Double = 1e-4,
    richardson: Bool = false,
    seed: UInt64 = 99,
    sourceLocation: SourceLocation = #_sourceLocation,
    objective: ([Float]) -> Double
) {
    precondition(point.count == analytic.count)
    for k in 0..<directions {
        var direction = randomValues(point.count, seed: seed &+ UInt64(k) &* 7919)
        let norm = Float(dot(direction, direction).squareRoot())
        direction = direction.map { $0 / norm }
        func centralDifference(_ h: Float) -> Double {
            let plus = zip(point, direction).map { $0 + h * $1 }
            let minus = zip(point, direction).map { $0 - h * $1 }
            return (objective(plus) - objective(minus)) / (2 * Double(h))
        }
        let numeric = richardson
            ? (4 * centralDifference(step / 2) - centralDifference(step)) / 3
            : centralDifference(step)
        let exact = dot(analytic, direction)
        let error = abs(numeric - exact)
        let scale = max(abs(numeric), abs(exact))
        #expect(error <= tolerance * scale + absoluteFloor,
                "\(label): direction \(k) finite difference \(numeric) vs analytic \(exact)",
                sourceLocation: sourceLocation)
    }
}

/// Calls `body` with mutable pointers to the arrays' storage.
func withPointers<R>(_ a: inout [Float], _ body: (UnsafeMutablePointer<Float>) -> R) -> R {
    a.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
}

// MARK: Op tests

@Suite("Op gradients (finite differences)")
struct OpsGradientTests {
    @Test("linear: dinp, dweight, dbias")
    func linear() {
        let rows = 5, inFeatures = 7, outFeatures = 6
        let x0 = randomValues(rows * inFeatures, seed: 1)
        let w0 = randomValues(outFeatures * inFeatures, seed: 2, scale: 0.5)
        let b0 = randomValues(outFeatures, seed: 3)
        let r = randomValues(rows * outFeatures, seed: 4)
        func objective(_ x: [Float], _ w: [Float], _ b: [Float]) -> Double {
            var out = [Float](repeating: 0, count: rows * outFeatures)
            linearForward(out: &out, inp: x, weight: w, bias: b, rows: rows, inFeatures: inFeatures, outFeatures: outFeatures)
            return dot(out, r)
        }
        var dx = [Float](repeating: 0, count: x0.count)
        var dw = [Float](repeating: 0, count: w0.count)
        var db = [Float](repeating: 0, count: b0.count)
        linearBackward(dinp: &dx, accumulateInput: false, dweight: &dw, dbias: &db, dout: r, inp: x0, weight: w0,
                       rows: rows, inFeatures: inFeatures, outFeatures: outFeatures)
        checkDirectionalDerivatives("linear dinp", point: x0, analytic: dx) { objective($0, w0, b0) }
        checkDirectionalDerivatives("linear dweight", point: w0, analytic: dw) { objective(x0, $0, b0) }
        checkDirectionalDerivatives("linear dbias", point: b0, analytic: db) { objective(x0, w0, $0) }
    }

    @Test("rmsnorm: dinp, dweight")
    func rmsNorm() {
        let rows = 4, channels = 9
        let x0 = randomValues(rows * channels, seed: 5)
        let w0 = randomValues(channels, seed: 6).map { 1 + 0.3 * $0 }
        let r = randomValues(rows * channels, seed: 7)
        func objective(_ x: [Float], _ w: [Float]) -> Double {
            var out = [Float](repeating: 0, count: rows * channels)
            var rstd = [Float](repeating: 0, count: rows)
            rmsNormForward(out: &out, rstd: &rstd, inp: x, weight: w, rows: rows, channels: channels, eps: 1e-6)
            return dot(out, r)
        }
        var out = [Float](repeating: 0, count: rows * channels)
        var rstd = [Float](repeating: 0, count: rows)
        rmsNormForward(out: &out, rstd: &rstd, inp: x0, weight: w0, rows: rows, channels: channels, eps: 1e-6)
        var dx = [Float](repeating: 0, count: x0.count)
        var dw = [Float](repeating: 0, count: w0.count)
        rmsNormBackward(dinp: &dx, dweight: &dw, dout: r, inp: x0, weight: w0, rstd: rstd, rows: rows, channels: channels)
        checkDirectionalDerivatives("rmsnorm dinp", point: x0, analytic: dx) { objective($0, w0) }
        checkDirectionalDerivatives("rmsnorm dweight", point: w0, analytic: dw) { objective(x0, $0) }
        // The forward itself against the formula x / sqrt(mean(x²) + eps) · w.
        for n in 0..<rows {
            let row = x0[(n * channels)..<((n + 1) * channels)]
            let meanSquare = row.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(channels)
            for (c, value) in row.enumerated() {
                let expected = Double(value) / (meanSquare + 1e-6).squareRoot() * Double(w0[c])
                #expect(abs(Double(out[n * channels + c]) - expected) < 1e-5)
            }
        }
    }

    @Test("rope: half-split convention and backward")
    func rope() {
        let rows = 3, heads = 2, headDim = 8, stride = heads * headDim + 3
        let positions: [Int32] = [0, 5, 1000]
        var cosTable = [Float](repeating: 0, count: rows * headDim / 2)
        var sinTable = [Float](repeating: 0, count: rows * headDim / 2)
        ropeTables(cos: &cosTable, sin: &sinTable, positions: positions, rows: rows, headDim: headDim, theta: 10000)
        // A unit vector at element i rotates into element i + d/2 by angle position · theta^(−2i/d).
        var unit = [Float](repeating: 0, count: rows * stride)
        for n in 0..<rows { unit[n * stride + headDim + 1] = 1 }  // head 1, element 1
        ropeForward(x: &unit, rowStride: stride, heads: heads, headDim: headDim, cos: cosTable, sin: sinTable, rows: rows)
        for n in 0..<rows {
            let angle = Double(positions[n]) * pow(10000, -2.0 / 8.0)
            #expect(abs(Double(unit[n * stride + headDim + 1]) - cos(angle)) < 1e-4)
            #expect(abs(Double(unit[n * stride + headDim + 1 + headDim / 2]) - sin(angle)) < 1e-4)
            #expect(unit[n * stride + headDim + 2] == 0)
        }
        let x0 = randomValues(rows * stride, seed: 8)
        let r = randomValues(rows * stride, seed: 9)
        func objective(_ x: [Float]) -> Double {
            var y = x
            ropeForward(x: &y, rowStride: stride, heads: heads, headDim: headDim, cos: cosTable, sin: sinTable, rows: rows)
            return dot(y, r)
        }
        var dx = r
        ropeBackward(dx: &dx, rowStride: stride, heads: heads, headDim: headDim, cos: cosTable, sin: sinTable, rows: rows)
        checkDirectionalDerivatives("rope", point: x0, analytic: dx, objective: objective)
    }

    @Test("swiglu: dgate, dup")
    func swiGLU() {
        let rows = 3, hidden = 10
        let x0 = randomValues(rows * 2 * hidden, seed: 10, scale: 2)
        let r = randomValues(rows * hidden, seed: 11)
        func objective(_ x: [Float]) -> Double {
            var out = [Float](repeating: 0, count: rows * hidden)
            swiGLUForward(out: &out, gateUp: x, rows: rows, hidden: hidden)
            return dot(out, r)
        }
        var dx = [Float](repeating: 0, count: x0.count)
        swiGLUBackward(dGateUp: &dx, dout: r, gateUp: x0, rows: rows, hidden: hidden)
        checkDirectionalDerivatives("swiglu", point: x0, analytic: dx, step: 1e-3, objective: objective)
    }

    @Test("embedding: dtable with repeated tokens")
    func embedding() {
        let vocab = 6, channels = 4
        let tokens: [Int32] = [2, 0, 2, 5, 2]
        let table0 = randomValues(vocab * channels, seed: 12)
        let r = randomValues(tokens.count * channels, seed: 13)
        func objective(_ table: [Float]) -> Double {
            var out = [Float](repeating: 0, count: tokens.count * channels)
            embeddingForward(out: &out, tokens: tokens, table: table, rows: tokens.count, channels: channels)
            return dot(out, r)
        }
        var dtable = [Float](repeating: 0, count: table0.count)
        embeddingBackward(dtable: &dtable, dout: r, tokens: tokens, rows: tokens.count, channels: channels)
        checkDirectionalDerivatives("embedding", point: table0, analytic: dtable, objective: objective)
        #expect(dtable[(1 * channels)..<(2 * channels)].allSatisfy { $0 == 0 }, "unused rows get no gradient")
    }

    @Test("token log-probability: dlogits with per-row weights")
    func tokenLogProb() {
        let rows = 4, vocab = 7
        let logits0 = randomValues(rows * vocab, seed: 14, scale: 2)
        let targets: [Int32] = [3, -1, 0, 6]
        let weights: [Float] = [0.7, 0.4, -1.3, 2]
        func objective(_ logits: [Float]) -> Double {
            var logProb = [Float](repeating: 0, count: rows)
            var lse = [Float](repeating: 0, count: rows)
            var work = logits
            tokenLogProbForward(logProb: &logProb, lse: &lse, logitsToProbabilities: &work, targets: targets, rows: rows, vocab: vocab)
            return dot(logProb, weights)
        }
        var logProb = [Float](repeating: 0, count: rows)
        var lse = [Float](repeating: 0, count: rows)
        var gradient = logits0
        tokenLogProbForward(logProb: &logProb, lse: &lse, logitsToProbabilities: &gradient, targets: targets, rows: rows, vocab: vocab)
        #expect(logProb[1] == 0, "a row without target scores 0")
        let row0 = logits0[0..<vocab].map { Double($0) }
        let expected = row0[3] - log(row0.map { exp($0) }.reduce(0, +))
        #expect(abs(Double(logProb[0]) - expected) < 1e-5)
        #expect(abs(Double(lse[0]) - log(row0.map { exp($0) }.reduce(0, +))) < 1e-5)
        // The buffer now holds each row's softmax.
        #expect(abs(Double(gradient[3]) - exp(expected)) < 1e-6)
        tokenLogProbBackward(probabilitiesToGradient: &gradient, targets: targets, weights: weights, rows: rows, vocab: vocab)
        checkDirectionalDerivatives("token log-prob", point: logits0, analytic: gradient, objective: objective)
        #expect(gradient[vocab..<(2 * vocab)].allSatisfy { $0 == 0 })
    }

    /// Naive causal GQA attention in float64, from the definition.
    func referenceAttention(q: [Float], k: [Float], v: [Float], queries: Int, keys: Int, offset: Int,
                            heads: Int, kvHeads: Int, headDim: Int) -> [Double] {
        var out = [Double](repeating: 0, count: queries * heads * headDim)
        for h in 0..<heads {
            let g = h / (heads / kvHeads)
            for i in 0..<queries {
                let visible = offset + i + 1
                var scores = [Double](repeating: 0, count: visible)
                for j in 0..<visible {
                    var s: Double = 0
                    for c in 0..<headDim {
                        s += Double(q[i * heads * headDim + h * headDim + c]) * Double(k[j * kvHeads * headDim + g * headDim + c])
                    }
                    scores[j] = s / Double(headDim).squareRoot()
                }
                let maximum = scores.max()!
                let e = scores.map { exp($0 - maximum) }
                let sum = e.reduce(0, +)
                for j in 0..<visible {
                    for c in 0..<headDim {
                        out[i * heads * headDim + h * headDim + c] += e[j] / sum * Double(v[j * kvHeads * headDim + g * headDim + c])
                    }
                }
            }
        }
        return out
    }

    @Test("attention forward matches the definition (several blocks, GQA, query offset)")
    func attentionForwardReference() {
        let heads = 4, kvHeads = 2, headDim = 4
        for (queries, keys) in [(70, 70), (3, 75), (1, 9)] {
            let offset = keys - queries
            let q = randomValues(queries * heads * headDim, seed: 15)
            let k = randomValues(keys * kvHeads * headDim, seed: 16)
            let v = randomValues(keys * kvHeads * headDim, seed: 17)
            var out = [Float](repeating: 0, count: queries * heads * headDim)
            var scratch = [Float](repeating: 0, count: attentionBlockRows * keys)
            attentionForward(out: &out, outStride: heads * headDim, lse: nil, lseStride: heads,
                             q: q, qStride: heads * headDim, k: k, kStride: kvHeads * headDim, v: v, vStride: kvHeads * headDim,
                             queryCount: queries, keyCount: keys, queryOffset: offset,
                             heads: heads, kvHeads: kvHeads, headDim: headDim, scratch: &scratch)
            let expected = referenceAttention(q: q, k: k, v: v, queries: queries, keys: keys, offset: offset,
                                              heads: heads, kvHeads: kvHeads, headDim: headDim)
            let worst = zip(out, expected).map { abs(Double($0) - $1) }.max()!
            #expect(worst < 1e-5, "queries \(queries) keys \(keys): max error \(worst)")
        }
    }

    @Test("attention backward: dq, dk, dv (strided q|k|v rows, two query blocks)")
    func attentionBackward() {
        let heads = 4, kvHeads = 2, headDim = 4, rows = 67
        let qWidth = heads * headDim, kvWidth = kvHeads * headDim, stride = qWidth + 2 * kvWidth
        let qkv0 = randomValues(rows * stride, seed: 18)
        let r = randomValues(rows * qWidth, seed: 19)
        func run(_ qkv: [Float], lse: inout [Float]) -> [Float] {
            var out = [Float](repeating: 0, count: rows * qWidth)
            var scratch = [Float](repeating: 0, count: attentionBlockRows * rows)
            qkv.withUnsafeBufferPointer { p in
                let base = p.baseAddress!
                attentionForward(out: &out, outStride: qWidth, lse: &lse, lseStride: heads,
                                 q: base, qStride: stride, k: base + qWidth, kStride: stride, v: base + qWidth + kvWidth, vStride: stride,
                                 queryCount: rows, keyCount: rows, queryOffset: 0,
                                 heads: heads, kvHeads: kvHeads, headDim: headDim, scratch: &scratch)
            }
            return out
        }
        var lse = [Float](repeating: 0, count: rows * heads)
        let out = run(qkv0, lse: &lse)
        var dqkv = [Float](repeating: 0, count: rows * stride)
        var scratchP = [Float](repeating: 0, count: attentionBlockRows * rows)
        var scratchDP = [Float](repeating: 0, count: attentionBlockRows * rows)
        qkv0.withUnsafeBufferPointer { p in
            dqkv.withUnsafeMutableBufferPointer { d in
                let base = p.baseAddress!, dBase = d.baseAddress!
                Engine.attentionBackward(
                    dq: dBase, dqStride: stride, dk: dBase + qWidth, dkStride: stride, dv: dBase + qWidth + kvWidth, dvStride: stride,
                    dout: r, doutStride: qWidth, out: out, outStride: qWidth, lse: lse, lseStride: heads,
                    q: base, qStride: stride, k: base + qWidth, kStride: stride, v: base + qWidth + kvWidth, vStride: stride,
                    queryCount: rows, keyCount: rows, queryOffset: 0,
                    heads: heads, kvHeads: kvHeads, headDim: headDim, scratchP: &scratchP, scratchDP: &scratchDP)
            }
        }
        // Check q, k and v blocks separately by restricting directions to each block.
        for (label, range) in [("dq", 0..<qWidth), ("dk", qWidth..<(qWidth + kvWidth)), ("dv", (qWidth + kvWidth)..<stride)] {
            var mask = [Float](repeating: 0, count: rows * stride)
            for n in 0..<rows { for c in range { mask[n * stride + c] = 1 } }
            let analytic = zip(dqkv, mask).map { $0 * $1 }
            checkDirectionalDerivatives("attention \(label)", point: [Float](repeating: 0, count: rows * stride), analytic: analytic, step: 1e-2) { delta in
                var scratchLSE = [Float](repeating: 0, count: rows * heads)
                let moved = (0..<qkv0.count).map { qkv0[$0] + delta[$0] * mask[$0] }
                return dot(run(moved, lse: &scratchLSE), r)
            }
        }
    }

    @Test("fast exp, max and sum agree with libm and plain loops")
    func vectorMath() {
        var values = (0..<1000).map { Float($0) * 0.19 - 95 }  // −95 … 94.8, past both clamps
        values += [0, -0.0, 1e-8, -1e-8, 0.5, -0.34657359]
        var worst = 0.0
        for x in values where x > -87 && x < 88 {
            let relative = abs(Double(fastExp(x)) - exp(Double(x))) / exp(Double(x))
            worst = max(worst, relative)
        }
        #expect(worst < 5e-7, "max relative error of exp: \(worst)")
        #expect(fastExp(-200) < 1e-37 && fastExp(-200) >= 0)
        #expect(fastExp(0) == 1)
        // Lengths around the 16-lane width exercise the partial tails.
        for n in [1, 15, 16, 17, 40] {
            var x = randomValues(n, seed: UInt64(n), scale: 3)
            let maximum = x.withUnsafeBufferPointer { vectorMax($0.baseAddress!, n) }
            #expect(maximum == x.max()!)
            let expected = x.map { exp(Double($0 - maximum)) }
            let sum = x.withUnsafeMutableBufferPointer { pointer in
                vectorExpInPlace(pointer.baseAddress!, n, shift: maximum)
                return vectorSum(pointer.baseAddress!, n)
            }
            #expect(abs(Double(sum) - expected.reduce(0, +)) < 1e-5 * expected.reduce(0, +))
            for i in 0..<n { #expect(abs(Double(x[i]) - expected[i]) < 1e-6 * max(1, expected[i])) }
        }
        // A softmax over a large vocabulary: a few terms near 1 and many below half an ulp of the
        // running sum. Float partial sums would drop all of them (8.0); the sum keeps them.
        let terms = [Float](repeating: 1, count: 8) + [Float](repeating: 3e-8, count: 800_000)
        let sum = terms.withUnsafeBufferPointer { vectorSum($0.baseAddress!, $0.count) }
        #expect(abs(Double(sum) - (8 + 800_000 * Double(Float(3e-8)))) < 1e-6, "\(sum)")
    }

    @Test("lora linear: dx, dA, dB")
    func loraLinear() {
        let rows = 6, inFeatures = 5, outFeatures = 4, rank = 3, width = 9, column = 2
        let scaling: Float = 16.0 / 3.0
        let x0 = randomValues(rows * inFeatures, seed: 20)
        let a0 = randomValues(rank * inFeatures, seed: 21, scale: 0.4)
        let b0 = randomValues(outFeatures * rank, seed: 22, scale: 0.4)
        let r = randomValues(rows * width, seed: 23)
        func objective(_ x: [Float], _ a: [Float], _ b: [Float]) -> Double {
            var y = [Float](repeating: 0, count: rows * width)
            var u = [Float](repeating: 0, count: rows * rank)
            y.withUnsafeMutableBufferPointer { yp in
                loraForward(y: yp.baseAddress! + column, yStride: width, u: &u, x: x, a: a, b: b, scaling: scaling,
                            rows: rows, inFeatures: inFeatures, outFeatures: outFeatures, rank: rank)
            }
            return dot(y, r)
        }
        var y = [Float](repeating: 0, count: rows * width)
        var u = [Float](repeating: 0, count: rows * rank)
        y.withUnsafeMutableBufferPointer { yp in
            loraForward(y: yp.baseAddress! + column, yStride: width, u: &u, x: x0, a: a0, b: b0, scaling: scaling,
                        rows: rows, inFeatures: inFeatures, outFeatures: outFeatures, rank: rank)
        }
        #expect(y[0..<column].allSatisfy { $0 == 0 }, "columns outside the block stay untouched")
        var dx = [Float](repeating: 0, count: x0.count)
        var da = [Float](repeating: 0, count: a0.count)
        var db = [Float](repeating: 0, count: b0.count)
        var du = [Float](repeating: 0, count: rows * rank)
        r.withUnsafeBufferPointer { rp in
            Engine.loraBackward(dx: &dx, da: &da, db: &db, du: &du, dy: rp.baseAddress! + column, dyStride: width, u: u, x: x0,
                                a: a0, b: b0, scaling: scaling, rows: rows, inFeatures: inFeatures, outFeatures: outFeatures, rank: rank)
        }
        checkDirectionalDerivatives("lora dx", point: x0, analytic: dx) { objective($0, a0, b0) }
        checkDirectionalDerivatives("lora dA", point: a0, analytic: da) { objective(x0, $0, b0) }
        checkDirectionalDerivatives("lora dB", point: b0, analytic: db) { objective(x0, a0, $0) }
    }
}
