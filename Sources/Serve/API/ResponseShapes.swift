// The JSON bodies the server sends, shaped as vLLM's OpenAI-compatible server shapes them:
// completion and chat completion objects, their streaming chunks, usage, and the model list.
// `created` is wall-clock Unix time, as in OpenAI's API; it is the only field that differs between
// two runs of the same request, and clients that hash results (iopo-exp eval) never keep it.

import Basics
import Engine

enum ResponseShapes {
    static func usage(promptTokens: Int, completionTokens: Int) -> JSONValue {
        .object([
            "prompt_tokens": .int(promptTokens),
            "completion_tokens": .int(completionTokens),
            "total_tokens": .int(promptTokens + completionTokens),
        ])
    }

    /// `finish_reason` and vLLM's `stop_reason` (the stop string that ended the text, else null).
    static func finishFields(_ finish: SequenceFinish) -> (finishReason: JSONValue, stopReason: JSONValue) {
        switch finish {
        case .stopToken: return (.string("stop"), .null)
        case .stopString(let stop): return (.string("stop"), .string(stop))
        case .length: return (.string("length"), .null)
        case .cancelled: return (.string("abort"), .null)
        case .failed: return (.string("error"), .null)
        }
    }

    /// The served model; `max_num_seqs` (vLLM's name for its batch setting) tells clients how many
    /// requests the server runs at once (iopo-exp eval's default concurrency).
    static func modelList(_ model: ServedModel, maxBatch: Int) -> JSONValue {
        .object([
            "object": .string("list"),
            "data": .array([.object([
                "id": .string(model.name),
                "object": .string("model"),
                "created": .int(model.created),
                "owned_by": .string("iopo-exp"),
                "root": .string(model.root),
                "parent": .null,
                "max_model_len": .int(model.contextLength),
                "max_num_seqs": .int(maxBatch),
            ])]),
        ])
    }

    /// A finished choice as a response shows it: its text (with echo, the prompt's first) and its
    /// `logprobs` object (null unless asked for).
    struct Choice {
        var index: Int
        var outcome: SequenceOutcome
        var text: String
        var logprobs: JSONValue
    }

    /// A whole (non-streamed) response: a completion's choices carry `text`, a chat
    /// completion's a `message`.
    static func response(endpoint: GenerationEndpoint, id: String, created: Int, model: String, choices: [Choice], usage: JSONValue) -> JSONValue {
        .object([
            "id": .string(id),
            "object": .string(endpoint == .chatCompletions ? "chat.completion" : "text_completion"),
            "created": .int(created),
            "model": .string(model),
            "choices": .array(choices.map { choice in
                let (finish, stop) = finishFields(choice.outcome.finish)
                var fields: [String: JSONValue] = [
                    "index": .int(choice.index),
                    "logprobs": choice.logprobs,
                    "finish_reason": finish,
                    "stop_reason": stop,
                ]
                switch endpoint {
                case .chatCompletions:
                    fields["message"] = .object(["role": .string("assistant"), "content": .string(choice.text), "tool_calls": .array([])])
                case .completions:
                    fields["text"] = .string(choice.text)
                }
                return .object(fields)
            }),
            "usage": usage,
        ])
    }

    /// One streamed choice update. Chat chunks carry a `delta` object, completion chunks `text`.
    static func chunk(endpoint: GenerationEndpoint, id: String, created: Int, model: String, index: Int,
                      chatDelta: JSONValue? = nil, text: String = "", logprobs: JSONValue = .null,
                      finish: SequenceFinish? = nil) -> JSONValue {
        var choice: [String: JSONValue] = ["index": .int(index), "logprobs": logprobs, "finish_reason": .null]
        if let finish {
            let (finishReason, stopReason) = finishFields(finish)
            choice["finish_reason"] = finishReason
            choice["stop_reason"] = stopReason
        }
        switch endpoint {
        case .chatCompletions: choice["delta"] = chatDelta ?? .object(["content": .string(text)])
        case .completions: choice["text"] = .string(text)
        }
        return .object([
            "id": .string(id),
            "object": .string(endpoint == .chatCompletions ? "chat.completion.chunk" : "text_completion"),
            "created": .int(created),
            "model": .string(model),
            "choices": .array([.object(choice)]),
        ])
    }

    /// The last chunk of a stream with stream_options.include_usage: no choices, the usage.
    static func usageChunk(endpoint: GenerationEndpoint, id: String, created: Int, model: String, usage: JSONValue) -> JSONValue {
        .object([
            "id": .string(id),
            "object": .string(endpoint == .chatCompletions ? "chat.completion.chunk" : "text_completion"),
            "created": .int(created),
            "model": .string(model),
            "choices": .array([]),
            "usage": usage,
        ])
    }
}
