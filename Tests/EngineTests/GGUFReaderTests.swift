import Foundation
import Testing
@testable import Engine
import TestKit

@Suite struct GGUFReaderTests {
    /// One value of every type, including nested, empty and string arrays.
    static let everyType: [(key: String, value: GGUFValue)] = [
        ("t.uint8", .uint8(250)),
        ("t.int8", .int8(-7)),
        ("t.uint16", .uint16(65_000)),
        ("t.int16", .int16(-30_000)),
        ("t.uint32", .uint32(4_000_000_000)),
        ("t.int32", .int32(-2_000_000_000)),
        ("t.float32", .float32(0.1)),
        ("t.bool.true", .bool(true)),
        ("t.bool.false", .bool(false)),
        ("t.string", .string("héllo ✓ 🌊")),
        ("t.string.empty", .string("")),
        ("t.uint64", .uint64(18_000_000_000_000_000_000)),
        ("t.int64", .int64(-9_000_000_000_000_000_000)),
        ("t.float64", .float64(1e-300)),
        ("t.array.int32", .int32s([1, -2, 3])),
        ("t.array.strings", .strings(["a", "", "Ġthe", "<|im_end|>"])),
        ("t.array.empty", .array(GGUFArray(elementType: .float32, elements: []))),
        ("t.array.nested", .array(GGUFArray(elementType: .array, elements: [
            .array(GGUFArray(elementType: .uint8, elements: [.uint8(1), .uint8(2)])),
            .strings(["x"]),
        ]))),
        ("t.array.bool", .array(GGUFArray(elementType: .bool, elements: [.bool(true), .bool(false)]))),
        ("t.array.float64", .array(GGUFArray(elementType: .float64, elements: [.float64(-0.5), .float64(2)]))),
    ]

    @Test func readsEveryMetadataTypeInFileOrder() throws {
        var writer = GGUFTestWriter()
        for (key, value) in Self.everyType { writer.add(key, value) }
        let file = try GGUFFile.parse(writer.bytes())
        #expect(file.version == 3)
        #expect(file.metadata.map(\.key) == Self.everyType.map(\.key))
        for (key, value) in Self.everyType {
            #expect(file[key] == value, "\(key)")
        }
        #expect(file["t.float32"]?.doubleValue == Double(Float(0.1)))
        #expect(file["t.uint64"]?.intValue == nil)  // does not fit Int
        #expect(file["t.array.nested"]?.typeDescription == "array of array")
        #expect(file["absent"] == nil)
        #expect(file.tensors.isEmpty)
    }

    @Test func boolIsOneByteAndNonZeroIsTrue() throws {
        var bytes = Array(GGUFTestWriter().bytes().prefix(16))  // magic, version, tensor count
        GGUFTestWriter.append(UInt64(1), to: &bytes)
        var entry: [UInt8] = []
        GGUFTestWriter.appendString("flag", to: &entry)
        GGUFTestWriter.append(GGUFValueType.bool.rawValue, to: &entry)
        entry.append(2)
        let file = try GGUFFile.parse(bytes + entry)
        #expect(file["flag"] == .bool(true))
    }

    @Test func version2HasTheSameLayout() throws {
        var writer = GGUFTestWriter()
        writer.version = 2
        writer.add("general.name", .string("old"))
        #expect(try GGUFFile.parse(writer.bytes()).version == 2)
    }

    @Test func tensorTableGivesShapesTypesAndAlignedRanges() throws {
        var writer = GGUFTestWriter()
        writer.add("general.architecture", .string("llama"))
        writer.addTensor("a", dimensions: [3], type: .f32, data: GGUFTestWriter.floats([1, 2, 3]))
        writer.addTensor("b", dimensions: [4, 2], type: .f16, data: [UInt8](repeating: 0, count: 16))
        writer.addTensor("c", dimensions: [32, 1, 2], type: .q8_0, data: [UInt8](repeating: 0, count: 68))
        let bytes = writer.bytes()
        let file = try GGUFFile.parse(bytes)
        #expect(file.alignment == 32)
        #expect(file.dataOffset % 32 == 0)
        #expect(file.fileSize == bytes.count)
        #expect(file.tensors.map(\.name) == ["a", "b", "c"])
        let b = try #require(file.tensor(named: "b"))
        #expect(b.dimensions == [4, 2])
        #expect(b.shape == [2, 4])  // ne[0] is the row length: 2 rows of 4
        #expect(b.type == .f16)
        #expect(b.offset == 32)  // "a" takes 12 bytes, padded to 32
        #expect(b.fileRange == (file.dataOffset + 32)..<(file.dataOffset + 48))
        let c = try #require(file.tensor(named: "c"))
        #expect(c.shape == [2, 1, 32])
        #expect(c.elementCount == 64)
        #expect(c.byteCount == 68)
        #expect(file.tensor(named: "d") == nil)
    }

    @Test func generalAlignmentMovesTheDataSection() throws {
        var writer = GGUFTestWriter()
        writer.alignment = 256
        writer.add("general.alignment", .uint32(256))
        writer.addTensor("a", dimensions: [2], type: .f32, data: GGUFTestWriter.floats([1.5, -2]))
        writer.addTensor("b", dimensions: [1], type: .f32, data: GGUFTestWriter.floats([7]))
        let file = try GGUFFile.parse(writer.bytes())
        #expect(file.alignment == 256)
        #expect(file.dataOffset == 256)
        #expect(file.tensor(named: "b")?.offset == 256)
    }

    @Test func readerMapsTheFileAndReturnsRowMajorTensors() throws {
        let directory = TemporaryDirectory()
        var writer = GGUFTestWriter()
        writer.addTensor("w", dimensions: [3, 2], type: .f32, data: GGUFTestWriter.floats([0, 1, 2, 10, 11, 12]))
        let path = directory.file("m.gguf").path
        try Data(writer.bytes()).write(to: URL(fileURLWithPath: path))
        let reader = try GGUFReader(path: path)
        #expect(reader.file.path == path)
        let w = try reader.tensor(named: "w")
        #expect(w.shape == [2, 3])
        #expect(w.values == [0, 1, 2, 10, 11, 12])
        #expect(reader.rawBytes(of: try #require(reader.file.tensor(named: "w"))) == GGUFTestWriter.floats([0, 1, 2, 10, 11, 12]))
        #expect(throws: GGUFError.missingTensor(file: path, tensor: "v")) { try reader.tensor(named: "v") }
    }

    @Test func aFileWithoutTensorsNeedsNoDataSection() throws {
        var writer = GGUFTestWriter()
        writer.add("general.name", .string("x"))
        let bytes = writer.bytes()
        let unpadded = try GGUFFile.parse(Array(bytes.prefix(24 + 8 + 12 + 4 + 8 + 1)))
        #expect(unpadded["general.name"] == .string("x"))
    }
}
