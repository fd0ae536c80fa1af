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

    public init(prompt: [Int32], maxNewTokens: Int, sampling: SamplingParameters = SamplingParameters(),
                seed: UInt64 = 0, stopTokenIds: [Int32] = []) {
        self.prompt = prompt
        self.maxNewTokens = maxNewTokens
        self.sampling = sampling
        self.seed = seed
        self.stopTokenIds = stopTokenIds
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
    public private(set) var output: [Int32] = []

    /// Validates `request` (the errors `Generator.generate` throws) and reserves its cache.
    public init(decoder: BatchDecoder, request: BatchRequest) throws(GenerationError) {
        limit = decoder.model.config.maxPositionEmbeddings
        if request.prompt.isEmpty { throw .emptyPrompt }
        if request.prompt.count > limit { throw .contextExceeded(length: request.prompt.count, limit: limit) }
        if request.maxNewTokens < 0 {
            throw .invalidParameter(name: "maxNewTokens", reason: "must not be negative, got \(request.maxNewTokens)")
        }
        try request.sampling.validate()
        let vocab = decoder.model.config.vocabSize
        if let (i, token) = request.prompt.enumerated().first(where: { $0.element < 0 || Int($0.element) >= vocab }) {
            throw .tokenOutOfRange(position: i, token: token, vocabSize: vocab)
        }
        self.request = request
        sequence = decoder.makeSequence(capacity: min(request.prompt.count + request.maxNewTokens, limit))
        sampler = TokenSampler(parameters: request.sampling, seed: request.seed)
        stops = Set(request.stopTokenIds)
    }

    /// Whether the whole prompt has been fed.
    public var prefilled: Bool { fed == request.prompt.count }

    /// What to feed in the next step: the next chunk of at most `prefillChunk` prompt tokens, or
    /// the token sampled last.
    public func nextFeed(prefillChunk: Int) -> [Int32] {
        if let pending { return [pending] }
        return Array(request.prompt[fed..<min(fed + prefillChunk, request.prompt.count)])
    }

    /// Takes the logits the step computed after this slot's feed of `count` tokens. Returns nil
    /// while the request goes on, its result when it has finished. `onToken` sees each new token;
    /// returning true stops the request (`.callback`).
    public func advance(fed count: Int, logits: [Float], onToken: (Int32) -> Bool) -> GenerationResult? {
        if pending != nil {
            pending = nil
        } else {
            fed += count
            if fed < request.prompt.count { return nil }
        }
        let promptCount = request.prompt.count
        func finished(_ reason: FinishReason) -> GenerationResult {
            GenerationResult(tokens: output, finishReason: reason, promptTokenCount: promptCount)
        }
        if output.count == request.maxNewTokens { return finished(.length) }
        if promptCount + output.count >= limit { return finished(.contextFull) }
        let token = logits.withUnsafeBufferPointer { sampler.sample($0) }
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
        _ requests: [BatchRequest], maxBatch: Int, prefillChunk: Int = 128,
        onToken: (Int, Int32) -> Bool = { _, _ in false }
    ) throws(GenerationError) -> [GenerationResult] {
        if maxBatch < 1 { throw .invalidParameter(name: "maxBatch", reason: "must be at least 1, got \(maxBatch)") }
        if prefillChunk < 1 { throw .invalidParameter(name: "prefillChunk", reason: "must be at least 1, got \(prefillChunk)") }
        // Every request is checked before any runs.
        var waiting: [(index: Int, slot: DecodeSlot)] = []
        for (index, request) in requests.enumerated() { waiting.append((index, try DecodeSlot(decoder: self, request: request))) }
        waiting.reverse()

        var results = [GenerationResult?](repeating: nil, count: requests.count)
        var active: [(index: Int, slot: DecodeSlot)] = []
        while !waiting.isEmpty || !active.isEmpty {
            while active.count < maxBatch, let next = waiting.popLast() { active.append(next) }
            let feeds = active.map { (sequence: $0.slot.sequence, tokens: $0.slot.nextFeed(prefillChunk: prefillChunk)) }
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
