// Rotary position embedding, Hugging Face's half-split ("rotate_half") convention: within a head of
// size d, element i pairs with element i + d/2 and the pair is rotated by position · inv_freq[i],
// inv_freq[i] = 1 / theta^(2i/d). Angles are formed in float32 as HF does, so positions far into the
// context round the same way.

import Foundation

/// cos[N, d/2], sin[N, d/2] for the position of each row.
func ropeTables(
    cos cosTable: UnsafeMutablePointer<Float>,
    sin sinTable: UnsafeMutablePointer<Float>,
    positions: UnsafePointer<Int32>,
    rows: Int, headDim: Int, theta: Float
) {
    let half = headDim / 2
    var inverseFrequency = [Float](repeating: 0, count: half)
    for i in 0..<half {
        let exponent = Float(2 * i) / Float(headDim)
        inverseFrequency[i] = 1 / Float(pow(Double(theta), Double(exponent)))
    }
    for n in 0..<rows {
        let position = Float(positions[n])
        for i in 0..<half {
            let angle = position * inverseFrequency[i]
            cosTable[n * half + i] = cos(angle)
            sinTable[n * half + i] = sin(angle)
        }
    }
}

/// Rotates, in place, `heads` consecutive heads of size d in each of N rows (row stride
/// `rowStride`): for i < d/2, (x1, x2) = (x[i], x[i + d/2]) becomes
/// (x1·cos − x2·sin, x2·cos + x1·sin).
func ropeForward(
    x: UnsafeMutablePointer<Float>, rowStride: Int,
    heads: Int, headDim: Int,
    cos cosTable: UnsafePointer<Float>, sin sinTable: UnsafePointer<Float>,
    rows: Int
) {
    rotateHalves(x, rowStride: rowStride, heads: heads, headDim: headDim, cos: cosTable, sin: sinTable, sinSign: 1, rows: rows)
}

/// Backward of `ropeForward`, in place on the gradient: the rotation is orthogonal, so the
/// gradient is rotated by the opposite angle, (dx1, dx2) = (dy1·cos + dy2·sin, dy2·cos − dy1·sin).
func ropeBackward(
    dx: UnsafeMutablePointer<Float>, rowStride: Int,
    heads: Int, headDim: Int,
    cos cosTable: UnsafePointer<Float>, sin sinTable: UnsafePointer<Float>,
    rows: Int
) {
    rotateHalves(dx, rowStride: rowStride, heads: heads, headDim: headDim, cos: cosTable, sin: sinTable, sinSign: -1, rows: rows)
}

/// The rotation of both directions: by the table's angle (`sinSign` 1) or its opposite (−1,
/// sin(−θ) = −sin θ). Negating a product is exact, so each direction rounds as if written out.
private func rotateHalves(
    _ v0: UnsafeMutablePointer<Float>, rowStride: Int, heads: Int, headDim: Int,
    cos cosTable: UnsafePointer<Float>, sin sinTable: UnsafePointer<Float>, sinSign: Float, rows: Int
) {
    let half = headDim / 2
    parallelRows(rows, costPerRow: 3 * heads * headDim) { range in
        for n in range {
            let c = cosTable + n * half
            let s = sinTable + n * half
            for h in 0..<heads {
                let v = v0 + n * rowStride + h * headDim
                for i in 0..<half {
                    let x1 = v[i]
                    let x2 = v[i + half]
                    let sine = sinSign * s[i]
                    v[i] = x1 * c[i] - x2 * sine
                    v[i + half] = x2 * c[i] + x1 * sine
                }
            }
        }
    }
}
