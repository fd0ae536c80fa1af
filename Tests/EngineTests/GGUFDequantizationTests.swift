import Foundation
import Testing
@testable import Engine
import TestKit

/// Each block format against values computed by hand from its byte layout. The scales are chosen
/// so every expected value is exact (a small integer times a half with few mantissa bits), so the
/// expectations do not depend on rounding; bit-exactness where rounding matters is checked
/// against gguf-py by scripts/parity/gguf_parity.py.
@Suite struct GGUFDequantizationTests {
    static func dequantize(_ type: GGMLType, _ data: [UInt8], count: Int) throws -> [Float] {
        try #require(data.withUnsafeBytes { GGUFDequantizer.dequantize($0, type: type, count: count) })
    }

    static func bits(_ values: [Float]) -> [UInt32] { values.map(\.bitPattern) }

    @Test func f32KeepsEveryBit() throws {
        let values: [Float] = [1.5, -0.0, .infinity, Float(bitPattern: 0x7FC0_0001), Float(bitPattern: 1)]
        #expect(Self.bits(try Self.dequantize(.f32, GGUFTestWriter.floats(values), count: 5)) == Self.bits(values))
    }

    @Test func f16WidensExactly() throws {
        let halves: [UInt16] = [0x3C00, 0xC100, 0x7BFF, 0x0001, 0x8000, 0x7C00, 0x3555]
        let values = try Self.dequantize(.f16, halves.flatMap(GGUFTestWriter.half), count: halves.count)
        #expect(Self.bits(values) == Self.bits([1, -2.5, 65504, 5.960464477539063e-08, -0.0, .infinity, 0.333251953125]))
    }

    @Test func bf16IsTheTopHalfOfAFloat() throws {
        let halves: [UInt16] = [0x3F80, 0xC020, 0x0001, 0x7F80]
        let values = try Self.dequantize(.bf16, halves.flatMap(GGUFTestWriter.half), count: halves.count)
        #expect(Self.bits(values) == [0x3F80_0000, 0xC020_0000, 0x0001_0000, 0x7F80_0000])
    }

    @Test func q8_0IsSignedBytesTimesTheScale() throws {
        // Block 1: d = 0.5, qs = -128, -120, ..., 120. Block 2: d = 0.333251953125, qs = -16 ..< 16.
        let first = (0..<32).map { Int8(truncatingIfNeeded: $0 * 8 - 128) }
        let second = (0..<32).map { Int8($0 - 16) }
        let data = GGUFTestWriter.half(0x3800) + first.map { UInt8(bitPattern: $0) }
            + GGUFTestWriter.half(0x3555) + second.map { UInt8(bitPattern: $0) }
        let values = try Self.dequantize(.q8_0, data, count: 64)
        let firstValues: [Float] = first.map { (q: Int8) -> Float in Float(Double(q) * 0.5) }
        let secondValues: [Float] = second.map { (q: Int8) -> Float in Float(Double(q) * 0.333251953125) }
        let expected = firstValues + secondValues
        #expect(values == expected)
    }

    /// qs[j] holds code j in its low nibble and 15 − j in its high nibble.
    static let nibbles: [UInt8] = (0..<16).map { UInt8($0 | ((15 - $0) << 4)) }

    @Test func q4_0LowNibblesFirstThenHighAroundEight() throws {
        let values = try Self.dequantize(.q4_0, GGUFTestWriter.half(0x4000) + Self.nibbles, count: 32)  // d = 2
        let lowHalf: [Float] = (0..<16).map { (code: Int) -> Float in Float((code - 8) * 2) }
        let highHalf: [Float] = (0..<16).map { (j: Int) -> Float in Float((7 - j) * 2) }
        let expected = lowHalf + highHalf
        #expect(values == expected)
    }

    @Test func q4_1AddsTheMinimum() throws {
        // d = 0.25, m = -1.5
        let values = try Self.dequantize(.q4_1, GGUFTestWriter.half(0x3400) + GGUFTestWriter.half(0xBE00) + Self.nibbles, count: 32)
        let lowHalf: [Float] = (0..<16).map { (code: Int) -> Float in Float(0.25 * Double(code) - 1.5) }
        let highHalf: [Float] = (0..<16).map { (j: Int) -> Float in Float(0.25 * Double(15 - j) - 1.5) }
        let expected = lowHalf + highHalf
        #expect(values == expected)
    }

    /// Eight 6-bit sub-block scales and minimums spanning the range, so the high bits that
    /// sub-blocks 4...7 keep in bytes 0...7 are exercised, and their 12-byte packing.
    static let kScales: [UInt8] = [1, 2, 3, 4, 17, 33, 50, 63]
    static let kMinimums: [UInt8] = [0, 1, 5, 9, 16, 40, 62, 63]
    static var packedKScales: [UInt8] {
        var packed = [UInt8](repeating: 0, count: 12)
        for j in 0..<4 {
            packed[j] = kScales[j] | ((kScales[j + 4] >> 4) << 6)
            packed[j + 4] = kMinimums[j] | ((kMinimums[j + 4] >> 4) << 6)
            packed[j + 8] = (kScales[j + 4] & 0x0F) | ((kMinimums[j + 4] & 0x0F) << 4)
        }
        return packed
    }

    @Test func q4_KUnpacksSixBitScalesAndMinimums() throws {
        // d = 1, dmin = 0.5.
        let (scales, minimums) = (Self.kScales, Self.kMinimums)
        let packed = Self.packedKScales
        func low(_ chunk: Int, _ l: Int) -> Int { (l + chunk) % 16 }
        func high(_ chunk: Int, _ l: Int) -> Int { (3 * l + chunk) % 16 }
        var codes: [UInt8] = []
        for chunk in 0..<4 {
            for l in 0..<32 { codes.append(UInt8(low(chunk, l) | (high(chunk, l) << 4))) }
        }
        let data = GGUFTestWriter.half(0x3C00) + GGUFTestWriter.half(0x3800) + packed + codes
        #expect(data.count == 144)
        let values = try Self.dequantize(.q4_K, data, count: 256)
        var expected: [Float] = []
        for chunk in 0..<4 {
            let (a, b) = (2 * chunk, 2 * chunk + 1)
            for l in 0..<32 {
                expected.append(Float(Double(scales[a]) * Double(low(chunk, l)) - 0.5 * Double(minimums[a])))
            }
            for l in 0..<32 {
                expected.append(Float(Double(scales[b]) * Double(high(chunk, l)) - 0.5 * Double(minimums[b])))
            }
        }
        #expect(values == expected)
    }

    /// 5-bit codes c[i] = (11i + 5) mod 32: low nibbles as in Q4_0, fifth bits in a uint32.
    static let fiveBitCodes: [Int] = (0..<32).map { ($0 * 11 + 5) % 32 }
    static var fiveBitPacking: [UInt8] {
        var high: UInt32 = 0
        for (index, code) in fiveBitCodes.enumerated() { high |= UInt32(code >> 4) << UInt32(index) }
        let low: [UInt8] = (0..<16).map { UInt8((fiveBitCodes[$0] & 0x0F) | ((fiveBitCodes[$0 + 16] & 0x0F) << 4)) }
        return withUnsafeBytes(of: high.littleEndian, Array.init) + low
    }

    @Test func q5_0AddsAFifthBitAroundSixteen() throws {
        let values = try Self.dequantize(.q5_0, GGUFTestWriter.half(0x4000) + Self.fiveBitPacking, count: 32)  // d = 2
        #expect(values == Self.fiveBitCodes.map { (code: Int) -> Float in Float((code - 16) * 2) })
    }

    @Test func q5_1AddsAFifthBitAndTheMinimum() throws {
        // d = 0.25, m = -1.5
        let data = GGUFTestWriter.half(0x3400) + GGUFTestWriter.half(0xBE00) + Self.fiveBitPacking
        let values = try Self.dequantize(.q5_1, data, count: 32)
        #expect(values == Self.fiveBitCodes.map { (code: Int) -> Float in Float(0.25 * Double(code) - 1.5) })
    }

    @Test func q5_KIsQ4_KWithAFifthBitPerSubBlock() throws {
        // d = 1, dmin = 0.5, Q4_K's scales; codes c[e] = (13e + 7) mod 32; sub-block s takes its
        // nibble from qs chunk s/2 (low for even s) and its fifth bit from bit s of qh[l].
        let codes: [Int] = (0..<256).map { ($0 * 13 + 7) % 32 }
        var high = [UInt8](repeating: 0, count: 32)
        var low = [UInt8](repeating: 0, count: 128)
        for subBlock in 0..<8 {
            for l in 0..<32 {
                let code = codes[32 * subBlock + l]
                low[32 * (subBlock / 2) + l] |= UInt8(code & 0x0F) << UInt8(4 * (subBlock % 2))
                high[l] |= UInt8(code >> 4) << UInt8(subBlock)
            }
        }
        let data = GGUFTestWriter.half(0x3C00) + GGUFTestWriter.half(0x3800) + Self.packedKScales + high + low
        #expect(data.count == 176)
        let values = try Self.dequantize(.q5_K, data, count: 256)
        var expected: [Float] = []
        for (e, code) in codes.enumerated() {
            let subBlock = e / 32
            expected.append(Float(Double(Self.kScales[subBlock]) * Double(code) - 0.5 * Double(Self.kMinimums[subBlock])))
        }
        #expect(values == expected)
    }

    @Test func q6_KJoinsLowAndHighBitsAroundThirtyTwo() throws {
        // d = 0.5; sixteen signed group scales; 6-bit codes q[e] = (7e + 3) mod 64.
        let groupScales: [Int8] = (0..<16).map { Int8($0 * 9 - 70) }
        let codes: [Int] = (0..<256).map { ($0 * 7 + 3) % 64 }
        var low = [UInt8](repeating: 0, count: 128)
        var high = [UInt8](repeating: 0, count: 64)
        for (e, code) in codes.enumerated() {
            let (half, within) = (e / 128, e % 128)
            low[64 * half + within % 64] |= UInt8(code & 0x0F) << UInt8((within / 64) * 4)
            high[32 * half + within % 32] |= UInt8(code >> 4) << UInt8((within / 32) * 2)
        }
        let data = low + high + groupScales.map { UInt8(bitPattern: $0) } + GGUFTestWriter.half(0x3800)
        #expect(data.count == 210)
        let values = try Self.dequantize(.q6_K, data, count: 256)
        let expected: [Float] = codes.enumerated().map { (e: Int, code: Int) -> Float in
            Float(0.5 * Double(groupScales[e / 16]) * Double(code - 32))
        }
        #expect(values == expected)
    }

    @Test func rowsOfSeveralBlocksComeOutRowMajor() throws {
        // A [2, 64] Q4_0 matrix: ne = [64, 2], two blocks per row, scales 1, 2, 3, 4.
        let directory = TemporaryDirectory()
        var data: [UInt8] = []
        for scale: UInt16 in [0x3C00, 0x4000, 0x4200, 0x4400] { data += GGUFTestWriter.half(scale) + Self.nibbles }
        var writer = GGUFTestWriter()
        writer.addTensor("blk.0.attn_v.weight", dimensions: [64, 2], type: .q4_0, data: data)
        let path = directory.file("rows.gguf").path
        try Data(writer.bytes()).write(to: URL(fileURLWithPath: path))
        let tensor = try GGUFReader(path: path).tensor(named: "blk.0.attn_v.weight")
        #expect(tensor.shape == [2, 64])
        let lowHalf: [Float] = (0..<16).map { (code: Int) -> Float in Float(code - 8) }
        let highHalf: [Float] = (0..<16).map { (j: Int) -> Float in Float(7 - j) }
        let block = lowHalf + highHalf
        let scales: [Float] = [1, 2, 3, 4]
        #expect(tensor.values == scales.flatMap { scale in block.map { $0 * scale } })
    }

    @Test func bytesThatDoNotHoldTheCountAreRefusedNotRead() {
        let block = [UInt8](repeating: 0, count: 18)
        #expect(block.withUnsafeBytes { GGUFDequantizer.dequantize($0, type: .q4_0, count: 32) } != nil)
        #expect(block.withUnsafeBytes { GGUFDequantizer.dequantize($0, type: .q4_0, count: 64) } == nil)
        #expect(block.withUnsafeBytes { GGUFDequantizer.dequantize($0, type: .q4_0, count: 16) } == nil)
        #expect(block.withUnsafeBytes { GGUFDequantizer.dequantize($0, type: .q3_K, count: 256) } == nil)
    }

    @Test func aTypeTheEngineDoesNotDequantiseIsAnErrorNamingTypeAndTensor() throws {
        let directory = TemporaryDirectory()
        var writer = GGUFTestWriter()
        writer.addTensor("blk.3.ffn_down.weight", dimensions: [256], type: .q3_K, data: [UInt8](repeating: 0, count: 110))
        let path = directory.file("q3k.gguf").path
        try Data(writer.bytes()).write(to: URL(fileURLWithPath: path))
        let reader = try GGUFReader(path: path)  // the table itself is valid
        let error = GGUFError.unsupportedTensorType(file: path, tensor: "blk.3.ffn_down.weight", type: 11)
        #expect(throws: error) { try reader.tensor(named: "blk.3.ffn_down.weight") }
        #expect(error.description.contains(path))
        #expect(error.description.contains("\"blk.3.ffn_down.weight\": type 11 (Q3_K) is not supported"))
        #expect(error.description.contains("F32, F16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K, BF16"))
    }
}
