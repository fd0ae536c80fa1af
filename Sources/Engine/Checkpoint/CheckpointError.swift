/// Why a Hugging Face model or PEFT adapter directory could not be written or read. Every case
/// names the file and, where relevant, the JSON field or tensor.
public enum CheckpointError: Error, CustomStringConvertible, Sendable, Equatable {
    /// A safetensors file failed (the inner error names file and tensor).
    case safetensors(SafetensorsError)
    /// tokenizer.json or tokenizer_config.json failed.
    case tokenizer(TokenizerError)
    /// A file the directory must contain is absent.
    case missingFile(directory: String, file: String)
    /// A JSON file is not valid JSON.
    case invalidJSON(file: String, detail: String)
    /// A JSON field is missing or has the wrong type or value.
    case invalidField(file: String, field: String, detail: String)
    /// A tensor has the wrong shape, or a name the format does not allow.
    case invalidTensor(file: String, tensor: String, detail: String)
    /// Tensors the configuration requires but the checkpoint lacks.
    case missingTensors(file: String, names: [String])
    /// Tensors the configuration does not account for.
    case unexpectedTensors(file: String, names: [String])
    /// A file system failure.
    case io(file: String, detail: String)

    public var description: String {
        switch self {
        case .safetensors(let error): return error.description
        case .tokenizer(let error): return error.description
        case .missingFile(let directory, let file): return "\(directory): missing \(file)"
        case .invalidJSON(let file, let detail): return "\(file): not valid JSON: \(detail)"
        case .invalidField(let file, let field, let detail): return "\(file): field \(field): \(detail)"
        case .invalidTensor(let file, let tensor, let detail): return "\(file): tensor \"\(tensor)\": \(detail)"
        case .missingTensors(let file, let names): return "\(file): missing tensor(s) \(CheckpointError.list(names))"
        case .unexpectedTensors(let file, let names): return "\(file): unexpected tensor(s) \(CheckpointError.list(names))"
        case .io(let file, let detail): return "\(file): \(detail)"
        }
    }

    private static func list(_ names: [String]) -> String {
        names.prefix(10).map { "\"\($0)\"" }.joined(separator: ", ") + (names.count > 10 ? ", ... (\(names.count) in all)" : "")
    }
}
