// The structure of a GGUF file (version 3, as llama.cpp's gguf.cpp and gguf-py's GGUFWriter
// write it; version 2 has the same layout and is read too), all little-endian:
//
//   header         "GGUF" | version u32 | tensor_count u64 | kv_count u64
//   metadata       kv_count × { key: string | value_type u32 | value }
//                    string = length u64 | UTF-8 bytes
//                    array  = element_type u32 | count u64 | count × value
//   tensor table   tensor_count × { name: string | n_dims u32 | ne[n_dims] u64 | type u32 | offset u64 }
//   padding        zeros up to a multiple of `general.alignment` (uint32, default 32)
//   data           each tensor at data_start + offset (offset a multiple of the alignment)
//
// Parsing reads and validates everything except the tensor data itself, which `GGUFReader`
// dequantises on demand from the memory map. What is refused, and why, is listed in `GGUFError`.

/// A parsed GGUF file: header, metadata in file order, tensor table, alignment and where the
/// data section starts. Holds no tensor data (see `GGUFReader`).
public struct GGUFFile: Sendable {
    public static let magic: [UInt8] = Array("GGUF".utf8)
    public static let defaultAlignment = 32
    /// gguf-py's reader accepts 2 and 3; version 1 used 32-bit counts and is long obsolete.
    public static let supportedVersions: ClosedRange<UInt32> = 2...3
    /// ggml's GGML_MAX_DIMS.
    public static let maxDimensions = 4
    /// Arrays of arrays are legal; nesting deeper than this is refused rather than recursed into.
    static let maxArrayNesting = 8

    /// The file the structure was read from, for messages.
    public let path: String
    public let version: UInt32
    public let metadata: [GGUFMetadataEntry]
    public let tensors: [GGUFTensorInfo]
    /// `general.alignment`, or 32 when absent.
    public let alignment: Int
    /// Absolute offset of the data section (the end of the tensor table, padded to the alignment).
    public let dataOffset: Int
    public let fileSize: Int

    private let metadataIndex: [String: Int]
    private let tensorIndex: [String: Int]

    /// The value of metadata key `key`, nil when absent.
    public subscript(key: String) -> GGUFValue? {
        metadataIndex[key].map { metadata[$0].value }
    }

    /// The tensor named `name` (as in the file), nil when absent.
    public func tensor(named name: String) -> GGUFTensorInfo? {
        tensorIndex[name].map { tensors[$0] }
    }

    /// Parses and validates a whole GGUF file held in `bytes`; `path` names it in errors.
    public static func parse(_ bytes: UnsafeRawBufferPointer, path: String) throws(GGUFError) -> GGUFFile {
        var reader = GGUFByteReader(bytes: bytes, file: path)
        guard bytes.count >= magic.count else {
            throw .truncated(file: path, part: "the header", offset: 0, needed: magic.count, fileSize: bytes.count)
        }
        if !bytes.prefix(magic.count).elementsEqual(magic) {
            throw .badMagic(file: path, found: Array(bytes.prefix(magic.count)))
        }
        _ = try reader.read(UInt32.self, in: "the header")
        let version = try reader.read(UInt32.self, in: "the header")
        guard supportedVersions.contains(version) else { throw .unsupportedVersion(file: path, version: version) }
        let tensorCount = try reader.read(UInt64.self, in: "the header")
        let metadataCount = try reader.read(UInt64.self, in: "the header")

        // Metadata. Counts come from the file: reserve no more than the remaining bytes could hold.
        var metadata: [GGUFMetadataEntry] = []
        var metadataIndex: [String: Int] = [:]
        metadata.reserveCapacity(Int(min(metadataCount, UInt64(reader.remaining / 13))))
        var entry: UInt64 = 0
        while entry < metadataCount {
            let key = try reader.readString(in: "metadata entry \(entry) (its key)")
            let rawType = try reader.read(UInt32.self, in: "metadata key \"\(key)\"")
            let value = try readValue(rawType: rawType, key: key, depth: 0, reader: &reader)
            if metadataIndex[key] != nil { throw .duplicateKey(file: path, key: key) }
            metadataIndex[key] = metadata.count
            metadata.append(GGUFMetadataEntry(key: key, value: value))
            entry += 1
        }

        let alignment = try readAlignment(metadataIndex["general.alignment"].map { metadata[$0].value }, path: path)

        // Tensor table: names, dimensions, types and offsets; validated once the data start is known.
        var rawTensors: [(name: String, dimensions: [Int], type: UInt32, offset: UInt64)] = []
        rawTensors.reserveCapacity(Int(min(tensorCount, UInt64(reader.remaining / 24))))
        var index: UInt64 = 0
        while index < tensorCount {
            let name = try reader.readString(in: "tensor-table entry \(index) (its name)")
            let part = "the tensor-table entry of \"\(name)\""
            let dimensionCount = try reader.read(UInt32.self, in: part)
            guard dimensionCount <= UInt32(maxDimensions) else {
                throw .invalidTensorInfo(file: path, tensor: name, detail: "\(dimensionCount) dimensions; ggml allows at most \(maxDimensions)")
            }
            var dimensions: [Int] = []
            var elements = 1
            for _ in 0..<dimensionCount {
                let raw = try reader.read(UInt64.self, in: part)
                guard let dimension = Int(exactly: raw), dimension >= 0 else {
                    throw .invalidTensorInfo(file: path, tensor: name, detail: "dimension \(raw) is too large")
                }
                let (product, overflow) = elements.multipliedReportingOverflow(by: dimension)
                if overflow { throw .invalidTensorInfo(file: path, tensor: name, detail: "the element count of dimensions \(dimensions + [dimension]) overflows") }
                elements = product
                dimensions.append(dimension)
            }
            let type = try reader.read(UInt32.self, in: part)
            let offset = try reader.read(UInt64.self, in: part)
            rawTensors.append((name, dimensions, type, offset))
            index += 1
        }

        let tableEnd = reader.offset
        let dataOffset = (tableEnd + alignment - 1) / alignment * alignment
        var tensors: [GGUFTensorInfo] = []
        var tensorIndex: [String: Int] = [:]
        tensors.reserveCapacity(rawTensors.count)
        for raw in rawTensors {
            if tensorIndex[raw.name] != nil { throw .duplicateTensor(file: path, tensor: raw.name) }
            let info = try validate(raw.name, dimensions: raw.dimensions, rawType: raw.type, offset: raw.offset,
                                    dataOffset: dataOffset, alignment: alignment, fileSize: bytes.count, path: path)
            tensorIndex[raw.name] = tensors.count
            tensors.append(info)
        }
        return GGUFFile(path: path, version: version, metadata: metadata, tensors: tensors, alignment: alignment,
                        dataOffset: dataOffset, fileSize: bytes.count, metadataIndex: metadataIndex, tensorIndex: tensorIndex)
    }

    private init(path: String, version: UInt32, metadata: [GGUFMetadataEntry], tensors: [GGUFTensorInfo], alignment: Int,
                 dataOffset: Int, fileSize: Int, metadataIndex: [String: Int], tensorIndex: [String: Int]) {
        self.path = path
        self.version = version
        self.metadata = metadata
        self.tensors = tensors
        self.alignment = alignment
        self.dataOffset = dataOffset
        self.fileSize = fileSize
        self.metadataIndex = metadataIndex
        self.tensorIndex = tensorIndex
    }

    /// One metadata value of type `rawType` (arrays recursively).
    private static func readValue(rawType: UInt32, key: String, depth: Int, reader: inout GGUFByteReader) throws(GGUFError) -> GGUFValue {
        guard let type = GGUFValueType(rawValue: rawType) else {
            throw .unknownValueType(file: reader.file, key: key, type: rawType)
        }
        let part = "metadata key \"\(key)\""
        switch type {
        case .uint8: return .uint8(try reader.read(UInt8.self, in: part))
        case .int8: return .int8(try reader.read(Int8.self, in: part))
        case .uint16: return .uint16(try reader.read(UInt16.self, in: part))
        case .int16: return .int16(try reader.read(Int16.self, in: part))
        case .uint32: return .uint32(try reader.read(UInt32.self, in: part))
        case .int32: return .int32(try reader.read(Int32.self, in: part))
        case .uint64: return .uint64(try reader.read(UInt64.self, in: part))
        case .int64: return .int64(try reader.read(Int64.self, in: part))
        case .float32: return .float32(Float(bitPattern: try reader.read(UInt32.self, in: part)))
        case .float64: return .float64(Double(bitPattern: try reader.read(UInt64.self, in: part)))
        // As llama.cpp: one byte, non-zero is true.
        case .bool: return .bool(try reader.read(UInt8.self, in: part) != 0)
        case .string: return .string(try reader.readString(in: part))
        case .array:
            let rawElementType = try reader.read(UInt32.self, in: part)
            let count = try reader.read(UInt64.self, in: part)
            guard let elementType = GGUFValueType(rawValue: rawElementType) else {
                throw .unknownValueType(file: reader.file, key: key, type: rawElementType)
            }
            if elementType == .array && depth + 1 >= maxArrayNesting {
                throw .invalidValue(file: reader.file, key: key, detail: "arrays nested more than \(maxArrayNesting) deep")
            }
            // Every element takes at least this many bytes: refuse a count the file cannot hold
            // before allocating for it.
            let smallest = elementType.fixedSize ?? (elementType == .string ? 8 : 12)
            guard count <= UInt64(reader.remaining / smallest) else {
                let (needed, overflow) = count.multipliedReportingOverflow(by: UInt64(smallest))
                throw .truncated(file: reader.file, part: "the \(count)-element array of \(part)", offset: reader.offset,
                                 needed: overflow ? Int.max : Int(clamping: needed), fileSize: reader.bytes.count)
            }
            var elements: [GGUFValue] = []
            elements.reserveCapacity(Int(count))
            for _ in 0..<Int(count) {
                elements.append(try readValue(rawType: rawElementType, key: key, depth: depth + 1, reader: &reader))
            }
            return .array(GGUFArray(elementType: elementType, elements: elements))
        }
    }

    /// `general.alignment`: as gguf-py, a uint32 that is a non-zero power of two.
    private static func readAlignment(_ value: GGUFValue?, path: String) throws(GGUFError) -> Int {
        guard let value else { return defaultAlignment }
        guard case .uint32(let alignment) = value else {
            throw .invalidAlignment(file: path, detail: "must be a uint32, found \(value.typeDescription)")
        }
        guard alignment != 0, alignment & (alignment - 1) == 0 else {
            throw .invalidAlignment(file: path, detail: "\(alignment) is not a non-zero power of two")
        }
        return Int(alignment)
    }

    /// Checks one tensor-table entry against the type table and the file, and locates its bytes.
    private static func validate(_ name: String, dimensions: [Int], rawType: UInt32, offset: UInt64, dataOffset: Int,
                                 alignment: Int, fileSize: Int, path: String) throws(GGUFError) -> GGUFTensorInfo {
        guard let type = GGMLType(rawValue: rawType) else {
            throw .unsupportedTensorType(file: path, tensor: name, type: rawType)
        }
        let rowLength = dimensions.first ?? 1
        guard rowLength % type.blockSize == 0 else {
            throw .invalidTensorInfo(file: path, tensor: name,
                                     detail: "row length ne[0] = \(rowLength) is not a multiple of \(type.name)'s block size \(type.blockSize)")
        }
        let elements = dimensions.reduce(1, *)  // checked for overflow while reading
        let (byteCount, overflow) = (elements / type.blockSize).multipliedReportingOverflow(by: type.typeSize)
        guard !overflow, let start = Int(exactly: offset) else {
            throw .dataPastEnd(file: path, tensor: name, end: Int.max, fileSize: fileSize)
        }
        guard start % alignment == 0 else {
            throw .misalignedOffset(file: path, tensor: name, offset: start, alignment: alignment)
        }
        let (begin, beginOverflow) = dataOffset.addingReportingOverflow(start)
        let (end, endOverflow) = begin.addingReportingOverflow(byteCount)
        guard !beginOverflow, !endOverflow, end <= fileSize else {
            throw .dataPastEnd(file: path, tensor: name, end: beginOverflow || endOverflow ? Int.max : end, fileSize: fileSize)
        }
        return GGUFTensorInfo(name: name, dimensions: dimensions, type: type, offset: start, fileRange: begin..<end)
    }
}
