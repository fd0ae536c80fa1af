import Foundation
import Testing
@testable import Engine
import TestKit

@Suite struct SafetensorsTests {
    static let sample = [
        NamedTensor(name: "b.weight", shape: [2, 3], values: [0, 1, 2, 3, 4, 5]),
        NamedTensor(name: "a", shape: [1], values: [1.5]),
        NamedTensor(name: "s", shape: [], values: [2]),
    ]

    @Test func headerMatchesTheReferenceImplementationByteForByte() throws {
        // `safetensors.torch.save(tensors, metadata={"format": "pt"})` for the same tensors.
        let reference = #"{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[4,28]},"s":{"dtype":"F32","shape":[],"data_offsets":[28,32]}}      "#
        let bytes = try Safetensors.encode(Self.sample)
        #expect(Array(bytes[0..<8]) == [208, 0, 0, 0, 0, 0, 0, 0])
        #expect(String(decoding: bytes[8..<216], as: UTF8.self) == reference)
        #expect(bytes.count == 8 + 208 + 32)
        #expect(Array(bytes[216..<220]) == [0, 0, 0xC0, 0x3F])  // 1.5 little-endian
    }

    @Test func roundTripsThroughAFile() throws {
        let directory = TemporaryDirectory()
        let zeroSized = NamedTensor(name: "empty", shape: [0, 4], values: [])
        let tensors = Self.sample + [zeroSized, NamedTensor(name: "model.layers.0.x", shape: [3, 1], values: [-0.0, .infinity, 1e-30])]
        try Safetensors.write(tensors, to: directory.file("m.safetensors"))
        let read = try Safetensors.read(directory.file("m.safetensors"))
        #expect(read == tensors.sorted { $0.name < $1.name })
        let header = try Safetensors.readHeader(directory.file("m.safetensors"))
        #expect(header.metadata == ["format": "pt"])
        #expect(header.dataStart % 8 == 0)
        // NaN survives bit for bit too.
        try Safetensors.write([NamedTensor(name: "n", shape: [1], values: [.nan])], to: directory.file("n.safetensors"))
        #expect(try Safetensors.read(directory.file("n.safetensors"))[0].values[0].isNaN)
    }

    @Test func outputIsIndependentOfInputOrder() throws {
        #expect(try Safetensors.encode(Self.sample) == Safetensors.encode(Self.sample.reversed()))
    }

    @Test func readsHalfPrecisionTypes() throws {
        // Data bytes written by PyTorch for [1.0, -2.5, 3e-3] in bf16 and [..., 65504, 6e-8] in f16.
        let bf16 = try Self.file(dtype: "BF16", shape: [3], data: [0x80, 0x3F, 0x20, 0xC0, 0x45, 0x3B])
        #expect(try Safetensors.decode(bf16)[0].values == [1.0, -2.5, 0.0030059814453125])
        let f16 = try Self.file(dtype: "F16", shape: [5], data: [0x00, 0x3C, 0x00, 0xC1, 0x25, 0x1A, 0xFF, 0x7B, 0x01, 0x00])
        #expect(try Safetensors.decode(f16)[0].values == [1.0, -2.5, 0.0030002593994140625, 65504.0, 5.960464477539063e-08])
        let f64 = try Self.file(dtype: "F64", shape: [1], data: Array(withUnsafeBytes(of: (0.25 as Double).bitPattern.littleEndian, Array.init)))
        #expect(try Safetensors.decode(f64)[0].values == [0.25])
    }

    @Test func halfPrecisionConversionsAreExact() {
        #expect(HalfPrecision.floatFromFloat16(0x7C00) == .infinity)
        #expect(HalfPrecision.floatFromFloat16(0xFC00) == -.infinity)
        #expect(HalfPrecision.floatFromFloat16(0x7E00).isNaN)
        #expect(HalfPrecision.floatFromFloat16(0x8000).sign == .minus)
        #expect(HalfPrecision.floatFromFloat16(0x03FF) == Float(1023) * Float(bitPattern: 0x3380_0000))
        #expect(HalfPrecision.bfloat16(from: 1.0) == 0x3F80)
        // Round to nearest even: 1 + 2^-8 lies halfway between 1 and 1 + 2^-7.
        #expect(HalfPrecision.bfloat16(from: 1.00390625) == 0x3F80)
        #expect(HalfPrecision.bfloat16(from: 1.01171875) == 0x3F82)
        for bits: UInt16 in [0x0000, 0x3F80, 0xC020, 0x7F7F, 0x0001] {
            #expect(HalfPrecision.bfloat16(from: HalfPrecision.floatFromBFloat16(bits)) == bits)
        }
    }

    /// A safetensors buffer with one tensor "x" and a hand-written header.
    static func file(dtype: String, shape: [Int], data: [UInt8], offsets: (Int, Int)? = nil) throws -> [UInt8] {
        let range = offsets ?? (0, data.count)
        return raw(#"{"x":{"dtype":"\#(dtype)","shape":\#(shape),"data_offsets":[\#(range.0),\#(range.1)]}}"#, data: data)
    }

    static func raw(_ header: String, data: [UInt8], declaredLength: UInt64? = nil) -> [UInt8] {
        var json = Array(header.utf8)
        while json.count % 8 != 0 { json.append(UInt8(ascii: " ")) }
        var bytes: [UInt8] = []
        withUnsafeBytes(of: (declaredLength ?? UInt64(json.count)).littleEndian) { bytes.append(contentsOf: $0) }
        return bytes + json + data
    }
}

@Suite struct SafetensorsValidationTests {
    let file = "<memory>"
    let eight = [UInt8](repeating: 0, count: 8)

    @Test func truncatedBeforeTheHeaderLength() {
        #expect(throws: SafetensorsError.fileTooSmall(file: file, size: 5)) { try Safetensors.decode([1, 2, 3, 4, 5]) }
    }

    @Test func headerLengthOverTheLimit() {
        let bytes = SafetensorsTests.raw("{}", data: [], declaredLength: 100_000_001)
        #expect(throws: SafetensorsError.headerTooLarge(file: file, length: 100_000_001, limit: 100_000_000)) {
            try Safetensors.decode(bytes)
        }
    }

    @Test func headerRunsPastTheEnd() {
        let bytes = SafetensorsTests.raw("{}", data: [], declaredLength: 64)
        #expect(throws: SafetensorsError.headerBeyondEnd(file: file, headerLength: 64, fileSize: 16)) { try Safetensors.decode(bytes) }
    }

    @Test func invalidJSON() {
        #expect(throws: SafetensorsError.invalidJSON(file: file, detail: "line 1, column 7: unexpected character ','")) {
            try Safetensors.decode(SafetensorsTests.raw(#"{"x": ,}"#, data: []))
        }
        #expect(throws: SafetensorsError.invalidHeader(file: file, tensor: nil, detail: "the header is not a JSON object")) {
            try Safetensors.decode(SafetensorsTests.raw("[1, 2]", data: []))
        }
        // A tensor listed twice is a JSON-level error, not silently resolved.
        let duplicate = #"{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#
        #expect(throws: SafetensorsError.self) { try Safetensors.decode(SafetensorsTests.raw(duplicate, data: eight)) }
    }

    @Test func unknownAndUnsupportedDTypes() throws {
        #expect(throws: SafetensorsError.unknownDType(file: file, tensor: "x", dtype: "F128")) {
            try Safetensors.decode(try SafetensorsTests.file(dtype: "F128", shape: [1], data: eight))
        }
        // I32 is valid safetensors (the header validates) but not convertible to weights.
        let ints = try SafetensorsTests.file(dtype: "I32", shape: [2], data: eight)
        let header = try ints.withUnsafeBytes { try Safetensors.parseHeader($0, file: "ints") }
        #expect(header.entries.first?.dtype == .i32)
        #expect(throws: SafetensorsError.unsupportedDType(file: file, tensor: "x", dtype: "I32")) { try Safetensors.decode(ints) }
    }

    @Test func offsetsThatDoNotMatchTheShape() throws {
        #expect(throws: SafetensorsError.sizeMismatch(file: file, tensor: "x", shape: [3], dtype: "F32", expectedBytes: 12, actualBytes: 8)) {
            try Safetensors.decode(try SafetensorsTests.file(dtype: "F32", shape: [3], data: eight))
        }
        #expect(throws: SafetensorsError.invalidHeader(file: file, tensor: "x", detail: "\"data_offsets\" [8, 4] ends before it begins")) {
            try Safetensors.decode(try SafetensorsTests.file(dtype: "F32", shape: [1], data: eight, offsets: (8, 4)))
        }
        #expect(throws: SafetensorsError.invalidHeader(file: file, tensor: "x", detail: "\"shape\" must hold non-negative integers")) {
            try Safetensors.decode(try SafetensorsTests.file(dtype: "F32", shape: [-1], data: eight))
        }
    }

    @Test func overlappingOffsets() {
        let header = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#
        #expect(throws: SafetensorsError.overlappingOffsets(file: file, tensor: "b", other: "a")) {
            try Safetensors.decode(SafetensorsTests.raw(header, data: [UInt8](repeating: 0, count: 12)))
        }
    }

    @Test func gapBetweenTensors() {
        let header = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#
        #expect(throws: SafetensorsError.gapInOffsets(file: file, tensor: "b", expectedBegin: 4, begin: 8)) {
            try Safetensors.decode(SafetensorsTests.raw(header, data: [UInt8](repeating: 0, count: 12)))
        }
    }

    @Test func truncatedData() throws {
        // The header promises 16 bytes; the file ends after 8.
        #expect(throws: SafetensorsError.offsetsOutOfRange(file: file, tensor: "x", end: 16, dataSize: 8)) {
            try Safetensors.decode(try SafetensorsTests.file(dtype: "F32", shape: [4], data: eight, offsets: (0, 16)))
        }
        // A real file cut short.
        let directory = TemporaryDirectory()
        let url = directory.file("cut.safetensors")
        let bytes = try Safetensors.encode(SafetensorsTests.sample)
        try Data(bytes.dropLast(3)).write(to: url)
        #expect(throws: SafetensorsError.offsetsOutOfRange(file: url.path, tensor: "s", end: 32, dataSize: 29)) {
            try Safetensors.read(url)
        }
    }

    @Test func trailingBytes() throws {
        var bytes = try SafetensorsTests.file(dtype: "F32", shape: [2], data: eight)
        bytes += [1, 2, 3, 4]
        #expect(throws: SafetensorsError.trailingBytes(file: file, dataEnd: 8, dataSize: 12)) { try Safetensors.decode(bytes) }
    }

    @Test func missingRequestedTensors() throws {
        let bytes = try Safetensors.encode(SafetensorsTests.sample)
        #expect(throws: SafetensorsError.missingTensors(file: file, names: ["lm_head.weight", "z"])) {
            try Safetensors.decode(bytes, required: ["a", "z", "lm_head.weight"])
        }
        #expect(try Safetensors.decode(bytes, required: ["a", "s"]).count == 3)
    }

    @Test func invalidMetadata() {
        let header = #"{"__metadata__":{"format":1}}"#
        #expect(throws: SafetensorsError.invalidHeader(file: file, tensor: nil, detail: "\"__metadata__\".\"format\" must be a string")) {
            try Safetensors.decode(SafetensorsTests.raw(header, data: []))
        }
    }

    @Test func writerRejectsDuplicatesAndLeavesNoFileBehind() throws {
        let directory = TemporaryDirectory()
        let url = directory.file("d.safetensors")
        let tensor = NamedTensor(name: "w", shape: [1], values: [1])
        #expect(throws: SafetensorsError.duplicateTensor(file: url.path, tensor: "w")) {
            try Safetensors.write([tensor, tensor], to: url)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path).isEmpty)
        let error = #expect(throws: SafetensorsError.self) {
            try Safetensors.write([tensor], to: URL(fileURLWithPath: "/nonexistent-dir/x.safetensors"))
        }
        guard case .io(let file, let detail)? = error else { Issue.record("expected an I/O error, got \(String(describing: error))"); return }
        #expect(file == "/nonexistent-dir/x.safetensors")
        #expect(detail.hasPrefix("/nonexistent-dir/.x.safetensors.partial-\(getpid())-"))
        #expect(detail.hasSuffix(": No such file or directory"))
    }

    @Test func errorsNameTheFile() throws {
        let directory = TemporaryDirectory()
        let url = directory.file("bad.safetensors")
        try Data([1, 2, 3]).write(to: url)
        let error = #expect(throws: SafetensorsError.self) { try Safetensors.read(url) }
        #expect(error?.description.hasPrefix(url.path) == true)
        #expect(throws: SafetensorsError.self) { try Safetensors.read(directory.file("absent.safetensors")) }
    }

    @Test func largeFilesRoundTripQuickly() throws {
        // 16 MB: big enough to catch an accidental per-element or quadratic path.
        let directory = TemporaryDirectory()
        let count = 4 << 20
        let values = (0..<count).map { Float($0 % 1000) * 0.001 }
        let tensors = [NamedTensor(name: "big", shape: [count / 1024, 1024], values: values)]
        // Its speed is the benchmarks' business (scripts/bench/gguf.sh loads 540 MB this way).
        try Safetensors.write(tensors, to: directory.file("big.safetensors"))
        let read = try Safetensors.read(directory.file("big.safetensors"))
        let same = read[0].values == values  // a Bool, so a failure does not print 16 MB
        #expect(same, "values differ after the round trip")
        #expect(read[0].shape == [count / 1024, 1024])
    }
}
