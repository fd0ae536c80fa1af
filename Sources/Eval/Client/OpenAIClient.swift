// A minimal OpenAI-compatible chat client: POST {base}/chat/completions, non-streaming, with
// retries (RetryPolicy) on connection failures and retryable statuses. It speaks plain OpenAI, so
// it works against our server, vLLM, or a hosted API. The API key, when there is one, is sent as a
// bearer token and never written anywhere.

import AsyncHTTPClient
import Basics
import Foundation
import NIOCore
import NIOHTTP1
import Trace

/// One message of a chat request.
public struct ChatTurn: Sendable, Hashable, Codable {
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// Sampling settings sent with a chat request; nil fields are left out of the request (the
/// endpoint's default applies).
public struct ChatParameters: Sendable, Hashable {
    public var temperature: Double
    public var topP: Double?
    public var maxTokens: Int?
    public var seed: Int?

    public init(temperature: Double, topP: Double? = nil, maxTokens: Int? = nil, seed: Int? = nil) {
        self.temperature = temperature
        self.topP = topP
        self.maxTokens = maxTokens
        self.seed = seed
    }

    /// The parameters as request fields (also the cache key's "params").
    var json: JSONValue {
        var members: [String: JSONValue] = ["temperature": CanonicalJSON.number(temperature)]
        if let topP { members["top_p"] = CanonicalJSON.number(topP) }
        if let maxTokens { members["max_tokens"] = .int(maxTokens) }
        if let seed { members["seed"] = .int(seed) }
        return .object(members)
    }
}

/// What came back from a chat completion.
public struct ChatReply: Sendable, Hashable {
    public var content: String
    /// `stop`, `length`, ... as the endpoint reported it.
    public var finishReason: String?
    public var promptTokens: Int?
    public var completionTokens: Int?

    public init(content: String, finishReason: String?, promptTokens: Int?, completionTokens: Int?) {
        self.content = content
        self.finishReason = finishReason
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }
}

/// A chat-completions client for one endpoint.
public struct OpenAIClient: Sendable {
    /// The base URL, ending in /v1 (e.g. http://127.0.0.1:8000/v1).
    public let baseURL: String
    private let apiKey: String?
    public let retry: RetryPolicy
    public let timeout: Duration

    /// `baseURL` is the OpenAI base URL; one with no path (http://host:port) gets /v1 appended.
    public init(baseURL: String, apiKey: String? = nil, retry: RetryPolicy = RetryPolicy(), timeout: Duration = .seconds(600)) {
        self.baseURL = OpenAIClient.normalizedBaseURL(baseURL)
        self.apiKey = apiKey
        self.retry = retry
        self.timeout = timeout
    }

    static func normalizedBaseURL(_ text: String) -> String {
        var base = text
        while base.hasSuffix("/") { base.removeLast() }
        if let url = URL(string: base), url.scheme != nil, url.path.isEmpty { base += "/v1" }
        return base
    }

    /// Sends one chat completion and returns the first choice.
    public func chat(model: String, messages: [ChatTurn], parameters: ChatParameters) async throws -> ChatReply {
        var members: [String: JSONValue] = [
            "model": .string(model),
            "messages": .array(messages.map { .object(["role": .string($0.role), "content": .string($0.content)]) }),
            "stream": .bool(false),
        ]
        for member in parameters.json.objectMembers ?? [] { members[member.key] = member.value }
        let url = baseURL + "/chat/completions"
        let body = try await post(url: url, body: Array(CanonicalJSON.line(.object(members)).utf8))
        return try OpenAIClient.parseReply(body, url: url)
    }

    /// How many sequences the server runs at once, as its `/v1/models` entry for `model` says in
    /// `max_num_seqs` (vLLM's name for the setting; iopo-exp serve advertises its --max-batch).
    /// nil when the server does not say or cannot be asked (one attempt, no retries).
    public func advertisedConcurrency(model: String) async -> Int? {
        var request = HTTPClientRequest(url: baseURL + "/models")
        if let apiKey { request.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
        guard let response = try? await evaluationHTTPClient.execute(request, timeout: .seconds(10)), response.status.code == 200,
              var buffer = try? await response.body.collect(upTo: 4 << 20),
              let document = try? JSONParser.parse(bytes: buffer.readBytes(length: buffer.readableBytes) ?? []),
              let entries = document["data"]?.arrayValue else { return nil }
        let entry = entries.first { $0["id"]?.stringValue == model } ?? (entries.count == 1 ? entries[0] : nil)
        guard let value = entry?["max_num_seqs"]?.intValue, value >= 1 else { return nil }
        return value
    }

    static func parseReply(_ body: [UInt8], url: String) throws(EvaluationError) -> ChatReply {
        let document: JSONValue
        do throws(JSONSyntaxError) {
            document = try JSONParser.parse(bytes: body)
        } catch {
            throw .invalidResponse(url: url, detail: "not JSON (\(error.description))")
        }
        guard let choice = document["choices"]?.arrayValue?.first else {
            throw .invalidResponse(url: url, detail: "no choices in \(String(decoding: body.prefix(300), as: UTF8.self))")
        }
        let content: String
        switch choice["message"]?["content"] {
        case .string(let text)?: content = text
        case .null?, nil: content = ""
        default: throw .invalidResponse(url: url, detail: "choices[0].message.content is not a string")
        }
        let usage = document["usage"]
        return ChatReply(content: content, finishReason: choice["finish_reason"]?.stringValue,
                         promptTokens: usage?["prompt_tokens"]?.intValue, completionTokens: usage?["completion_tokens"]?.intValue)
    }

    /// POSTs JSON and returns the 200 body, retrying as the policy says.
    private func post(url: String, body: [UInt8]) async throws -> [UInt8] {
        var attempt = 0
        while true {
            attempt += 1
            try Task.checkCancellation()
            let failure: EvaluationError
            switch try await send(url: url, body: body) {
            case .success(let bytes): return bytes
            case .status(let status, let bytes):
                failure = .httpStatus(url: url, status: status, body: String(decoding: bytes, as: UTF8.self))
                if !RetryPolicy.isRetryable(status: status) { throw failure }
            case .connection(let detail):
                failure = .unreachable(url: url, attempts: attempt, detail: detail)
            }
            if attempt >= retry.maxAttempts { throw failure }
            try await Task.sleep(for: retry.delay(after: attempt))
        }
    }

    private enum Outcome {
        case success([UInt8])
        case status(Int, [UInt8])
        case connection(String)
    }

    /// One attempt. Every failure below HTTP (refused, reset, timed out, closed early) is a
    /// connection failure.
    private func send(url: String, body: [UInt8]) async throws -> Outcome {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if let apiKey { request.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await evaluationHTTPClient.execute(request, timeout: .nanoseconds(timeout.nanoseconds))
            var buffer = try await response.body.collect(upTo: 64 << 20)
            let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
            let status = Int(response.status.code)
            return status == 200 ? .success(bytes) : .status(status, bytes)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            return .connection("\(error)")
        }
    }
}

/// The process's HTTP client for evaluations. A refused or failed connection fails the attempt at
/// once (the pool's own connection retries are off) so `RetryPolicy` alone decides what happens
/// next; up to 256 connections per host, so --concurrency is not capped by the pool.
let evaluationHTTPClient: HTTPClient = {
    var configuration = HTTPClient.Configuration(
        timeout: HTTPClient.Configuration.Timeout(connect: .seconds(10)),
        connectionPool: HTTPClient.Configuration.ConnectionPool(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 256))
    configuration.connectionPool.retryConnectionEstablishment = false
    return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
}()

extension Duration {
    /// Whole nanoseconds (saturating), for NIO's TimeAmount.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return product + attoseconds / 1_000_000_000
    }
}
