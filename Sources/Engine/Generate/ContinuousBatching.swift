// Continuous batching over a BatchDecoder: requests join as slots free (at most maxBatch in
// flight), a joining request's prompt is fed in chunks beside the others' decoding so it does not
// stall them, and a finished request leaves at once. Each request is a `DecodeSlot` with its own
// seeded sampler that follows exactly `Generator.generate`'s rules (stop tokens, max tokens,
// context limit), so with the batch-invariant step its tokens do not depend on the other
// requests, their order, maxBatch or the chunk size. The server's scheduler drives slots the
// same way, one step at a time.

/// One request of `BatchDecoder.generate`: what `Generator.generate` takes.
public struct BatchRequest: Sendable, Equatable {
    public var prompt: [Int32]
    public var maxNewTokens: Int
    public var sampling: SamplingParameters
    public var seed: UInt64
    public var stopTokenIds: [Int32]
    /// Log probability of each generated token with this many alternatives (nil: none).
    public var logprobs: Int?
    /// Log probability of each prompt token after the first, with this many alternatives (nil:
    /// none). The whole prompt is then computed: no prefix reuse.
    public var promptLogprobs: Int?

    public init(prompt: [Int32], maxNewTokens: Int, sampling: SamplingParameters = SamplingParameters(),
                seed: UInt64 = 0, stopTokenIds: [Int32] = [], logprobs: Int? = nil, promptLogprobs: Int? = nil) {
        self.prompt = prompt
        self.maxNewTokens = maxNewTokens
        self.sampling = sampling
        self.seed = seed
        self.stopTokenIds = stopTokenIds
        self.logprobs = logprobs
        self.promptLogprobs = promptLogprobs
    }
}

/// A request in flight: its sequence, sampler and output so far.
public final class DecodeSlot {
    public let request: BatchRequest
    public let sequence: DecodeSequence
    private var sampler: TokenSampler
    private let stops: Set<Int32>
    private let limit: Int
    /// Prompt tokens fed so far.
    private var fed = 0
    /// The last sampled token, fed in the next step.
    private var pending: Int32?
    private let prefixCache: PrefixCache?
    public private(set) var output: [Int32] = []
    /// With `request.logprobs`: one entry per token of `output`, and one for the stop token that
    /// ended the request.
    public private(set) var logprobs: [TokenLogprob] = []
    /// With `request.promptLogprobs`: one entry per prompt token after the first.
    public private(set) var promptLogprobs: [TokenLogprob] = []
    /// Prompt positions restored from the prefix cache instead of computed.
    public let reusedPromptTokens: Int

    /// Validates `request` (the errors `Generator.generate` throws) and reserves its cache; with a
    /// prefix cache, restores the longest cached prefix of the prompt and offers the prompt to
    /// the cache once it has been fed. A prefix cache serves one model (with its adapters).
    public init(decoder: BatchDecoder, request: BatchRequest, prefixCache: PrefixCache? = nil) throws(GenerationError) {
        try Self.validate(request, config: decoder.model.config)
        prefixCache?.bind(to: decoder.model)
        limit = decoder.model.config.maxPositionEmbeddings
        self.request = request
        let sequence = decoder.makeSequence(capacity: min(request.prompt.count + request.maxNewTokens, limit))
        self.sequence = sequence
        sampler = TokenSampler(parameters: request.sampling, seed: request.seed)
        stops = Set(request.stopTokenIds)
        self.prefixCache = prefixCache
        // Prompt log probabilities need every prompt row computed.
        let reused = request.promptLogprobs == nil ? prefixCache?.restore(request.prompt, into: sequence) ?? 0 : 0
        reusedPromptTokens = reused
        fed = reused
    }

    /// Throws what `Generator.generate` throws for a request it cannot run.
    public static func validate(_ request: BatchRequest, config: DecoderConfig) throws(GenerationError) {
        if request.prompt.isEmpty { throw .emptyPrompt }
        if request.prompt.count > config.maxPositionEmbeddings { throw .contextExceeded(length: request.prompt.count, limit: config.maxPositionEmbeddings) }
        if request.maxNewTokens < 0 {
            throw .invalidParameter(name: "maxNewTokens", reason: "must not be negative, got \(request.maxNewTokens)")
        }
        try request.sampling.validate()
        let vocab = config.vocabSize
        if let (i, token) = request.prompt.enumerated().first(where: { $0.element < 0 || Int($0.element) >= vocab }) {
            throw .tokenOutOfRange(position: i, token: token, vocabSize: vocab)
        }
        for (name, count) in [("logprobs", request.logprobs), ("promptLogprobs", request.promptLogprobs)] {
            if let count, count < 0 { throw .invalidParameter(name: name, reason: "must not be negative, got \(count)") }
        }
    }

    /// Whether the whole prompt has been fed.
    public var prefilled: Bool { fed == request.prompt.count }

    /// What to feed in the next step: the next chunk of at most `prefillChunk` prompt tokens, or
    /// the token sampled last.
    public func nextFeed(prefillChunk: Int) -> DecodeFeed {
        if let pending { return DecodeFeed(sequence: sequence, tokens: [pending]) }
        return DecodeFeed(sequence: sequence, tokens: Array(request.prompt[fed..<min(fed + prefillChunk, request.prompt.count)]),
                          everyRow: request.promptLogprobs != nil)
    }

    /// Takes the logits the step computed for this slot's feed of `count` tokens (every row's
    /// when the feed asked for them). Returns nil while the request goes on, its result when it
    /// has finished. `onToken` sees each new token (its entry already in `logprobs`); returning
    /// true stops the request (`.callback`).
    public func advance(fed count: Int, logits: [Float], onToken: (Int32) -> Bool) -> GenerationResult? {
        let vocab = logits.count / (pending == nil && request.promptLogprobs != nil ? count : 1)
        if pending != nil {
            pending = nil
        } else {
            if let top = request.promptLogprobs {
                // Row i predicts prompt position fed + i + 1.
                logits.withUnsafeBufferPointer { all in
                    for i in 0..<count where fed + i + 1 < request.prompt.count {
                        let row = UnsafeBufferPointer(rebasing: all[(i * vocab)..<((i + 1) * vocab)])
                        promptLogprobs.append(TokenLogprob(token: request.prompt[fed + i + 1], logits: row, top: top))
                    }
                }
            }
            fed += count
            if fed < request.prompt.count { return nil }
            prefixCache?.insert(request.prompt, from: sequence)
        }
        let promptCount = request.prompt.count
        func finished(_ reason: FinishReason) -> GenerationResult {
            GenerationResult(tokens: output, finishReason: reason, promptTokenCount: promptCount,
                             logprobs: request.logprobs == nil ? nil : logprobs,
                             promptLogprobs: request.promptLogprobs == nil ? nil : promptLogprobs)
        }
        if output.count == request.maxNewTokens { return finished(.length) }
        if promptCount + output.count >= limit { return finished(.contextFull) }
        let token = logits.withUnsafeBufferPointer { all in
            let last = UnsafeBufferPointer(rebasing: all[(all.count - vocab)...])
            let token = sampler.sample(last)
            // The end-of-turn token that stops the request has an entry too (as vLLM returns one):
            // a loglikelihood client reads the entry after the prompt whatever token it is.
            if let top = request.logprobs { logprobs.append(TokenLogprob(token: token, logits: last, top: top)) }
            return token
        }
        if stops.contains(token) { return finished(.stopToken(token)) }
        output.append(token)
        if onToken(token) { return finished(.callback) }
        if output.count == request.maxNewTokens { return finished(.length) }
        if promptCount + output.count >= limit { return finished(.contextFull) }
        pending = token
        return nil
    }
}

extension BatchDecoder {
    /// Generates every request with continuous batching and returns their results in request
    /// order. `onToken(request, token)` sees each new token as it is sampled; returning true stops
    /// that request (finish reason `.callback`).
    public func generate(
        _ requests: [BatchRequest], maxBatch: Int, prefillChunk: Int = 128, prefixCache: PrefixCache? = nil,
        onToken: (Int, Int32) -> Bool = { _, _ in false }
    ) throws(GenerationError) -> [GenerationResult] {
        if maxBatch < 1 { throw .invalidParameter(name: "maxBatch", reason: "must be at least 1, got \(maxBatch)") }
        if prefillChunk < 1 { throw .invalidParameter(name: "prefillChunk", reason: "must be at least 1, got \(prefillChunk)") }
        // Every request is checked before any runs; a slot (and its cache) is made when it joins,
        // so it can reuse the prompts of those before it.
        for request in requests { try DecodeSlot.validate(request, config: model.config) }
        var next = 0
        var results = [GenerationResult?](repeating: nil, count: requests.count)
        var active: [(index: Int, slot: DecodeSlot)] = []
        while next < requests.count || !active.isEmpty {
            while active.count < maxBatch && next < requests.count {
                active.append((next, try DecodeSlot(decoder: self, request: requests[next], prefixCache: prefixCache)))
                next += 1
            }
            let feeds = active.map { $0.slot.nextFeed(prefillChunk: prefillChunk) }
            let logits = try step(feeds)
            var still: [(index: Int, slot: DecodeSlot)] = []
            for (position, entry) in active.enumerated() {
                let result = entry.slot.advance(fed: feeds[position].tokens.count, logits: logits[position]) { onToken(entry.index, $0) }
                if let result { results[entry.index] = result } else { still.append(entry) }
            }
            active = still
        }
        return results.map { $0! }
    }
}
