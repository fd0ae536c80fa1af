/// Why a safetensors file could not be read or written. Every case names the file and, where one
/// is involved, the tensor, so a message says exactly which checkpoint entry is broken.
public enum SafetensorsError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Fewer than the 8 bytes of the header length.
    case fileTooSmall(file: String, size: Int)
    /// The declared header length exceeds the limit (the reference implementation's 100 MB).
    case headerTooLarge(file: String, length: UInt64, limit: Int)
    /// The declared header runs past the end of the file: the file is truncated or not safetensors.
    case headerBeyondEnd(file: String, headerLength: UInt64, fileSize: Int)
    /// The header is not valid UTF-8 JSON.
    case invalidJSON(file: String, detail: String)
    /// The header is JSON but not a valid safetensors header (wrong types, missing fields).
    case invalidHeader(file: String, tensor: String?, detail: String)
    /// A dtype string that the safetensors format does not define.
    case unknownDType(file: String, tensor: String, dtype: String)
    /// A dtype the format defines but the engine does not convert to float32.
    case unsupportedDType(file: String, tensor: String, dtype: String)
    /// The byte range does not hold shape × element size bytes.
    case sizeMismatch(file: String, tensor: String, shape: [Int], dtype: String, expectedBytes: Int, actualBytes: Int)
    /// Two tensors' byte ranges overlap.
    case overlappingOffsets(file: String, tensor: String, other: String)
    /// Bytes between two tensors (or before the first) that no tensor owns.
    case gapInOffsets(file: String, tensor: String, expectedBegin: Int, begin: Int)
    /// A byte range that ends past the data: the file is truncated.
    case offsetsOutOfRange(file: String, tensor: String, end: Int, dataSize: Int)
    /// Data bytes after the last tensor that no tensor owns.
    case trailingBytes(file: String, dataEnd: Int, dataSize: Int)
    /// Tensors the caller asked for that the file does not contain.
    case missingTensors(file: String, names: [String])
    /// The same tensor name given twice to the writer.
    case duplicateTensor(file: String, tensor: String)
    /// A file system failure.
    case io(file: String, detail: String)

    public var description: String {
        switch self {
        case .fileTooSmall(let file, let size):
            return "\(file): \(size) bytes is too small for a safetensors file (needs at least the 8-byte header length)"
        case .headerTooLarge(let file, let length, let limit):
            return "\(file): declared header length \(length) exceeds the limit of \(limit) bytes; the file is corrupt or not safetensors"
        case .headerBeyondEnd(let file, let headerLength, let fileSize):
            return "\(file): header of \(headerLength) bytes runs past the end of the \(fileSize)-byte file; the file is truncated"
        case .invalidJSON(let file, let detail):
            return "\(file): header is not valid JSON: \(detail)"
        case .invalidHeader(let file, let tensor, let detail):
            if let tensor { return "\(file): tensor \"\(tensor)\": \(detail)" }
            return "\(file): invalid header: \(detail)"
        case .unknownDType(let file, let tensor, let dtype):
            return "\(file): tensor \"\(tensor)\": unknown dtype \"\(dtype)\""
        case .unsupportedDType(let file, let tensor, let dtype):
            return "\(file): tensor \"\(tensor)\": dtype \(dtype) is not supported (the engine reads F32, F64, F16 and BF16)"
        case .sizeMismatch(let file, let tensor, let shape, let dtype, let expected, let actual):
            return "\(file): tensor \"\(tensor)\": shape \(shape) of \(dtype) needs \(expected) bytes but its offsets span \(actual)"
        case .overlappingOffsets(let file, let tensor, let other):
            return "\(file): tensor \"\(tensor)\" overlaps tensor \"\(other)\""
        case .gapInOffsets(let file, let tensor, let expectedBegin, let begin):
            return "\(file): tensor \"\(tensor)\" begins at data offset \(begin), expected \(expectedBegin) (offsets must be contiguous)"
        case .offsetsOutOfRange(let file, let tensor, let end, let dataSize):
            return "\(file): tensor \"\(tensor)\" ends at data offset \(end) but the file holds only \(dataSize) data bytes; the file is truncated"
        case .trailingBytes(let file, let dataEnd, let dataSize):
            return "\(file): \(dataSize - dataEnd) data bytes after the last tensor (ends at \(dataEnd) of \(dataSize))"
        case .missingTensors(let file, let names):
            let shown = names.prefix(10).map { "\"\($0)\"" }.joined(separator: ", ")
            return "\(file): missing \(names.count) tensor(s): \(shown)\(names.count > 10 ? ", ..." : "")"
        case .duplicateTensor(let file, let tensor):
            return "\(file): tensor \"\(tensor)\" is given more than once"
        case .io(let file, let detail):
            return "\(file): \(detail)"
        }
    }
}
