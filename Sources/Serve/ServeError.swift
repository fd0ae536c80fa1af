// Errors of loading a model for serving and of starting the server. Request-level problems are
// not errors of this kind: they become OpenAI-shaped HTTP responses (`APIError`).

/// Why a model could not be loaded or the server could not start.
public enum ServeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The model directory could not be read (missing file, bad config, bad weights).
    case modelDirectory(path: String, detail: String)
    /// The model directory has no tokenizer.json, so requests cannot be tokenized.
    case missingTokenizer(path: String)
    /// The tokenizer has ids the model's embedding table does not cover.
    case vocabularyMismatch(path: String, tokenizerSize: Int, modelSize: Int)
    /// The PEFT adapter directory could not be read or does not fit the model.
    case adapter(path: String, detail: String)
    /// A server setting is out of range; `field` names the option.
    case invalidSetting(field: String, detail: String)
    /// The listening socket could not be opened.
    case bindFailed(host: String, port: Int, detail: String)

    public var description: String {
        switch self {
        case let .modelDirectory(path, detail):
            return "cannot load the model in \(path): \(detail)"
        case let .missingTokenizer(path):
            return "the model directory \(path) has no tokenizer.json; export the model with its tokenizer"
        case let .vocabularyMismatch(path, tokenizerSize, modelSize):
            return "the tokenizer in \(path) has ids up to \(tokenizerSize - 1) but the model's vocab_size is \(modelSize)"
        case let .adapter(path, detail):
            return "cannot load the adapter in \(path): \(detail)"
        case let .invalidSetting(field, detail):
            return "invalid server setting \(field): \(detail)"
        case let .bindFailed(host, port, detail):
            return "cannot listen on \(host):\(port): \(detail)"
        }
    }
}
