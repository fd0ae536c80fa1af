// The engine's side of the model parity check against Hugging Face (`scripts/parity/
// model_parity.py check`): given token sequences, compute everything transformers is compared on
// — logits, the masked mean causal-LM loss, per-sequence summed log-probabilities, the gradients of
// one backward of that loss, and a greedy continuation — and write them in the reference format the
// Python checker reads. The request is the same format without the results, so one file
// describes a check from both sides.
//
// Request (JSON object):
//   input_ids      [[int]]     sequences (lengths may differ; the batch is padded on the right)
//   loss_mask      [[0|1]]     optional; 1 = the token is a target of the loss (default: every
//                              token but the first)
//   response_mask  [[0|1]]     optional; the tokens summed into `logprobs`
//   generate       {"prompt_ids": [int], "max_new_tokens": int, "eos_token_id": int|[int]|null}
//                              optional; a greedy continuation (stop ids not included); or a list
//                              of such objects, each continued on its own
//   last_logits_only  bool     optional; `logits` holds each sequence's last position only
//                              ([seq][vocab]), for real vocabularies where all positions are large
//   skip_gradients    bool     optional; no backward, no `gradients`
//   encode         [string]    optional (with a tokenizer); `encoded` holds each text's ids, no
//                              special tokens added (added tokens written in the text match)
//   render_chat    [[{"role", "content"}]]  optional (with a tokenizer); `rendered` holds each
//                              conversation in the model's chat template, with the generation prompt
//
// The result is the request plus `logits` ([seq][len][vocab]), `loss`, `logprobs`, `gradients`
// ({name: flat values}: base parameters, or only the LoRA tensors when an adapter is attached) and
// `generate.ids` (and `generate.text` when a tokenizer is given).

import Basics

/// What was wrong with a parity request; names the field.
public struct ParityRequestError: Error, CustomStringConvertible, Sendable, Equatable {
    public var field: String
    public var detail: String
    public var description: String { "parity request field \(field): \(detail)" }
}

/// Computes the engine's numbers for a parity request (see the file comment for the format).
public enum ModelParityDump {
    /// Runs `model` on the request and returns the request with the engine's results added.
    /// The model's gradients are zeroed first and hold this request's gradients afterwards.
    public static func run(model: DecoderModel, request: JSONValue, tokenizer: BPETokenizer? = nil) throws -> JSONValue {
        guard var result = request.objectValue else { throw ParityRequestError(field: "$", detail: "expected an object") }
        let sequences = try tokenLists(request["input_ids"], field: "input_ids")
        if sequences.isEmpty || sequences.contains(where: \.isEmpty) {
            throw ParityRequestError(field: "input_ids", detail: "needs at least one non-empty sequence")
        }
        let lossMasks = try masks(request["loss_mask"], field: "loss_mask", like: sequences)
            ?? sequences.map { ids in ids.indices.map { $0 > 0 } }
        let responseMasks = try masks(request["response_mask"], field: "response_mask", like: sequences)

        // Loss, logits and the gradients of one backward of the mean loss.
        let batch = try Batch(sequences: sequences, targetMasks: lossMasks)
        model.zeroGradients()
        let forward = try model.forward(batch, returnLogits: true)
        let vocab = model.config.vocabSize
        let logits = forward.logits ?? []
        func row(_ b: Int, _ t: Int) -> JSONValue {
            let start = (b * batch.sequenceLength + t) * vocab
            return .array(logits[start..<(start + vocab)].map { .double(Double($0)) })
        }
        if request["last_logits_only"]?.boolValue == true {
            result["logits"] = .array(sequences.indices.map { b in row(b, sequences[b].count - 1) })
        } else {
            result["logits"] = .array(sequences.indices.map { b in .array((0..<sequences[b].count).map { t in row(b, t) }) })
        }
        result["loss"] = .double(forward.loss)
        if request["skip_gradients"]?.boolValue != true {
            if batch.targetCount > 0 {
                try model.backward(tokenWeights: batch.meanLossWeights())
            }
            var gradients: [String: JSONValue] = [:]
            for tensor in model.gradientTensors() {
                gradients[tensor.name] = .array(tensor.values.map { .double(Double($0)) })
            }
            result["gradients"] = .object(gradients)
        }

        // Per-sequence log-probabilities of the response tokens: a scoring forward whose targets
        // are the response tokens.
        if let responseMasks {
            let scoring = try Batch(sequences: sequences, targetMasks: responseMasks)
            let scored = try model.forward(scoring)
            result["logprobs"] = .array(scored.perSequenceLogProb.map { .double($0) })
        }

        switch request["generate"] {
        case nil: break
        case .array(let specs)?:
            result["generate"] = .array(try specs.enumerated().map { try generate(model: model, spec: $1, field: "generate[\($0)]", tokenizer: tokenizer) })
        case let spec?:
            result["generate"] = try generate(model: model, spec: spec, field: "generate", tokenizer: tokenizer)
        }
        if let texts = request["encode"] {
            guard let items = texts.arrayValue, let tokenizer else {
                throw ParityRequestError(field: "encode", detail: "expected an array of strings, and a model with a tokenizer")
            }
            result["encoded"] = .array(try items.enumerated().map { index, item in
                guard let text = item.stringValue else { throw ParityRequestError(field: "encode[\(index)]", detail: "expected a string") }
                return .array(tokenizer.encode(text).map { .int($0) })
            })
        }
        if let conversations = request["render_chat"] {
            guard let items = conversations.arrayValue, let tokenizer else {
                throw ParityRequestError(field: "render_chat", detail: "expected an array of conversations, and a model with a tokenizer")
            }
            result["rendered"] = .array(try items.enumerated().map { index, conversation in
                let messages = try (conversation.arrayValue ?? []).map { message -> ChatMessage in
                    guard let role = message["role"]?.stringValue, let content = message["content"]?.stringValue else {
                        throw ParityRequestError(field: "render_chat[\(index)]", detail: "messages need a string role and content")
                    }
                    return ChatMessage(role: role, content: content)
                }
                return .string(try tokenizer.renderChat(messages, addGenerationPrompt: true))
            })
        }
        result["engine"] = .object([
            "blas_core": .string(BLASRuntime.coreName),
            "blas_threads": .int(BLASRuntime.threadCount),
        ])
        return .object(result)
    }

    /// One greedy continuation of a `generate` request object, with its `ids` (and `text`).
    private static func generate(model: DecoderModel, spec: JSONValue, field: String, tokenizer: BPETokenizer?) throws -> JSONValue {
        guard var generate = spec.objectValue else { throw ParityRequestError(field: field, detail: "expected an object") }
        let prompt = try tokenList(spec["prompt_ids"], field: "\(field).prompt_ids")
        guard let maxNewTokens = spec["max_new_tokens"]?.wholeNumberValue, maxNewTokens >= 0 else {
            throw ParityRequestError(field: "\(field).max_new_tokens", detail: "missing or not a non-negative integer")
        }
        var stops: [Int32] = []
        switch spec["eos_token_id"] {
        case nil, .null?: break
        case .array(let items)?: stops = try items.enumerated().map { try token($1, field: "\(field).eos_token_id[\($0)]") }
        case let value?: stops = [try token(value, field: "\(field).eos_token_id")]
        }
        let output = try Generator(model: model).generate(prompt: prompt, maxNewTokens: maxNewTokens, stopTokenIds: stops)
        generate["ids"] = .array(output.tokens.map { .int(Int($0)) })
        if let tokenizer { generate["text"] = .string(tokenizer.decode(output.tokens.map(Int.init))) }
        return .object(generate)
    }

    private static func token(_ value: JSONValue, field: String) throws -> Int32 {
        guard let number = value.wholeNumberValue, number >= 0, number <= Int(Int32.max) else {
            throw ParityRequestError(field: field, detail: "expected a non-negative token id")
        }
        return Int32(number)
    }

    private static func tokenList(_ value: JSONValue?, field: String) throws -> [Int32] {
        guard let items = value?.arrayValue else { throw ParityRequestError(field: field, detail: "missing or not a list of token ids") }
        return try items.enumerated().map { try token($1, field: "\(field)[\($0)]") }
    }

    private static func tokenLists(_ value: JSONValue?, field: String) throws -> [[Int32]] {
        guard let items = value?.arrayValue else { throw ParityRequestError(field: field, detail: "missing or not a list of sequences") }
        return try items.enumerated().map { try tokenList($1, field: "\(field)[\($0)]") }
    }

    private static func masks(_ value: JSONValue?, field: String, like sequences: [[Int32]]) throws -> [[Bool]]? {
        guard let value, !value.isNull else { return nil }
        guard let rows = value.arrayValue, rows.count == sequences.count else {
            throw ParityRequestError(field: field, detail: "expected one mask per sequence (\(sequences.count))")
        }
        return try rows.enumerated().map { b, row in
            guard let flags = row.arrayValue, flags.count == sequences[b].count else {
                throw ParityRequestError(field: "\(field)[\(b)]", detail: "expected \(sequences[b].count) entries of 0 or 1")
            }
            // The first token has no context, so it is never a target (the checker ignores it too).
            return try flags.enumerated().map { t, flag in
                switch flag.wholeNumberValue {
                case 0?: return false
                case 1?: return t > 0
                default: throw ParityRequestError(field: "\(field)[\(b)][\(t)]", detail: "expected 0 or 1")
                }
            }
        }
    }
}
