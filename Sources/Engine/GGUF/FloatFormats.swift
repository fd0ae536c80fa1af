// The unquantised element formats, as one-element "blocks":
//
//   F32   float    (4 bytes, IEEE binary32, little-endian)
//   F16   ggml_half (2 bytes, IEEE binary16): widened exactly, as numpy's astype(float32)
//   BF16  ggml_bf16 (2 bytes, the top half of a binary32): value bits = bf16 << 16
//
// NaN payloads are kept bit for bit.

/// ggml's F32: a little-endian float32.
enum F32Element: GGMLBlockFormat {
    static let elementCount = 1
    static let byteCount = 4

    @inline(__always)
    static func dequantize(_ block: UnsafeRawPointer, into values: UnsafeMutablePointer<Float>) {
        values[0] = Float(bitPattern: UInt32(littleEndian: block.loadUnaligned(as: UInt32.self)))
    }
}

/// ggml's F16: an IEEE half.
enum F16Element: GGMLBlockFormat {
    static let elementCount = 1
    static let byteCount = 2

    @inline(__always)
    static func dequantize(_ block: UnsafeRawPointer, into values: UnsafeMutablePointer<Float>) {
        values[0] = block.loadHalf(at: 0)
    }
}

/// ggml's BF16: bfloat16, the top 16 bits of a float32.
enum BF16Element: GGMLBlockFormat {
    static let elementCount = 1
    static let byteCount = 2

    @inline(__always)
    static func dequantize(_ block: UnsafeRawPointer, into values: UnsafeMutablePointer<Float>) {
        values[0] = HalfPrecision.floatFromBFloat16(UInt16(littleEndian: block.loadUnaligned(as: UInt16.self)))
    }
}
