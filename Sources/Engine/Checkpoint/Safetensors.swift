// The safetensors checkpoint format, read and written exactly as the reference implementation
// (huggingface/safetensors) does:
//
//   [8 bytes: N, little-endian u64][N bytes: JSON header, space-padded to a multiple of 8][data]
//
// The header maps each tensor name to {"dtype", "shape", "data_offsets": [begin, end]} with
// offsets relative to the start of the data, plus an optional "__metadata__" string map. The data
// is raw little-endian row-major elements; the tensors tile it exactly, with no gaps, overlaps or
// trailing bytes.
//
// Writing is deterministic: tensors sorted by name (by UTF-8 bytes, as Rust sorts strings),
// offsets contiguous in that order, the header in serde_json's compact layout with the fields in
// the reference's order. For float32 tensors the bytes equal `safetensors.torch.save_file`'s.
// Reading validates everything the reference validates and converts F32, F64, F16 and BF16 to
// float32.

import Basics
import Foundation

/// One tensor's entry in a safetensors header.
public struct SafetensorsEntry: Sendable, Equatable {
    public var name: String
    public var dtype: SafetensorsDType
    public var shape: [Int]
    /// Byte range relative to the start of the data section.
    public var dataOffsets: Range<Int>
}

/// A parsed and validated safetensors header.
public struct SafetensorsHeader: Sendable, Equatable {
    /// Entries sorted by name.
    public var entries: [SafetensorsEntry]
    /// The `__metadata__` map, nil when the file has none.
    public var metadata: [String: String]?
    /// Absolute file offset of the data section (8 + header length).
    public var dataStart: Int

    public var names: [String] { entries.map(\.name) }
}

/// Reading and writing safetensors files and buffers.
public enum Safetensors {
    /// The reference implementation refuses headers above 100 MB; so do we, so that a corrupt
    /// length cannot make us allocate gigabytes.
    public static let maxHeaderLength = 100_000_000
    /// The metadata PyTorch's `save_file` writes and `transformers` expects.
    public static let defaultMetadata: [String: String] = ["format": "pt"]

    // MARK: Writing

    /// The 8-byte length and the padded JSON header for `tensors` stored as float32.
    public static func encodeHeader(_ tensors: [NamedTensor], metadata: [String: String]? = defaultMetadata,
                                    file: String = "<memory>") throws(SafetensorsError) -> [UInt8] {
        let sorted = try sortedUnique(tensors, file: file)
        // `__metadata__` first, then the tensors by name, each entry's fields in the reference
        // implementation's order: the writer keeps this member order, with no whitespace.
        var members: [JSONMember] = []
        members.reserveCapacity(sorted.count + 1)
        if let metadata {
            members.append(JSONMember("__metadata__", .object(metadata.mapValues { JSONValue.string($0) })))
        }
        var offset = 0
        for tensor in sorted {
            let end = offset + tensor.values.count * MemoryLayout<Float>.size
            members.append(JSONMember(tensor.name, .object([
                JSONMember("dtype", .string("F32")),
                JSONMember("shape", .array(tensor.shape.map { .int($0) })),
                JSONMember("data_offsets", .array([.int(offset), .int(end)])),
            ])))
            offset = end
        }
        var json = JSONWriter.compact.bytes(.object(members))
        // Pad with spaces so the data section starts 8-byte aligned.
        let padding = (8 - json.count % 8) % 8
        json.append(contentsOf: repeatElement(UInt8(ascii: " "), count: padding))
        var header = [UInt8](repeating: 0, count: 8)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { header.replaceSubrange(0..<8, with: $0) }
        header.append(contentsOf: json)
        return header
    }

    /// The complete file contents for `tensors` stored as float32.
    public static func encode(_ tensors: [NamedTensor], metadata: [String: String]? = defaultMetadata) throws(SafetensorsError) -> [UInt8] {
        var bytes = try encodeHeader(tensors, metadata: metadata)
        for tensor in try sortedUnique(tensors, file: "<memory>") {
            appendLittleEndian(tensor.values) { bytes.append(contentsOf: $0) }
        }
        return bytes
    }

    /// Writes `tensors` as a float32 safetensors file, atomically (see `AtomicFile`).
    public static func write(_ tensors: [NamedTensor], to url: URL,
                             metadata: [String: String]? = defaultMetadata) throws(SafetensorsError) {
        let path = url.path
        let header = try encodeHeader(tensors, metadata: metadata, file: path)
        let sorted = try sortedUnique(tensors, file: path)
        do throws(AtomicWriteError<FileSystemError>) {
            try AtomicFile.write(to: path) { (writer: inout FileWriter) throws(FileSystemError) in
                try writer.append(header)
                for tensor in sorted {
                    var failure: FileSystemError?
                    appendLittleEndian(tensor.values) { chunk in
                        do throws(FileSystemError) { try writer.append(chunk) } catch { failure = error }
                    }
                    if let failure { throw failure }
                }
            }
        } catch {
            throw .io(file: path, detail: error.fileSystemError.detail)
        }
    }

    private static func sortedUnique(_ tensors: [NamedTensor], file: String) throws(SafetensorsError) -> [NamedTensor] {
        let sorted = tensors.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        for index in sorted.indices.dropFirst() where sorted[index].name == sorted[index - 1].name {
            throw .duplicateTensor(file: file, tensor: sorted[index].name)
        }
        if let reserved = sorted.first(where: { $0.name == "__metadata__" }) {
            throw .invalidHeader(file: file, tensor: reserved.name, detail: "\"__metadata__\" is reserved and cannot name a tensor")
        }
        return sorted
    }

    /// Hands the little-endian bytes of `values` to `sink` (directly from the array's storage on
    /// little-endian machines).
    private static func appendLittleEndian(_ values: [Float], _ sink: (UnsafeRawBufferPointer) -> Void) {
        #if _endian(little)
        values.withUnsafeBytes(sink)
        #else
        let swapped = values.map { $0.bitPattern.littleEndian }
        swapped.withUnsafeBytes(sink)
        #endif
    }

    // MARK: Reading

    /// Reads every tensor of the file at `url` as float32, sorted by name. Fails with
    /// `.missingTensors` if any name in `required` is absent.
    public static func read(_ url: URL, required: [String] = []) throws(SafetensorsError) -> [NamedTensor] {
        let path = url.path
        let mapped: MappedFile
        do throws(FileSystemError) { mapped = try MappedFile(path: path) } catch { throw .io(file: path, detail: error.detail) }
        return try mapped.withBytes { (bytes) throws(SafetensorsError) in try decode(bytes, file: path, required: required) }
    }

    /// Reads and validates only the header of the file at `url`.
    public static func readHeader(_ url: URL) throws(SafetensorsError) -> SafetensorsHeader {
        let path = url.path
        let mapped: MappedFile
        do throws(FileSystemError) { mapped = try MappedFile(path: path) } catch { throw .io(file: path, detail: error.detail) }
        return try mapped.withBytes { (bytes) throws(SafetensorsError) in try parseHeader(bytes, file: path) }
    }

    /// Decodes a complete safetensors buffer.
    public static func decode(_ bytes: [UInt8], file: String = "<memory>", required: [String] = []) throws(SafetensorsError) -> [NamedTensor] {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(SafetensorsError) -> [NamedTensor] in try decode(raw, file: file, required: required) }
        }
        return try result.get()
    }

    /// Decodes a complete safetensors buffer held in raw memory.
    public static func decode(_ bytes: UnsafeRawBufferPointer, file: String, required: [String] = []) throws(SafetensorsError) -> [NamedTensor] {
        let header = try parseHeader(bytes, file: file)
        let present = Set(header.names)
        let missing = required.filter { !present.contains($0) }
        if !missing.isEmpty { throw .missingTensors(file: file, names: missing.sorted()) }
        var tensors: [NamedTensor] = []
        tensors.reserveCapacity(header.entries.count)
        for entry in header.entries {
            let data = UnsafeRawBufferPointer(rebasing: bytes[(header.dataStart + entry.dataOffsets.lowerBound)..<(header.dataStart + entry.dataOffsets.upperBound)])
            let values = try convertToFloat(data, entry: entry, file: file)
            tensors.append(NamedTensor(name: entry.name, shape: entry.shape, values: values))
        }
        return tensors
    }

    private static func convertToFloat(_ data: UnsafeRawBufferPointer, entry: SafetensorsEntry, file: String) throws(SafetensorsError) -> [Float] {
        let count = entry.shape.reduce(1, *)
        switch entry.dtype {
        case .f32:
            return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                if count > 0 {
                    // The data may be unaligned inside the file, so copy bytes, then fix the order.
                    UnsafeMutableRawBufferPointer(buffer).copyMemory(from: data)
                    #if _endian(big)
                    for index in 0..<count { buffer[index] = Float(bitPattern: UInt32(littleEndian: buffer[index].bitPattern)) }
                    #endif
                }
                initialized = count
            }
        case .f64:
            return (0..<count).map { index in
                Float(Double(bitPattern: UInt64(littleEndian: data.loadUnaligned(fromByteOffset: 8 * index, as: UInt64.self))))
            }
        case .bf16, .f16:
            let isBFloat = entry.dtype == .bf16
            return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                for index in 0..<count {
                    let bits = UInt16(littleEndian: data.loadUnaligned(fromByteOffset: 2 * index, as: UInt16.self))
                    buffer[index] = isBFloat ? HalfPrecision.floatFromBFloat16(bits) : HalfPrecision.floatFromFloat16(bits)
                }
                initialized = count
            }
        default:
            throw .unsupportedDType(file: file, tensor: entry.name, dtype: entry.dtype.rawValue)
        }
    }

    /// Parses and validates the header of a complete safetensors buffer: length prefix, JSON,
    /// every entry's dtype, shape and offsets, and that the entries tile the data exactly.
    public static func parseHeader(_ bytes: UnsafeRawBufferPointer, file: String) throws(SafetensorsError) -> SafetensorsHeader {
        guard bytes.count >= 8 else { throw .fileTooSmall(file: file, size: bytes.count) }
        let declared = UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self))
        guard declared <= UInt64(maxHeaderLength) else {
            throw .headerTooLarge(file: file, length: declared, limit: maxHeaderLength)
        }
        let headerLength = Int(declared)
        guard 8 + headerLength <= bytes.count else {
            throw .headerBeyondEnd(file: file, headerLength: declared, fileSize: bytes.count)
        }
        let headerBytes = UnsafeRawBufferPointer(rebasing: bytes[8..<(8 + headerLength)]).assumingMemoryBound(to: UInt8.self)
        let json: JSONValue
        do throws(JSONSyntaxError) { json = try JSONParser.parse(headerBytes, options: .interchange) } catch {
            throw .invalidJSON(file: file, detail: error.description)
        }
        guard let members = json.objectMembers?.sorted(by: { JSONMember.keyPrecedes($0.key, $1.key) }) else {
            throw .invalidHeader(file: file, tensor: nil, detail: "the header is not a JSON object")
        }

        var metadata: [String: String]?
        var entries: [SafetensorsEntry] = []
        entries.reserveCapacity(members.count)
        for member in members {
            let (name, value) = (member.key, member.value)
            if name == "__metadata__" {
                guard let map = value.objectValue else {
                    throw .invalidHeader(file: file, tensor: nil, detail: "\"__metadata__\" must be an object of strings")
                }
                var strings: [String: String] = [:]
                for (key, item) in map {
                    guard let text = item.stringValue else {
                        throw .invalidHeader(file: file, tensor: nil, detail: "\"__metadata__\".\"\(key)\" must be a string")
                    }
                    strings[key] = text
                }
                metadata = strings
                continue
            }
            entries.append(try parseEntry(name: name, value: value, file: file))
        }

        // The entries must tile the data exactly: sort by offsets and walk.
        let dataSize = bytes.count - 8 - headerLength
        let byOffset = entries.sorted {
            ($0.dataOffsets.lowerBound, $0.dataOffsets.upperBound) < ($1.dataOffsets.lowerBound, $1.dataOffsets.upperBound)
        }
        var expectedBegin = 0
        var previous: String?
        for entry in byOffset {
            let range = entry.dataOffsets
            if range.lowerBound < expectedBegin, let previous {
                throw .overlappingOffsets(file: file, tensor: entry.name, other: previous)
            }
            if range.lowerBound > expectedBegin {
                throw .gapInOffsets(file: file, tensor: entry.name, expectedBegin: expectedBegin, begin: range.lowerBound)
            }
            if range.upperBound > dataSize {
                throw .offsetsOutOfRange(file: file, tensor: entry.name, end: range.upperBound, dataSize: dataSize)
            }
            expectedBegin = range.upperBound
            previous = entry.name
        }
        if expectedBegin != dataSize {
            throw .trailingBytes(file: file, dataEnd: expectedBegin, dataSize: dataSize)
        }
        return SafetensorsHeader(entries: entries, metadata: metadata, dataStart: 8 + headerLength)
    }

    private static func parseEntry(name: String, value: JSONValue, file: String) throws(SafetensorsError) -> SafetensorsEntry {
        guard let fields = value.objectValue else {
            throw .invalidHeader(file: file, tensor: name, detail: "entry is not an object")
        }
        guard let dtypeName = fields["dtype"]?.stringValue else {
            throw .invalidHeader(file: file, tensor: name, detail: "missing or non-string \"dtype\"")
        }
        guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
            throw .unknownDType(file: file, tensor: name, dtype: dtypeName)
        }
        guard case .array(let shapeValues)? = fields["shape"] else {
            throw .invalidHeader(file: file, tensor: name, detail: "missing or non-array \"shape\"")
        }
        var shape: [Int] = []
        var elementCount = 1
        for dimensionValue in shapeValues {
            guard let dimension = dimensionValue.intValue, dimension >= 0 else {
                throw .invalidHeader(file: file, tensor: name, detail: "\"shape\" must hold non-negative integers")
            }
            let (product, overflow) = elementCount.multipliedReportingOverflow(by: dimension)
            if overflow { throw .invalidHeader(file: file, tensor: name, detail: "shape \(shapeValues) overflows") }
            elementCount = product
            shape.append(dimension)
        }
        guard case .array(let offsetValues)? = fields["data_offsets"], offsetValues.count == 2,
              let begin = offsetValues[0].intValue, let end = offsetValues[1].intValue, begin >= 0, end >= 0 else {
            throw .invalidHeader(file: file, tensor: name, detail: "\"data_offsets\" must be two non-negative integers")
        }
        guard begin <= end else {
            throw .invalidHeader(file: file, tensor: name, detail: "\"data_offsets\" [\(begin), \(end)] ends before it begins")
        }
        let (expectedBytes, overflow) = elementCount.multipliedReportingOverflow(by: dtype.byteSize)
        if overflow || expectedBytes != end - begin {
            throw .sizeMismatch(file: file, tensor: name, shape: shape, dtype: dtype.rawValue,
                                expectedBytes: overflow ? Int.max : expectedBytes, actualBytes: end - begin)
        }
        return SafetensorsEntry(name: name, dtype: dtype, shape: shape, dataOffsets: begin..<end)
    }
}
