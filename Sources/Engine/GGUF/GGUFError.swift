/// Why a GGUF file could not be read, or its metadata does not describe a model the engine can
/// load. Every case names the file and, where one is involved, the metadata key or the tensor.
public enum GGUFError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file could not be opened or mapped.
    case io(file: String, detail: String)
    /// The first four bytes are not "GGUF".
    case badMagic(file: String, found: [UInt8])
    /// A format version this reader does not read (it reads 2 and 3, as gguf-py does).
    case unsupportedVersion(file: String, version: UInt32)
    /// The file ends inside `part` (the header, a metadata entry, a tensor-table entry).
    case truncated(file: String, part: String, offset: Int, needed: Int, fileSize: Int)
    /// A string's declared length runs past the end of the file.
    case badStringLength(file: String, part: String, length: UInt64, available: Int)
    /// A string that is not valid UTF-8.
    case invalidUTF8(file: String, part: String)
    /// A metadata value type number the format does not define.
    case unknownValueType(file: String, key: String, type: UInt32)
    /// The same metadata key twice.
    case duplicateKey(file: String, key: String)
    /// `general.alignment` is not a non-zero power of two stored as uint32.
    case invalidAlignment(file: String, detail: String)
    /// The same tensor name twice in the tensor table.
    case duplicateTensor(file: String, tensor: String)
    /// A tensor-table entry that cannot describe a tensor (dimensions, shape, block multiple).
    case invalidTensorInfo(file: String, tensor: String, detail: String)
    /// A tensor type number that is unknown, or known but not dequantised by the engine.
    case unsupportedTensorType(file: String, tensor: String, type: UInt32)
    /// A tensor offset that is not a multiple of the file's alignment.
    case misalignedOffset(file: String, tensor: String, offset: Int, alignment: Int)
    /// A tensor whose data runs past the end of the file.
    case dataPastEnd(file: String, tensor: String, end: Int, fileSize: Int)
    /// A tensor the caller asked for that the file does not contain.
    case missingTensor(file: String, tensor: String)
    /// A metadata key the model needs is absent.
    case missingKey(file: String, key: String)
    /// A metadata value of the wrong type or with an invalid value.
    case invalidValue(file: String, key: String, detail: String)
    /// `general.architecture` names an architecture the engine does not run.
    case unsupportedArchitecture(file: String, architecture: String)
    /// `tokenizer.ggml.model` names a tokenizer the engine does not read.
    case unsupportedTokenizer(file: String, model: String)

    public var description: String {
        switch self {
        case .io(let file, let detail):
            return "\(file): \(detail)"
        case .badMagic(let file, let found):
            let shown = found.map { String($0, radix: 16, uppercase: true) }.map { $0.count == 1 ? "0" + $0 : $0 }.joined(separator: " ")
            return "\(file): not a GGUF file: the first bytes are [\(shown)], expected \"GGUF\" (47 47 55 46)"
        case .unsupportedVersion(let file, let version):
            return "\(file): GGUF version \(version) is not supported (the engine reads versions 2 and 3)"
        case .truncated(let file, let part, let offset, let needed, let fileSize):
            return "\(file): truncated in \(part): needs \(needed) bytes at offset \(offset) but the file has \(fileSize) bytes"
        case .badStringLength(let file, let part, let length, let available):
            return "\(file): \(part): string length \(length) runs past the end of the file (\(available) bytes left); the file is truncated or corrupt"
        case .invalidUTF8(let file, let part):
            return "\(file): \(part): string is not valid UTF-8"
        case .unknownValueType(let file, let key, let type):
            return "\(file): metadata key \"\(key)\": unknown value type \(type) (GGUF defines 0 to 12)"
        case .duplicateKey(let file, let key):
            return "\(file): metadata key \"\(key)\" appears more than once"
        case .invalidAlignment(let file, let detail):
            return "\(file): metadata key \"general.alignment\": \(detail)"
        case .duplicateTensor(let file, let tensor):
            return "\(file): tensor \"\(tensor)\" appears more than once in the tensor table"
        case .invalidTensorInfo(let file, let tensor, let detail):
            return "\(file): tensor \"\(tensor)\": \(detail)"
        case .unsupportedTensorType(let file, let tensor, let type):
            return "\(file): tensor \"\(tensor)\": \(GGMLType.describe(type)) is not supported; the engine dequantises \(GGMLType.dequantizableNames)"
        case .misalignedOffset(let file, let tensor, let offset, let alignment):
            return "\(file): tensor \"\(tensor)\": data offset \(offset) is not a multiple of the alignment \(alignment)"
        case .dataPastEnd(let file, let tensor, let end, let fileSize):
            return "\(file): tensor \"\(tensor)\": data ends at byte \(end) but the file has \(fileSize) bytes; the file is truncated"
        case .missingTensor(let file, let tensor):
            return "\(file): no tensor named \"\(tensor)\""
        case .missingKey(let file, let key):
            return "\(file): metadata key \"\(key)\" is missing"
        case .invalidValue(let file, let key, let detail):
            return "\(file): metadata key \"\(key)\": \(detail)"
        case .unsupportedArchitecture(let file, let architecture):
            return "\(file): metadata key \"general.architecture\": architecture \"\(architecture)\" is not supported (the engine runs llama and qwen2)"
        case .unsupportedTokenizer(let file, let model):
            return "\(file): metadata key \"tokenizer.ggml.model\": tokenizer \"\(model)\" is not supported (the engine reads gpt2, byte-level BPE)"
        }
    }
}
