/// Why a tokenizer could not be built, trained, read or written. Cases that come from a file name
/// the file and the JSON field (as a path like `model.merges[12]`).
public enum TokenizerError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Two tokens share an id.
    case duplicateID(id: Int, first: String, second: String)
    /// A token with a negative id.
    case negativeID(token: String, id: Int)
    /// A token id at or above the supported bound.
    case idOutOfRange(token: String, id: Int, limit: Int)
    /// A merge names a token that is not in the vocabulary.
    case unknownMergePart(rank: Int, merge: String, part: String)
    /// A merge's result is not in the vocabulary (Hugging Face `tokenizers` refuses this too).
    case missingMergeResult(rank: Int, merge: String, result: String)
    /// An added (special) token is empty or conflicts with the vocabulary.
    case invalidAddedToken(content: String, id: Int, detail: String)
    /// The requested vocabulary cannot hold the 256 byte tokens and the special tokens.
    case vocabularyTooSmall(requested: Int, minimum: Int)
    /// A file's text is not JSON.
    case invalidJSON(file: String, detail: String)
    /// A field is missing or has the wrong type or value.
    case invalidField(file: String, field: String, detail: String)
    /// A valid configuration this implementation does not support (another model type,
    /// pre-tokenizer or normaliser).
    case unsupported(file: String, field: String, detail: String)
    /// A file system failure.
    case io(file: String, detail: String)
    /// The model's chat template does not parse, or refused the conversation
    /// (`raise_exception`); the detail names the template line.
    case chatTemplate(detail: String)

    public var description: String {
        switch self {
        case .chatTemplate(let detail):
            return "chat template: \(detail)"
        case .duplicateID(let id, let first, let second):
            return "tokens \"\(first)\" and \"\(second)\" both have id \(id)"
        case .negativeID(let token, let id):
            return "token \"\(token)\" has negative id \(id)"
        case .idOutOfRange(let token, let id, let limit):
            return "token \"\(token)\" has id \(id), beyond the supported limit of \(limit)"
        case .unknownMergePart(let rank, let merge, let part):
            return "merge \(rank) (\"\(merge)\") uses \"\(part)\", which is not in the vocabulary"
        case .missingMergeResult(let rank, let merge, let result):
            return "merge \(rank) (\"\(merge)\") produces \"\(result)\", which is not in the vocabulary"
        case .invalidAddedToken(let content, let id, let detail):
            return "added token \"\(content)\" (id \(id)): \(detail)"
        case .vocabularyTooSmall(let requested, let minimum):
            return "vocabulary size \(requested) is too small: at least \(minimum) (256 bytes + special tokens)"
        case .invalidJSON(let file, let detail):
            return "\(file): not valid JSON: \(detail)"
        case .invalidField(let file, let field, let detail):
            return "\(file): field \(field): \(detail)"
        case .unsupported(let file, let field, let detail):
            return "\(file): field \(field): unsupported: \(detail)"
        case .io(let file, let detail):
            return "\(file): \(detail)"
        }
    }
}
