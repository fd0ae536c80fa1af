// Continuous batching over a BatchDecoder: requests join as slots free (at most maxBatch in
// flight), a joining request's prompt is fed in chunks beside the others' decoding so it does not
// stall them, and a finished request leaves at once. Each request has its own seeded sampler and
// follows exactly `Generator.generate`'s rules (stop tokens, max tokens, context limit), so with
// the batch-invariant step its tokens do not depend on the other requests, their order, maxBatch
// or the chunk size.

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
        let limit = model.config.maxPositionEmbeddings
        for request in requests {
            if request.prompt.isEmpty { throw .emptyPrompt }
            if request.prompt.count > limit { throw .contextExceeded(length: request.prompt.count, limit: limit) }
            if request.maxNewTokens < 0 {
                throw .invalidParameter(name: "maxNewTokens", reason: "must not be negative, got \(request.maxNewTokens)")
            }
            try request.sampling.validate()
        }

        final class Active {
            let index: Int
            let request: BatchRequest
            let sequence: DecodeSequence
            var sampler: TokenSampler
            let stops: Set<Int32>
            var fed = 0
            var output: [Int32] = []
            var pending: Int32?

            init(index: Int, request: BatchRequest, sequence: DecodeSequence) {
                self.index = index
                self.request = request
                self.sequence = sequence
                sampler = TokenSampler(parameters: request.sampling, seed: request.seed)
                stops = Set(request.stopTokenIds)
            }
        }

        var results = [GenerationResult?](repeating: nil, count: requests.count)
        var active: [Active] = []
        var next = 0
        while next < requests.count || !active.isEmpty {
            while active.count < maxBatch && next < requests.count {
                let request = requests[next]
                if request.maxNewTokens == 0 {
                    results[next] = GenerationResult(tokens: [], finishReason: .length, promptTokenCount: request.prompt.count)
                } else {
                    let capacity = min(request.prompt.count + request.maxNewTokens, limit)
                    active.append(Active(index: next, request: request, sequence: makeSequence(capacity: capacity)))
                }
                next += 1
            }
            if active.isEmpty { continue }

            let feeds = active.map { a -> (sequence: DecodeSequence, tokens: [Int32]) in
                if let token = a.pending { return (a.sequence, [token]) }
                let end = min(a.fed + prefillChunk, a.request.prompt.count)
                return (a.sequence, Array(a.request.prompt[a.fed..<end]))
            }
            let logits = try step(feeds)

            var finished: Set<Int> = []
            for (slot, a) in active.enumerated() {
                if a.pending != nil {
                    a.pending = nil
                } else {
                    a.fed += feeds[slot].tokens.count
                    if a.fed < a.request.prompt.count { continue }  // still prefilling
                }
                let promptCount = a.request.prompt.count
                if promptCount + a.output.count >= limit {
                    results[a.index] = GenerationResult(tokens: a.output, finishReason: .contextFull, promptTokenCount: promptCount)
                    finished.insert(slot)
                    continue
                }
                let token = logits[slot].withUnsafeBufferPointer { a.sampler.sample($0) }
                var reason: FinishReason?
                if a.stops.contains(token) {
                    reason = .stopToken(token)
                } else {
                    a.output.append(token)
                    if onToken(a.index, token) {
                        reason = .callback
                    } else if a.output.count == a.request.maxNewTokens {
                        reason = .length
                    } else if promptCount + a.output.count >= limit {
                        reason = .contextFull
                    } else {
                        a.pending = token
                    }
                }
                if let reason {
                    results[a.index] = GenerationResult(tokens: a.output, finishReason: reason, promptTokenCount: promptCount)
                    finished.insert(slot)
                }
            }
            if !finished.isEmpty {
                active = active.enumerated().filter { !finished.contains($0.offset) }.map(\.element)
            }
        }
        return results.map { $0! }
    }
}
