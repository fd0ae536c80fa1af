import Engine

/// Turns text examples into the engine's token examples with the model's chat template: a
/// prompt is the system and user turns plus the assistant header; a response ends with
/// <|im_end|> (the ChatML end of turn that Qwen2 and SmolLM2 templates share).
public struct TrainingEncoding: Sendable {
    public let tokenizer: BPETokenizer
    public let systemPrompt: String
    let endOfTurn: Int32

    public init(tokenizer: BPETokenizer, systemPrompt: String = ChatTemplate.defaultSystemPrompt) throws {
        guard let end = tokenizer.id(of: "<|im_end|>") else {
            throw TrainingDataError(file: "tokenizer", line: nil, message: "the tokenizer has no <|im_end|> token")
        }
        self.tokenizer = tokenizer
        self.systemPrompt = systemPrompt
        self.endOfTurn = Int32(end)
    }

    /// The system and user turns and the assistant header, in the model's own chat template.
    public func prompt(_ user: String) throws -> [Int32] {
        try tokenizer.encodeChat([ChatMessage(role: "system", content: systemPrompt), ChatMessage(role: "user", content: user)],
                             addGenerationPrompt: true).map { Int32($0) }
    }

    public func response(_ text: String) -> [Int32] {
        tokenizer.encode(text).map { Int32($0) } + [endOfTurn]
    }

    public func encode(_ example: TrainingText) throws -> TrainingExample {
        switch example {
        case .sft(let p, let r): return .sft(prompt: try prompt(p), response: response(r))
        case .pair(let p, let c, let r): return .pair(prompt: try prompt(p), chosen: response(c), rejected: response(r))
        case .quadruple(let x1, let y1, let x2, let y2):
            return .quadruple(x1: try prompt(x1), y1: response(y1), x2: try prompt(x2), y2: response(y2))
        }
    }

    /// A byte-level BPE trained on the examples' texts (deterministic), for models trained from scratch.
    public static func trainTokenizer(on examples: [TrainingText], vocabularySize: Int) throws -> BPETokenizer {
        var corpus = examples.flatMap(\.texts)
        corpus.append(ChatTemplate.defaultSystemPrompt)
        return try BPETrainer.train(corpus: corpus, vocabularySize: vocabularySize)
    }
}
