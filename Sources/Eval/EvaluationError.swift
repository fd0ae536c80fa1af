// Errors of an evaluation. Each names what was wrong and where (file and line, record id,
// endpoint, field), so the CLI can print it as is.

/// Why an evaluation could not run or finish.
public enum EvaluationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A setting is missing or out of range; `field` is the CLI option / config field.
    case invalidSetting(field: String, detail: String)
    /// A dataset file could not be read or parsed.
    case dataset(file: String, detail: String)
    /// The judge cannot score this dataset (e.g. the rule judge on records without checks).
    case judgeMismatch(dataset: String, detail: String)
    /// The endpoint could not be reached after every retry.
    case unreachable(url: String, attempts: Int, detail: String)
    /// The endpoint answered with an HTTP error (after retries, for 5xx and 429).
    case httpStatus(url: String, status: Int, body: String)
    /// The endpoint answered 200 with a body that is not a chat completion.
    case invalidResponse(url: String, detail: String)
    /// An output or cache file could not be written or read.
    case io(path: String, detail: String)

    public var description: String {
        switch self {
        case let .invalidSetting(field, detail):
            return "\(field): \(detail)"
        case let .dataset(file, detail):
            return "\(file): \(detail)"
        case let .judgeMismatch(dataset, detail):
            return "dataset \(dataset): \(detail)"
        case let .unreachable(url, attempts, detail):
            return "cannot reach \(url) after \(attempts) attempts: \(detail)"
        case let .httpStatus(url, status, body):
            return "\(url) answered HTTP \(status): \(body.prefix(500))"
        case let .invalidResponse(url, detail):
            return "\(url) returned an unexpected body: \(detail)"
        case let .io(path, detail):
            return "\(path): \(detail)"
        }
    }
}
