// A completions or chat-completions request body, read and checked field by field. Every way a
// body can be wrong (not JSON, a field of the wrong type, a value out of range, a feature the
// engine does not implement) becomes a 400 that names the field, so a client learns what to fix
// and the server carries on. Unknown fields are ignored, as vLLM ignores them.

import Basics
import Engine

/// The two generation endpoints.
enum GenerationEndpoint: Sendable {
    case completions
    case chatCompletions
}

/// One prompt of a request.
enum PromptInput: Sendable, Equatable {
    /// A conversation, rendered with the Qwen2 chat template and the assistant turn opened.
    case messages([Engine.ChatMessage])
    case text(String)
    case tokens([Int32])
}

/// A validated generation request.
struct GenerationRequest: Sendable {
    var endpoint: GenerationEndpoint
    var model: String?
    var prompts: [PromptInput]
    /// nil: the endpoint's default (16 for completions, the rest of the context for chat).
    var maxTokens: Int?
    var sampling: SamplingParameters
    /// Seed of choice 0; choice i uses seed + i. Requests without a seed use 0, so the server is
    /// deterministic unless asked otherwise.
    var seed: UInt64
    var stop: [String]
    var n: Int
    var stream: Bool
    var includeUsage: Bool
    /// vLLM's `ignore_eos`: generate through end-of-turn tokens up to max_tokens (benchmarks).
    var ignoreEOS: Bool
    /// Log probabilities of the tokens with this many alternatives each (nil: none): completions'
    /// `logprobs` N, chat's `logprobs: true` with `top_logprobs` N.
    var logprobs: Int? = nil
    /// Completions' `echo`: the prompt is returned before the completion (with its log
    /// probabilities when `logprobs` is set).
    var echo = false

    /// Most choices one request may ask for.
    static let maxChoices = 16
    /// Most prompts one completions request may carry.
    static let maxPrompts = 64
    /// Most alternatives per position for `logprobs` / `top_logprobs` (OpenAI's chat limit, vLLM's default).
    static let maxLogprobs = 20

    /// How request bodies are read: as the engine's interchange files, nested at most 64 deep
    /// (a real request needs a handful of levels).
    static let parserOptions: JSONParser.Options = {
        var options = JSONParser.Options.interchange
        options.maximumDepth = 64
        return options
    }()

    /// Parses a request body. Throws a 400 `APIError` naming the field at fault.
    static func parse(body: [UInt8], endpoint: GenerationEndpoint) throws(APIError) -> GenerationRequest {
        let document: JSONValue
        do throws(JSONSyntaxError) {
            document = try JSONParser.parse(bytes: body, options: parserOptions)
        } catch {
            throw .badRequest("the request body is not valid JSON: \(error.description)")
        }
        guard let fields = document.objectValue else {
            throw .badRequest("the request body must be a JSON object, not \(typeName(document))")
        }
        let reader = FieldReader(fields: fields)
        try reader.rejectUnsupported(endpoint: endpoint)

        let prompts: [PromptInput]
        switch endpoint {
        case .chatCompletions: prompts = [.messages(try reader.messages())]
        case .completions: prompts = try reader.prompts()
        }
        // Every integer is range-checked here, before any arithmetic: a budget beyond 2^31 can
        // never fit a context, and Int64.max once overflowed the context check and killed the server.
        var maxTokens = try reader.integer("max_tokens", in: Int(Int32.min)...Int(Int32.max))
        if endpoint == .chatCompletions, let value = try reader.integer("max_completion_tokens", in: Int(Int32.min)...Int(Int32.max)) {
            maxTokens = value
        }
        let echo = endpoint == .completions ? try reader.bool("echo") ?? false : false
        let logprobs = try reader.logprobs(endpoint: endpoint)
        // Only an echoed prompt can be asked for with no completion (its log probabilities).
        if let maxTokens, maxTokens < (echo ? 0 : 1) {
            throw .badRequest("max_tokens must be at least \(echo ? "0 with echo" : "1"), got \(maxTokens)",
                              param: fields["max_completion_tokens"].map { _ in "max_completion_tokens" } ?? "max_tokens")
        }
        let temperature = try reader.number("temperature") ?? 1
        // Finite as the Float the sampler uses, not only as a Double (3.5e38 is infinite there).
        if !(temperature >= 0) || !Float(temperature).isFinite {
            throw .badRequest("temperature must be a finite number ≥ 0, got \(temperature)", param: "temperature")
        }
        let topP = try reader.number("top_p") ?? 1
        // Positive as the Float the sampler uses too: 1e-300 is 0 there.
        if !(topP > 0 && topP <= 1) || !(Float(topP) > 0) {
            throw .badRequest("top_p must be in (0, 1] and at least \(Float.leastNonzeroMagnitude), got \(topP)", param: "top_p")
        }
        var topK = try reader.integer("top_k", in: Int(Int32.min)...Int(Int32.max)) ?? 0
        if topK < -1 { throw .badRequest("top_k must be -1 or 0 (disabled) or a positive integer, got \(topK)", param: "top_k") }
        if topK == -1 { topK = 0 }
        let seed = try reader.integer("seed").map { UInt64(bitPattern: Int64($0)) } ?? 0
        let n = try reader.integer("n", in: Int(Int32.min)...Int(Int32.max)) ?? 1
        if n < 1 || n > maxChoices { throw .badRequest("n must be between 1 and \(maxChoices), got \(n)", param: "n") }
        let stream = try reader.bool("stream") ?? false
        var includeUsage = false
        if let options = fields["stream_options"], !options.isNull {
            guard let optionFields = options.objectValue else {
                throw .badRequest("stream_options must be an object, not \(typeName(options))", param: "stream_options")
            }
            if !stream { throw .badRequest("stream_options can only be given when stream is true", param: "stream_options") }
            includeUsage = try FieldReader(fields: optionFields, prefix: "stream_options.").bool("include_usage") ?? false
        }
        return GenerationRequest(
            endpoint: endpoint, model: try reader.string("model"), prompts: prompts, maxTokens: maxTokens,
            sampling: SamplingParameters(temperature: Float(temperature), topP: Float(topP), topK: topK),
            seed: seed, stop: try reader.stop(), n: n, stream: stream, includeUsage: includeUsage,
            ignoreEOS: try reader.bool("ignore_eos") ?? false, logprobs: logprobs, echo: echo)
    }
}

/// The JSON type name of a value, for messages.
func typeName(_ value: JSONValue) -> String {
    switch value {
    case .null: return "null"
    case .bool: return "a boolean"
    case .number: return "a number"
    case .string: return "a string"
    case .array: return "an array"
    case .object: return "an object"
    }
}

/// Typed access to the fields of a request object; `null` reads as absent, as in OpenAI's API.
private struct FieldReader {
    let fields: [String: JSONValue]
    var prefix = ""

    private func present(_ key: String) -> JSONValue? {
        guard let value = fields[key], !value.isNull else { return nil }
        return value
    }

    private func wrongType(_ key: String, _ expected: String, _ value: JSONValue) -> APIError {
        .badRequest("\(prefix)\(key) must be \(expected), not \(typeName(value))", param: prefix + key)
    }

    func string(_ key: String) throws(APIError) -> String? {
        guard let value = present(key) else { return nil }
        guard let text = value.stringValue else { throw wrongType(key, "a string", value) }
        return text
    }

    func bool(_ key: String) throws(APIError) -> Bool? {
        guard let value = present(key) else { return nil }
        guard let flag = value.boolValue else { throw wrongType(key, "a boolean", value) }
        return flag
    }

    func number(_ key: String) throws(APIError) -> Double? {
        guard let value = present(key) else { return nil }
        guard let number = value.doubleValue else { throw wrongType(key, "a number", value) }
        return number
    }

    /// An integer within `range`; a number with a fraction is refused, 2.0 is read as 2 (as
    /// pydantic does).
    func integer(_ key: String, in range: ClosedRange<Int> = Int.min...Int.max) throws(APIError) -> Int? {
        guard let value = present(key) else { return nil }
        guard let number = value.wholeNumberValue else { throw wrongType(key, "an integer", value) }
        guard range.contains(number) else {
            throw .badRequest("\(prefix)\(key) must be between \(range.lowerBound) and \(range.upperBound), got \(number)", param: prefix + key)
        }
        return number
    }

    /// How many alternatives per token to return, or nil for no log probabilities. Completions:
    /// `logprobs` is that number; chat: `logprobs` is a flag and `top_logprobs` the number.
    func logprobs(endpoint: GenerationEndpoint) throws(APIError) -> Int? {
        let range = 0...GenerationRequest.maxLogprobs
        switch endpoint {
        case .completions:
            if let value = present("top_logprobs"), value.doubleValue != 0 {
                throw .badRequest("top_logprobs is for chat completions; on /v1/completions logprobs is the number of alternatives",
                                  param: "top_logprobs")
            }
            if present("logprobs")?.boolValue == false { return nil }
            return try integer("logprobs", in: range)
        case .chatCompletions:
            let wanted = try bool("logprobs") ?? false
            let top = try integer("top_logprobs", in: range)
            if top != nil && !wanted {
                throw .badRequest("top_logprobs can only be given when logprobs is true", param: "top_logprobs")
            }
            return wanted ? top ?? 0 : nil
        }
    }

    func stop() throws(APIError) -> [String] {
        guard let value = present("stop") else { return [] }
        var stops: [String]
        switch value {
        case .string(let text): stops = [text]
        case .array(let elements):
            stops = []
            for (index, element) in elements.enumerated() {
                guard let text = element.stringValue else {
                    throw .badRequest("stop[\(index)] must be a string, not \(typeName(element))", param: "stop")
                }
                stops.append(text)
            }
        default: throw wrongType("stop", "a string or an array of strings", value)
        }
        if stops.contains("") { throw .badRequest("stop strings must not be empty", param: "stop") }
        return stops
    }

    func messages() throws(APIError) -> [Engine.ChatMessage] {
        guard let value = present("messages") else { throw .badRequest("messages is required", param: "messages") }
        guard let elements = value.arrayValue else { throw wrongType("messages", "an array", value) }
        if elements.isEmpty { throw .badRequest("messages must not be empty", param: "messages") }
        var messages: [Engine.ChatMessage] = []
        for (index, element) in elements.enumerated() {
            let param = "messages[\(index)]"
            guard let message = element.objectValue else {
                throw .badRequest("\(param) must be an object, not \(typeName(element))", param: param)
            }
            guard let roleValue = message["role"], let role = roleValue.stringValue else {
                throw .badRequest("\(param).role is required and must be a string", param: param + ".role")
            }
            let templateRole: String
            switch role {
            case "system", "developer": templateRole = "system"
            case "user", "assistant": templateRole = role
            default:
                throw .badRequest("\(param).role \"\(role)\" is not supported; use system, user or assistant", param: param + ".role")
            }
            // Only an assistant turn may come without content (OpenAI: one that made tool calls).
            if role != "assistant" && (message["content"] ?? .null).isNull {
                throw .badRequest("\(param).content is required for a \(role) message", param: param + ".content")
            }
            messages.append(Engine.ChatMessage(role: templateRole, content: try content(message["content"], param: param + ".content")))
        }
        return messages
    }

    /// A message's content: a string, null, or text parts [{"type": "text", "text": ...}] joined
    /// by newlines (as vLLM joins them).
    private func content(_ value: JSONValue?, param: String) throws(APIError) -> String {
        guard let value, !value.isNull else { return "" }
        if let text = value.stringValue { return text }
        guard let parts = value.arrayValue else {
            throw .badRequest("\(param) must be a string or an array of text parts, not \(typeName(value))", param: param)
        }
        var texts: [String] = []
        for (index, part) in parts.enumerated() {
            guard part["type"]?.stringValue == "text", let text = part["text"]?.stringValue else {
                throw .badRequest("\(param)[\(index)] must be {\"type\": \"text\", \"text\": \"...\"}; only text content is supported",
                                  param: param)
            }
            texts.append(text)
        }
        return texts.joined(separator: "\n")
    }

    /// `prompt`: a string, an array of strings, an array of token ids, or an array of those.
    func prompts() throws(APIError) -> [PromptInput] {
        guard let value = present("prompt") else { throw .badRequest("prompt is required", param: "prompt") }
        let invalid = APIError.badRequest(
            "prompt must be a string, an array of strings, an array of token ids or an array of token id arrays", param: "prompt")
        switch value {
        case .string(let text): return [.text(text)]
        case .array(let elements):
            if elements.isEmpty { throw .badRequest("prompt must not be empty", param: "prompt") }
            if elements.allSatisfy({ $0.stringValue != nil }) {
                if elements.count > GenerationRequest.maxPrompts { throw tooMany(elements.count) }
                return elements.map { .text($0.stringValue!) }
            }
            if elements.allSatisfy({ $0.intValue != nil }) {
                return [.tokens(try tokens(elements))]
            }
            if elements.allSatisfy({ $0.arrayValue != nil }) {
                if elements.count > GenerationRequest.maxPrompts { throw tooMany(elements.count) }
                var prompts: [PromptInput] = []
                for element in elements { prompts.append(.tokens(try tokens(element.arrayValue!))) }
                return prompts
            }
            throw invalid
        default:
            throw invalid
        }
    }

    private func tooMany(_ count: Int) -> APIError {
        .badRequest("at most \(GenerationRequest.maxPrompts) prompts per request, got \(count)", param: "prompt")
    }

    private func tokens(_ elements: [JSONValue]) throws(APIError) -> [Int32] {
        var ids: [Int32] = []
        for element in elements {
            guard let id = element.intValue, id >= 0, id <= Int(Int32.max) else {
                throw .badRequest("token ids in prompt must be non-negative integers", param: "prompt")
            }
            ids.append(Int32(id))
        }
        return ids
    }

    /// Features the engine does not implement are refused unless left at their neutral value,
    /// so a client never gets silently different behaviour.
    func rejectUnsupported(endpoint: GenerationEndpoint) throws(APIError) {
        func refuse(_ key: String, _ what: String) -> APIError {
            .badRequest("\(key) is not supported by this server (\(what))", param: key)
        }
        for key in ["presence_penalty", "frequency_penalty"] {
            if let value = present(key), value.doubleValue != 0 { throw refuse(key, "only 0") }
        }
        if let value = present("repetition_penalty"), value.doubleValue != 1 { throw refuse("repetition_penalty", "only 1") }
        if let value = present("min_tokens"), value.doubleValue != 0 { throw refuse("min_tokens", "only 0") }
        // vLLM's sampling extensions, accepted at their neutral values only.
        if let value = present("min_p"), value.doubleValue != 0 { throw refuse("min_p", "only 0") }
        if let value = present("stop_token_ids"), value.arrayValue?.isEmpty != true { throw refuse("stop_token_ids", "only []") }
        if let value = present("skip_special_tokens"), value.boolValue != true { throw refuse("skip_special_tokens", "only true") }
        if endpoint == .chatCompletions, let value = present("echo"), value.boolValue != false {
            throw refuse("echo", "only on /v1/completions")
        }
        if let value = present("suffix"), value.stringValue != "" { throw refuse("suffix", "insertion is not implemented") }
        if let value = present("logit_bias"), value.objectValue?.isEmpty != true { throw refuse("logit_bias", "only {}") }
        if let value = present("tools"), value.arrayValue?.isEmpty != true { throw refuse("tools", "tool calling is not implemented") }
        if let value = present("response_format"), value["type"]?.stringValue != "text" {
            throw refuse("response_format", "only {\"type\": \"text\"}")
        }
        if let value = present("best_of") {
            let n = fields["n"]?.wholeNumberValue ?? 1
            if value.wholeNumberValue != n { throw refuse("best_of", "only best_of = n") }
        }
    }
}
