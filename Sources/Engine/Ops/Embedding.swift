// Token embedding lookup. The backward scatters row gradients into the table in row order, so
// repeated tokens accumulate in a fixed, reproducible order.

/// out[N, C] = table[tokens[n], :].
func embeddingForward(
    out: UnsafeMutablePointer<Float>,
    tokens: UnsafePointer<Int32>,
    table: UnsafePointer<Float>,
    rows: Int, channels: Int
) {
    for n in 0..<rows {
        (out + n * channels).update(from: table + Int(tokens[n]) * channels, count: channels)
    }
}

/// dtable[tokens[n], :] += dout[n, :].
func embeddingBackward(
    dtable: UnsafeMutablePointer<Float>,
    dout: UnsafePointer<Float>,
    tokens: UnsafePointer<Int32>,
    rows: Int, channels: Int
) {
    for n in 0..<rows {
        let destination = dtable + Int(tokens[n]) * channels
        let source = dout + n * channels
        for c in 0..<channels { destination[c] += source[c] }
    }
}
