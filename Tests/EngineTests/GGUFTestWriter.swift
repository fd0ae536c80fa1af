// A small GGUF writer for tests, written from the format description (not from the reader), so
// tests can build valid files and files broken in exactly one place.

import Foundation
@testable import Engine

struct GGUFTestWriter {
    struct Tensor {
        var name: String
        var dimensions: [Int]
        var type: UInt32
        var data: [UInt8]
        /// Overrides the offset the writer would compute (for misalignment and past-the-end tests).
        var offset: UInt64?
    }

    var magic: [UInt8] = Array("GGUF".utf8)
    var version: UInt32 = 3
    var metadata: [(key: String, value: GGUFValue)] = []
    var tensors: [Tensor] = []
    /// The alignment the writer pads to; declare it in `metadata` as "general.alignment" too when
    /// it is not 32.
    var alignment = 32

    mutating func add(_ key: String, _ value: GGUFValue) { metadata.append((key, value)) }

    mutating func addTensor(_ name: String, dimensions: [Int], type: GGMLType, data: [UInt8], offset: UInt64? = nil) {
        tensors.append(Tensor(name: name, dimensions: dimensions, type: type.rawValue, data: data, offset: offset))
    }

    /// The complete file.
    func bytes() -> [UInt8] {
        var out: [UInt8] = []
        out += magic
        Self.append(version, to: &out)
        Self.append(UInt64(tensors.count), to: &out)
        Self.append(UInt64(metadata.count), to: &out)
        for (key, value) in metadata {
            Self.appendString(key, to: &out)
            Self.append(value.type.rawValue, to: &out)
            Self.appendValue(value, to: &out)
        }
        var offsets: [UInt64] = []
        var next = 0
        for tensor in tensors {
            offsets.append(tensor.offset ?? UInt64(next))
            next += (tensor.data.count + alignment - 1) / alignment * alignment
        }
        for (tensor, offset) in zip(tensors, offsets) {
            Self.appendString(tensor.name, to: &out)
            Self.append(UInt32(tensor.dimensions.count), to: &out)
            for dimension in tensor.dimensions { Self.append(UInt64(dimension), to: &out) }
            Self.append(tensor.type, to: &out)
            Self.append(offset, to: &out)
        }
        while out.count % alignment != 0 { out.append(0) }
        for tensor in tensors {
            out += tensor.data
            while out.count % alignment != 0 { out.append(0) }
        }
        return out
    }

    static func append<Value: FixedWidthInteger>(_ value: Value, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
    }

    static func appendString(_ text: String, to out: inout [UInt8]) {
        append(UInt64(text.utf8.count), to: &out)
        out += Array(text.utf8)
    }

    static func appendValue(_ value: GGUFValue, to out: inout [UInt8]) {
        switch value {
        case .uint8(let v): append(v, to: &out)
        case .int8(let v): append(v, to: &out)
        case .uint16(let v): append(v, to: &out)
        case .int16(let v): append(v, to: &out)
        case .uint32(let v): append(v, to: &out)
        case .int32(let v): append(v, to: &out)
        case .uint64(let v): append(v, to: &out)
        case .int64(let v): append(v, to: &out)
        case .float32(let v): append(v.bitPattern, to: &out)
        case .float64(let v): append(v.bitPattern, to: &out)
        case .bool(let v): out.append(v ? 1 : 0)
        case .string(let v): appendString(v, to: &out)
        case .array(let array):
            append(array.elementType.rawValue, to: &out)
            append(UInt64(array.elements.count), to: &out)
            for element in array.elements { appendValue(element, to: &out) }
        }
    }

    /// Little-endian bytes of IEEE halves, for building blocks.
    static func half(_ bits: UInt16) -> [UInt8] { [UInt8(bits & 0xFF), UInt8(bits >> 8)] }

    static func floats(_ values: [Float]) -> [UInt8] {
        var out: [UInt8] = []
        for value in values { append(value.bitPattern, to: &out) }
        return out
    }
}

extension GGUFFile {
    /// Parses an in-memory file (tests name it by a made-up path).
    static func parse(_ bytes: [UInt8], path: String = "model.gguf") throws(GGUFError) -> GGUFFile {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(GGUFError) -> GGUFFile in try GGUFFile.parse(raw, path: path) }
        }
        return try result.get()
    }
}

extension GGUFValue {
    static func strings(_ values: [String]) -> GGUFValue {
        .array(GGUFArray(elementType: .string, elements: values.map { .string($0) }))
    }

    static func int32s(_ values: [Int32]) -> GGUFValue {
        .array(GGUFArray(elementType: .int32, elements: values.map { .int32($0) }))
    }
}
