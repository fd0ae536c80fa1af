// Routes HTTP requests to the OpenAI endpoints and turns every failure into an OpenAI-shaped error
// response, so no request (however malformed) can take the server down or leave it silent.
//
//   GET  /health                200, empty body (as vLLM)
//   GET  /v1/models             the served model
//   POST /v1/completions        text completion, streaming or not
//   POST /v1/chat/completions   chat completion with the Qwen2 chat template, streaming or not
//
// Generation runs on the scheduler's engine thread; this type only parses, tokenizes, checks
// limits, queues, and writes what comes back. A streamed response stops its sequences when a
// write fails (the client went away) or the handler is cancelled.

import Basics
import Engine
import Foundation
import Hummingbird
import NIOCore
import Synchronization

/// The response numbers of one server, shared by every copy of its responder.
final class ResponseCounter: Sendable {
    private let last = Mutex(0)

    /// 1, 2, 3, … in call order.
    func next() -> Int {
        last.withLock { value in
            value += 1
            return value
        }
    }
}

/// The HTTP face of the server.
struct OpenAIResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    let model: ServedModel
    let scheduler: GenerationScheduler
    let maxBodyBytes: Int
    /// Numbers responses: ids are `cmpl-N` / `chatcmpl-N` in arrival order.
    let counter = ResponseCounter()

    func respond(to request: Request, context: BasicRequestContext) async throws -> Response {
        let response: Response
        do {
            response = try await route(request)
        } catch let error as APIError {
            var refusal = OpenAIResponder.json(error.json, status: error.status)
            if let seconds = error.retryAfterSeconds { refusal.headers[.retryAfter] = String(seconds) }
            // The rest of an oversized body is never read: the client is asked to close rather
            // than go on uploading what the server would only drain.
            if error.status == 413 { refusal.headers[.connection] = "close" }
            response = refusal
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            response = OpenAIResponder.json(APIError.internalError("\(error)").json, status: 500)
        }
        // Unknown paths are counted under one handler, so a scanner cannot grow the label set.
        let known = ["/health", "/metrics", "/v1/models", "/v1/completions", "/v1/chat/completions"]
        let path = request.uri.path
        scheduler.metrics.response(handler: known.contains(path) ? path : "other", method: request.method.rawValue,
                                   status: Int(response.status.code))
        return response
    }

    private func route(_ request: Request) async throws -> Response {
        let path = request.uri.path
        let method = request.method
        switch path {
        case "/health":
            guard method == .get else { throw APIError.methodNotAllowed(method.rawValue, path: path, allowed: "GET") }
            return Response(status: .ok)
        case "/metrics":
            guard method == .get else { throw APIError.methodNotAllowed(method.rawValue, path: path, allowed: "GET") }
            let text = scheduler.metrics.text(scheduler.statistics)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        case "/v1/models":
            guard method == .get else { throw APIError.methodNotAllowed(method.rawValue, path: path, allowed: "GET") }
            return OpenAIResponder.json(ResponseShapes.modelList(model, maxBatch: scheduler.maxBatch), status: 200)
        case "/v1/completions":
            guard method == .post else { throw APIError.methodNotAllowed(method.rawValue, path: path, allowed: "POST") }
            return try await generate(request, endpoint: .completions)
        case "/v1/chat/completions":
            guard method == .post else { throw APIError.methodNotAllowed(method.rawValue, path: path, allowed: "POST") }
            return try await generate(request, endpoint: .chatCompletions)
        default:
            throw APIError.notFound("no route \(method.rawValue) \(path); this server has /v1/models, /v1/completions, /v1/chat/completions, /health and /metrics")
        }
    }

    static func json(_ value: JSONValue, status: Int) -> Response {
        let bytes = (try? JSONWriter.canonical.checkedBytes(value)) ?? Array(#"{"error":{"message":"unencodable response"}}"#.utf8)
        return Response(status: HTTPResponse.Status(code: status), headers: [.contentType: "application/json"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    private func readBody(_ request: Request) async throws -> [UInt8] {
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > maxBodyBytes {
            throw APIError.tooLarge(limit: maxBodyBytes)
        }
        do {
            var buffer = try await request.body.collect(upTo: maxBodyBytes)
            return buffer.readBytes(length: buffer.readableBytes) ?? []
        } catch is NIOTooManyBytesError {
            throw APIError.tooLarge(limit: maxBodyBytes)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw APIError.badRequest("could not read the request body: \(error)")
        }
    }

    // MARK: Generation

    private func generate(_ request: Request, endpoint: GenerationEndpoint) async throws -> Response {
        let body = try await readBody(request)
        let parsed = try GenerationRequest.parse(body: body, endpoint: endpoint)
        if let name = parsed.model, name != model.name {
            throw APIError.notFound("The model `\(name)` does not exist. This server serves `\(model.name)`.", param: "model")
        }
        if parsed.stream && parsed.echo && parsed.logprobs != nil {
            throw APIError.badRequest("echo with logprobs is not available when streaming; set stream to false", param: "echo")
        }
        var specs: [SequenceSpec] = []
        var promptTokenCount = 0
        /// With echo: each prompt's text, as the response starts its choices' text with it.
        var echoed: [String] = []
        for (promptIndex, prompt) in parsed.prompts.enumerated() {
            let tokens = try tokenize(prompt)
            let maxTokens = try completionBudget(promptTokens: tokens.count, requested: parsed.maxTokens, endpoint: endpoint)
            promptTokenCount += tokens.count
            if parsed.echo {
                if case .text(let text) = prompt { echoed.append(text) } else { echoed.append(model.tokenizer.decode(tokens.map { Int($0) })) }
            }
            for choice in 0..<parsed.n {
                specs.append(SequenceSpec(choice: promptIndex * parsed.n + choice, promptTokens: tokens, maxTokens: maxTokens,
                                          sampling: parsed.sampling, seed: parsed.seed &+ UInt64(choice), stopStrings: parsed.stop,
                                          ignoreEOS: parsed.ignoreEOS, logprobs: parsed.logprobs,
                                          promptLogprobs: parsed.echo ? parsed.logprobs : nil))
            }
        }
        let handle = try scheduler.submit(specs)
        let number = counter.next()
        let id = (endpoint == .chatCompletions ? "chatcmpl-" : "cmpl-") + String(number)
        let created = Int(Date().timeIntervalSince1970)
        let context = StreamContext(endpoint: endpoint, id: id, created: created, model: model.name,
                                    choices: specs.count, promptTokens: promptTokenCount,
                                    echo: echoed.isEmpty ? nil : (0..<specs.count).map { echoed[$0 / parsed.n] },
                                    logprobs: parsed.logprobs != nil, shapes: LogprobShapes(tokenizer: model.tokenizer))
        if parsed.stream {
            return streamingResponse(handle: handle, context: context, includeUsage: parsed.includeUsage)
        }
        var outcomes: [Int: SequenceOutcome] = [:]
        await withTaskCancellationHandler {
            for await event in handle.events {
                if case .finished(let choice, let outcome) = event { outcomes[choice] = outcome }
            }
        } onCancel: {
            handle.cancel()
        }
        let shapes = LogprobShapes(tokenizer: model.tokenizer)
        let choices = outcomes.keys.sorted().map { index in
            let outcome = outcomes[index]!
            let prefix = echoed.isEmpty ? "" : echoed[index / parsed.n]
            var logprobs = JSONValue.null
            if parsed.logprobs != nil {
                let generated = (outcome.logprobs ?? []).map { (token: $0.token, logprob: Optional($0)) }
                switch endpoint {
                case .chatCompletions:
                    logprobs = shapes.chat(outcome.logprobs ?? [])
                case .completions:
                    var entries: [(token: Int32, logprob: TokenLogprob?)] = []
                    if let prompt = outcome.promptLogprobs {
                        entries.append((specs[index].promptTokens[0], nil))
                        entries += prompt.map { (token: $0.token, logprob: Optional($0)) }
                    }
                    logprobs = shapes.completion(entries + generated)
                }
            }
            return ResponseShapes.Choice(index: index, outcome: outcome, text: prefix + outcome.text, logprobs: logprobs)
        }
        if let failed = choices.first(where: { if case .failed = $0.outcome.finish { true } else { false } }),
           case .failed(let reason) = failed.outcome.finish {
            throw APIError.internalError("generation failed: \(reason)")
        }
        if choices.contains(where: { $0.outcome.finish == .cancelled }) {
            throw APIError.unavailable("the request was cancelled: the server is shutting down")
        }
        let usage = ResponseShapes.usage(promptTokens: promptTokenCount,
                                         completionTokens: choices.reduce(0) { $0 + $1.outcome.completionTokens })
        let document = ResponseShapes.response(endpoint: endpoint, id: id, created: created, model: model.name, choices: choices, usage: usage)
        return OpenAIResponder.json(document, status: 200)
    }

    /// The prompt's tokens, checked against the vocabulary and the context.
    private func tokenize(_ prompt: PromptInput) throws(APIError) -> [Int32] {
        let tokens: [Int32]
        let param: String
        switch prompt {
        case .messages(let messages):
            do throws(TokenizerError) {
                tokens = try model.tokenizer.encodeChat(messages, addGenerationPrompt: true).map { Int32($0) }
            } catch {
                // The model's template refused the conversation (roles out of order, ...).
                throw .badRequest("\(error)", param: "messages")
            }
            param = "messages"
        case .text(let text):
            tokens = model.tokenizer.encode(text).map { Int32($0) }
            param = "prompt"
        case .tokens(let ids):
            tokens = ids
            param = "prompt"
            if let bad = ids.first(where: { Int($0) >= model.model.config.vocabSize }) {
                throw .badRequest("token id \(bad) in prompt is outside the vocabulary 0..<\(model.model.config.vocabSize)", param: param)
            }
        }
        if tokens.isEmpty { throw .badRequest("the prompt is empty: it has no tokens", param: param) }
        if tokens.count >= model.contextLength {
            throw .badRequest("This model's maximum context length is \(model.contextLength) tokens. However, your prompt has "
                              + "\(tokens.count) tokens, which leaves no room for a completion. Please reduce the length of the \(param).",
                              param: param)
        }
        return tokens
    }

    /// max_tokens for a prompt: the request's value, which must fit in the context with the prompt
    /// (vLLM's check and message), or the endpoint's default clipped to the context.
    private func completionBudget(promptTokens: Int, requested: Int?, endpoint: GenerationEndpoint) throws(APIError) -> Int {
        let room = model.contextLength - promptTokens
        guard let requested else { return endpoint == .chatCompletions ? room : min(16, room) }
        if requested > room {
            let what = endpoint == .chatCompletions ? "messages" : "prompt"
            throw .badRequest("This model's maximum context length is \(model.contextLength) tokens. However, you requested "
                              + "\(promptTokens + requested) tokens (\(promptTokens) in the \(what), \(requested) in the completion). "
                              + "Please reduce the length of the \(what) or completion.",
                              param: "max_tokens")
        }
        return requested
    }

    /// What every chunk of one streamed response shares.
    private struct StreamContext: Sendable {
        var endpoint: GenerationEndpoint
        var id: String
        var created: Int
        var model: String
        var choices: Int
        var promptTokens: Int
        /// With echo: each choice's prompt text, sent before its completion.
        var echo: [String]?
        /// Whether chunks carry the log probabilities of their tokens.
        var logprobs: Bool
        var shapes: LogprobShapes

        func chunk(_ value: JSONValue) -> ByteBuffer {
            var bytes = Array("data: ".utf8)
            bytes.append(contentsOf: (try? JSONWriter.canonical.checkedBytes(value)) ?? [])
            bytes.append(contentsOf: "\n\n".utf8)
            return ByteBuffer(bytes: bytes)
        }
    }

    /// Server-sent events as vLLM sends them: for chat, a first chunk per choice with the
    /// assistant role; a chunk per text delta; a chunk with finish_reason per choice; with
    /// include_usage, a chunk with no choices and the usage; then `data: [DONE]`.
    private func streamingResponse(handle: RequestHandle, context: StreamContext, includeUsage: Bool) -> Response {
        let body = ResponseBody { writer in
            do {
                try await withTaskCancellationHandler {
                    if context.endpoint == .chatCompletions {
                        for choice in 0..<context.choices {
                            try await writer.write(context.chunk(ResponseShapes.chunk(
                                endpoint: context.endpoint, id: context.id, created: context.created, model: context.model,
                                index: choice, chatDelta: .object(["role": .string("assistant"), "content": .string("")]))))
                        }
                    }
                    if let echo = context.echo {
                        for (choice, text) in echo.enumerated() {
                            try await writer.write(context.chunk(ResponseShapes.chunk(
                                endpoint: context.endpoint, id: context.id, created: context.created, model: context.model,
                                index: choice, text: text)))
                        }
                    }
                    var completionTokens = 0
                    // Completions' text_offset of each choice's next token.
                    var offsets = [Int](repeating: 0, count: context.choices)
                    for await event in handle.events {
                        switch event {
                        case .text(let choice, let delta, let entries):
                            var logprobs = JSONValue.null
                            if context.logprobs {
                                switch context.endpoint {
                                case .chatCompletions:
                                    logprobs = context.shapes.chat(entries)
                                case .completions:
                                    logprobs = context.shapes.completion(entries.map { (token: $0.token, logprob: Optional($0)) },
                                                                         offset: offsets[choice])
                                    offsets[choice] += entries.reduce(0) { $0 + context.shapes.text($1.token).unicodeScalars.count }
                                }
                            }
                            try await writer.write(context.chunk(ResponseShapes.chunk(
                                endpoint: context.endpoint, id: context.id, created: context.created, model: context.model,
                                index: choice, text: delta, logprobs: logprobs)))
                        case .finished(let choice, let outcome):
                            completionTokens += outcome.completionTokens
                            try await writer.write(context.chunk(ResponseShapes.chunk(
                                endpoint: context.endpoint, id: context.id, created: context.created, model: context.model,
                                index: choice, finish: outcome.finish)))
                        }
                    }
                    if includeUsage {
                        try await writer.write(context.chunk(ResponseShapes.usageChunk(
                            endpoint: context.endpoint, id: context.id, created: context.created, model: context.model,
                            usage: ResponseShapes.usage(promptTokens: context.promptTokens, completionTokens: completionTokens))))
                    }
                    try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
                } onCancel: {
                    handle.cancel()
                }
            } catch {
                // The client went away (or the connection failed): stop generating for it.
                handle.cancel()
                throw error
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache"],
                        body: body)
    }
}
