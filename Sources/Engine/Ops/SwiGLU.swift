// The gated activation of Qwen2's MLP: act = silu(gate) · up, silu(g) = g·σ(g). The gate and up
// projections are computed by one sgemm into a single [N, 2I] buffer laid out [gate | up].

/// out[N, I] = silu(gateUp[n, 0..<I]) · gateUp[n, I..<2I].
func swiGLUForward(out: UnsafeMutablePointer<Float>, gateUp: UnsafePointer<Float>, rows: Int, hidden: Int) {
    parallelRows(rows, costPerRow: 20 * hidden) { range in
        for n in range {
            let gate = gateUp + n * 2 * hidden
            let up = gate + hidden
            let y = out + n * hidden
            for i in 0..<hidden {
                let g = gate[i]
                y[i] = g * fastSigmoid(g) * up[i]
            }
        }
    }
}

/// Backward of `swiGLUForward` given dout[N, I]; writes dGateUp[N, 2I]:
///   dgate = dout·up·σ(g)·(1 + g·(1 − σ(g))),   dup = dout·silu(g).
func swiGLUBackward(
    dGateUp: UnsafeMutablePointer<Float>,
    dout: UnsafePointer<Float>,
    gateUp: UnsafePointer<Float>,
    rows: Int, hidden: Int
) {
    parallelRows(rows, costPerRow: 25 * hidden) { range in
        for n in range {
            let gate = gateUp + n * 2 * hidden
            let up = gate + hidden
            let dGate = dGateUp + n * 2 * hidden
            let dUp = dGate + hidden
            let dy = dout + n * hidden
            for i in 0..<hidden {
                let g = gate[i]
                let sigmoid = fastSigmoid(g)
                dGate[i] = dy[i] * up[i] * sigmoid * (1 + g * (1 - sigmoid))
                dUp[i] = dy[i] * g * sigmoid
            }
        }
    }
}
