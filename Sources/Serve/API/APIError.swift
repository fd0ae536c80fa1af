// Errors as the OpenAI API (and vLLM) return them: an HTTP status and the body
// {"error": {"message", "type", "param", "code"}}. `type` uses vLLM's names (BadRequestError,
// NotFoundError, ...) and `code` repeats the status, as vLLM does; `param` names the request
// field at fault when there is one.

import Basics
import Engine

/// A request the server refuses, with the status and the OpenAI-shaped body to send.
public struct APIError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Int
    public var type: String
    public var message: String
    public var param: String?
    /// Seconds a client should wait before retrying (sent as the `Retry-After` header).
    public var retryAfterSeconds: Int?

    public init(status: Int, type: String, message: String, param: String? = nil, retryAfterSeconds: Int? = nil) {
        self.status = status
        self.type = type
        self.message = message
        self.param = param
        self.retryAfterSeconds = retryAfterSeconds
    }

    public var description: String { "\(status) \(type): \(message)" }

    static func badRequest(_ message: String, param: String? = nil) -> APIError {
        APIError(status: 400, type: "BadRequestError", message: message, param: param)
    }

    static func notFound(_ message: String, param: String? = nil) -> APIError {
        APIError(status: 404, type: "NotFoundError", message: message, param: param)
    }

    static func methodNotAllowed(_ method: String, path: String, allowed: String) -> APIError {
        APIError(status: 405, type: "MethodNotAllowedError", message: "method \(method) is not allowed on \(path); use \(allowed)")
    }

    static func tooLarge(limit: Int) -> APIError {
        APIError(status: 413, type: "RequestTooLargeError",
                 message: "the request body is larger than the server's limit of \(limit) bytes (--max-body-bytes)")
    }

    static func unavailable(_ message: String) -> APIError {
        APIError(status: 503, type: "ServiceUnavailableError", message: message)
    }

    /// The queue is full: 429 with Retry-After, as OpenAI's rate limits answer.
    static func busy(_ message: String) -> APIError {
        APIError(status: 429, type: "RateLimitError", message: message, retryAfterSeconds: 1)
    }

    static func internalError(_ message: String) -> APIError {
        APIError(status: 500, type: "InternalServerError", message: message)
    }

    /// The response body.
    var json: JSONValue {
        .object(["error": .object([
            "message": .string(message),
            "type": .string(type),
            "param": param.map { .string($0) } ?? .null,
            "code": .int(status),
        ])])
    }
}
