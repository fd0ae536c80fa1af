import Foundation
import Testing
@testable import Engine

/// Every way a GGUF file can be refused; each error names the file and, where one is involved,
/// the metadata key or the tensor.
@Suite struct GGUFErrorTests {
    static let path = "/models/broken.gguf"

    static func parse(_ bytes: [UInt8]) throws(GGUFError) -> GGUFFile { try GGUFFile.parse(bytes, path: path) }

    /// Expects `bytes` to be refused with `expected`, whose message names the file and `names`.
    static func expectRefused(_ bytes: [UInt8], _ expected: GGUFError, naming names: [String] = [],
                              sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(throws: expected, sourceLocation: sourceLocation) { try parse(bytes) }
        for name in [path] + names {
            #expect(expected.description.contains(name), "\(expected.description) should name \(name)", sourceLocation: sourceLocation)
        }
    }

    static func oneTensor(_ dimensions: [Int] = [4], type: GGMLType = .f32, data: [UInt8]? = nil, offset: UInt64? = nil) -> GGUFTestWriter {
        var writer = GGUFTestWriter()
        writer.add("general.architecture", .string("llama"))
        writer.addTensor("blk.0.attn_q.weight", dimensions: dimensions, type: type,
                         data: data ?? [UInt8](repeating: 0, count: 16), offset: offset)
        return writer
    }

    @Test func badMagic() {
        var writer = GGUFTestWriter()
        writer.magic = Array("GGML".utf8)
        Self.expectRefused(writer.bytes(), .badMagic(file: Self.path, found: [0x47, 0x47, 0x4D, 0x4C]), naming: ["47 47 4D 4C"])
    }

    @Test func unsupportedVersions() {
        for version: UInt32 in [1, 4, 0x0300_0000] {
            var writer = GGUFTestWriter()
            writer.version = version
            Self.expectRefused(writer.bytes(), .unsupportedVersion(file: Self.path, version: version), naming: ["version \(version)"])
        }
    }

    @Test func truncatedHeader() {
        let bytes = Array(GGUFTestWriter().bytes().prefix(20))
        Self.expectRefused(bytes, .truncated(file: Self.path, part: "the header", offset: 16, needed: 8, fileSize: 20), naming: ["the header"])
        Self.expectRefused([0x47, 0x47], .truncated(file: Self.path, part: "the header", offset: 0, needed: 4, fileSize: 2))
        Self.expectRefused([], .truncated(file: Self.path, part: "the header", offset: 0, needed: 4, fileSize: 0))
    }

    @Test func truncatedInsideAMetadataValue() {
        var writer = GGUFTestWriter()
        writer.add("llama.block_count", .uint32(30))
        let bytes = Array(writer.bytes().prefix(24 + 8 + 17 + 4 + 2))  // two of the value's four bytes
        Self.expectRefused(bytes, .truncated(file: Self.path, part: "metadata key \"llama.block_count\"", offset: 53, needed: 4, fileSize: 55),
                           naming: ["llama.block_count"])
    }

    @Test func truncatedInsideTheTensorTable() {
        let bytes = Self.oneTensor().bytes()
        // Header 24, one key/value of 8 + 20 + 4 + 8 + 5 = 45, then the entry: name 8 + 19,
        // n_dims 4, ne 8, type 4, offset 8. Cut inside the type.
        let cut = Array(bytes.prefix(69 + 27 + 4 + 8 + 2))
        Self.expectRefused(cut, .truncated(file: Self.path, part: "the tensor-table entry of \"blk.0.attn_q.weight\"",
                                           offset: 108, needed: 4, fileSize: 110), naming: ["blk.0.attn_q.weight"])
    }

    @Test func tensorDataPastTheEnd() {
        let bytes = Self.oneTensor().bytes()
        let file = try? Self.parse(bytes)
        let dataOffset = file?.dataOffset ?? 0
        Self.expectRefused(Array(bytes.prefix(dataOffset + 10)),
                           .dataPastEnd(file: Self.path, tensor: "blk.0.attn_q.weight", end: dataOffset + 16, fileSize: dataOffset + 10),
                           naming: ["blk.0.attn_q.weight", "truncated"])
        // An offset far outside the file.
        Self.expectRefused(Self.oneTensor(offset: 1 << 40).bytes(),
                           .dataPastEnd(file: Self.path, tensor: "blk.0.attn_q.weight", end: dataOffset + (1 << 40) + 16, fileSize: bytes.count))
    }

    @Test func badStringLengths() {
        // A key whose declared length runs past the end.
        var bytes = Array(GGUFTestWriter().bytes().prefix(16))
        GGUFTestWriter.append(UInt64(1), to: &bytes)
        GGUFTestWriter.append(UInt64.max, to: &bytes)
        Self.expectRefused(bytes, .badStringLength(file: Self.path, part: "metadata entry 0 (its key)", length: .max, available: 0),
                           naming: ["metadata entry 0"])
        // A string value whose length is larger than what is left.
        var writer = GGUFTestWriter()
        writer.add("general.name", .string("SmolLM2"))
        var value = writer.bytes()
        let lengthAt = 24 + 8 + 12 + 4
        value.replaceSubrange(lengthAt..<(lengthAt + 8), with: withUnsafeBytes(of: UInt64(1_000).littleEndian, Array.init))
        let left = value.count - lengthAt - 8
        Self.expectRefused(value, .badStringLength(file: Self.path, part: "metadata key \"general.name\"", length: 1_000, available: left),
                           naming: ["general.name", "string length 1000"])
        // A tensor name.
        var table = Self.oneTensor().bytes()
        let nameAt = 69
        table.replaceSubrange(nameAt..<(nameAt + 8), with: withUnsafeBytes(of: UInt64(1) << 62, Array.init))
        Self.expectRefused(table, .badStringLength(file: Self.path, part: "tensor-table entry 0 (its name)", length: 1 << 62,
                                                   available: table.count - nameAt - 8), naming: ["tensor-table entry 0"])
    }

    @Test func invalidUTF8() {
        var writer = GGUFTestWriter()
        writer.add("general.name", .string("ab"))
        var bytes = writer.bytes()
        bytes[24 + 8 + 12 + 4 + 8] = 0xFF
        Self.expectRefused(bytes, .invalidUTF8(file: Self.path, part: "metadata key \"general.name\""), naming: ["general.name", "UTF-8"])
    }

    @Test func unknownValueTypes() {
        var bytes = Array(GGUFTestWriter().bytes().prefix(16))
        GGUFTestWriter.append(UInt64(1), to: &bytes)
        GGUFTestWriter.appendString("x.key", to: &bytes)
        GGUFTestWriter.append(UInt32(13), to: &bytes)
        Self.expectRefused(bytes, .unknownValueType(file: Self.path, key: "x.key", type: 13), naming: ["x.key", "13"])
        // In an array's element type.
        var array = Array(bytes.dropLast(4))
        GGUFTestWriter.append(GGUFValueType.array.rawValue, to: &array)
        GGUFTestWriter.append(UInt32(99), to: &array)
        GGUFTestWriter.append(UInt64(0), to: &array)
        Self.expectRefused(array, .unknownValueType(file: Self.path, key: "x.key", type: 99))
    }

    @Test func arrayCountsTheFileCannotHold() {
        var bytes = Array(GGUFTestWriter().bytes().prefix(16))
        GGUFTestWriter.append(UInt64(1), to: &bytes)
        GGUFTestWriter.appendString("tokenizer.ggml.tokens", to: &bytes)
        GGUFTestWriter.append(GGUFValueType.array.rawValue, to: &bytes)
        GGUFTestWriter.append(GGUFValueType.string.rawValue, to: &bytes)
        GGUFTestWriter.append(UInt64(1) << 60, to: &bytes)
        #expect(throws: GGUFError.self) { try Self.parse(bytes) }
        do { _ = try Self.parse(bytes) } catch {
            #expect(error.description.contains("tokenizer.ggml.tokens"))
            #expect(error.description.contains(Self.path))
            #expect(error.description.contains("truncated"))
        }
    }

    @Test func arraysNestedTooDeep() {
        var value: GGUFValue = .uint8(1)
        for _ in 0..<9 { value = .array(GGUFArray(elementType: value.type, elements: [value])) }
        var writer = GGUFTestWriter()
        writer.add("deep", value)
        Self.expectRefused(writer.bytes(), .invalidValue(file: Self.path, key: "deep", detail: "arrays nested more than 8 deep"), naming: ["deep"])
    }

    @Test func duplicateKeysAndTensors() {
        var writer = GGUFTestWriter()
        writer.add("general.name", .string("a"))
        writer.add("general.name", .string("b"))
        Self.expectRefused(writer.bytes(), .duplicateKey(file: Self.path, key: "general.name"), naming: ["general.name"])
        var tensors = Self.oneTensor()
        tensors.addTensor("blk.0.attn_q.weight", dimensions: [4], type: .f32, data: [UInt8](repeating: 0, count: 16))
        Self.expectRefused(tensors.bytes(), .duplicateTensor(file: Self.path, tensor: "blk.0.attn_q.weight"), naming: ["blk.0.attn_q.weight"])
    }

    @Test func invalidAlignment() {
        var wrongType = Self.oneTensor()
        wrongType.add("general.alignment", .int32(32))
        Self.expectRefused(wrongType.bytes(), .invalidAlignment(file: Self.path, detail: "must be a uint32, found int32"), naming: ["general.alignment"])
        for alignment: UInt32 in [0, 48] {
            var writer = Self.oneTensor()
            writer.add("general.alignment", .uint32(alignment))
            Self.expectRefused(writer.bytes(), .invalidAlignment(file: Self.path, detail: "\(alignment) is not a non-zero power of two"))
        }
    }

    @Test func misalignedOffset() {
        var writer = Self.oneTensor()
        writer.addTensor("blk.0.attn_k.weight", dimensions: [2], type: .f32, data: [UInt8](repeating: 0, count: 8), offset: 20)
        Self.expectRefused(writer.bytes(), .misalignedOffset(file: Self.path, tensor: "blk.0.attn_k.weight", offset: 20, alignment: 32),
                           naming: ["blk.0.attn_k.weight", "alignment 32"])
    }

    @Test func unknownTensorTypeNumber() {
        var writer = Self.oneTensor()
        writer.tensors[0].type = 99
        Self.expectRefused(writer.bytes(), .unsupportedTensorType(file: Self.path, tensor: "blk.0.attn_q.weight", type: 99),
                           naming: ["blk.0.attn_q.weight", "type 99 (unknown)"])
    }

    @Test func rowsThatAreNotWholeBlocks() {
        let writer = Self.oneTensor([31, 2], type: .q8_0, data: [UInt8](repeating: 0, count: 68))
        Self.expectRefused(writer.bytes(), .invalidTensorInfo(file: Self.path, tensor: "blk.0.attn_q.weight",
                                                              detail: "row length ne[0] = 31 is not a multiple of Q8_0's block size 32"),
                           naming: ["blk.0.attn_q.weight"])
    }

    @Test func impossibleDimensions() {
        Self.expectRefused(Self.oneTensor([1, 1, 1, 1, 4]).bytes(),
                           .invalidTensorInfo(file: Self.path, tensor: "blk.0.attn_q.weight", detail: "5 dimensions; ggml allows at most 4"))
        Self.expectRefused(Self.oneTensor([1 << 40, 1 << 40]).bytes(),
                           .invalidTensorInfo(file: Self.path, tensor: "blk.0.attn_q.weight",
                                              detail: "the element count of dimensions [1099511627776, 1099511627776] overflows"))
    }

    @Test func unreadableFile() {
        let missing = "/nonexistent/dir/model.gguf"
        #expect(throws: GGUFError.self) { try GGUFReader(path: missing) }
        do { _ = try GGUFReader(path: missing) } catch {
            guard case .io(let file, _) = error else { Issue.record("expected an I/O error, got \(error)"); return }
            #expect(file == missing)
        }
    }
}
