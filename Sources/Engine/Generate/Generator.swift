// Autoregressive generation for one sequence with a KV cache: the prompt goes through the network
// once (all its rows in one pass, every projection one sgemm), then each new token is one row. The
// generator only reads the model's parameters; its cache and work buffers are its own, so
// generators for different requests can run on one model at once, and a request's output never
// depends on what else runs.

/// Why generation could not start or continue.
public enum GenerationError: Error, Equatable, CustomStringConvertible {
    case emptyPrompt
    case contextExceeded(length: Int, limit: Int)
    case tokenOutOfRange(position: Int, token: Int32, vocabSize: Int)
    case invalidParameter(name: String, reason: String)

    public var description: String {
        switch self {
        case .emptyPrompt:
            return "the prompt has no tokens"
        case let .contextExceeded(length, limit):
            return "the sequence would have \(length) tokens, above the model's context of \(limit) (max_position_embeddings)"
        case let .tokenOutOfRange(position, token, vocabSize):
            return "token \(token) at position \(position) is outside the vocabulary 0..<\(vocabSize)"
        case let .invalidParameter(name, reason):
            return "generation parameter \(name) \(reason)"
        }
    }
}

/// Why generation stopped.
public enum FinishReason: Sendable, Equatable {
    /// A stop token was produced (it is not included in the output).
    case stopToken(Int32)
    /// maxNewTokens were generated.
    case length
    /// Prompt plus output reached the model's context (max_position_embeddings).
    case contextFull
    /// The onToken callback asked to stop.
    case callback
}

/// The tokens a `generate` call produced and why it stopped.
public struct GenerationResult: Sendable, Equatable {
    public var tokens: [Int32]
    public var finishReason: FinishReason
    public var promptTokenCount: Int
    /// When asked for: the log probability of each token of `tokens`, then of the stop token
    /// when one ended generation.
    public var logprobs: [TokenLogprob]? = nil
    /// When asked for: the log probability of each prompt token after the first.
    public var promptLogprobs: [TokenLogprob]? = nil
}

/// Generates tokens from a `DecoderModel`, one sequence at a time, with a KV cache.
public final class Generator {
    public let model: DecoderModel
    /// false runs the base network with LoRA adapters switched off.
    public let useAdapters: Bool
    /// Number of tokens in the cache (the position of the next token fed).
    public private(set) var position: Int = 0
    private var cache: KVCache
    private var work: DecodeBuffers
    private var attentionScratch = FloatBuffer(count: 0)
    private let logits: FloatBuffer

    public init(model: DecoderModel, useAdapters: Bool = true) {
        self.model = model
        self.useAdapters = useAdapters
        cache = KVCache(config: model.config, capacity: 0)
        work = DecodeBuffers(config: model.config, rows: 0, loraRank: 0, loraTargets: 0)
        logits = FloatBuffer(count: model.config.vocabSize)
    }

    /// Forgets the sequence; the next `feed` starts at position 0.
    public func reset() { position = 0 }

    /// Appends `tokens` to the sequence and returns the logits [vocabSize] predicting the token
    /// after the last of them.
    public func feed(_ tokens: [Int32]) throws(GenerationError) -> [Float] {
        try feedTokens(tokens)
        return logits.array()
    }

    /// `feed` without copying the logits out; they stay in `logits`.
    private func feedTokens(_ tokens: [Int32]) throws(GenerationError) {
        let config = model.config
        let n = tokens.count
        if n == 0 { throw .emptyPrompt }
        if position + n > config.maxPositionEmbeddings {
            throw .contextExceeded(length: position + n, limit: config.maxPositionEmbeddings)
        }
        for (i, token) in tokens.enumerated() where token < 0 || Int(token) >= config.vocabSize {
            throw .tokenOutOfRange(position: position + i, token: token, vocabSize: config.vocabSize)
        }
        let start = position
        let c = config.hiddenSize
        cache.reserve(start + n, keeping: start)
        let loraRank = model.adapters?.config.rank ?? 0
        let loraTargets = model.adapters?.config.targetModules.count ?? 0
        if n > work.rows || loraRank > work.loraRank || loraTargets > work.loraTargets {
            work = DecodeBuffers(config: config, rows: max(n, work.rows), loraRank: max(loraRank, work.loraRank),
                                 loraTargets: max(loraTargets, work.loraTargets))
        }
        if attentionScratch.count < attentionBlockRows * (start + n) {
            attentionScratch = FloatBuffer(count: attentionBlockRows * max(start + n, 2 * attentionScratch.count / attentionBlockRows))
        }
        let x = work.x.pointer, norm = work.norm.pointer, rstd = work.rstd.pointer
        let cosTable = work.cosTable.pointer, sinTable = work.sinTable.pointer
        tokens.withUnsafeBufferPointer { tokenPointer in
            embeddingForward(out: x, tokens: tokenPointer.baseAddress!, table: model.parameters.pointer + model.layout.embedTokens,
                             rows: n, channels: c)
        }
        let positions = (0..<n).map { Int32(start + $0) }
        positions.withUnsafeBufferPointer { positionPointer in
            ropeTables(cos: cosTable, sin: sinTable, positions: positionPointer.baseAddress!,
                       rows: n, headDim: config.headDim, theta: config.ropeTheta)
        }
        let acts = work.layerActivations
        let adapters = useAdapters ? model.adapters : nil
        for l in 0..<config.numHiddenLayers {
            model.layerForward(l, rows: n, acts: acts, cos: cosTable, sin: sinTable,
                               keyValues: .cached(cache, start: start), adapters: adapters,
                               attentionScratch: attentionScratch.pointer)
        }
        // Only the last row's logits are needed.
        let last = x + (n - 1) * c
        rmsNormForward(out: norm, rstd: rstd, inp: last, weight: model.parameters.pointer + model.layout.finalNorm,
                       rows: 1, channels: c, eps: config.rmsNormEps)
        linearForward(out: logits.pointer, inp: norm, weight: model.parameters.pointer + model.layout.lmHead, bias: nil,
                      rows: 1, inFeatures: c, outFeatures: config.vocabSize)
        position = start + n
    }

    /// Generates up to `maxNewTokens` tokens after `prompt`, starting from an empty sequence.
    ///
    /// - Parameters:
    ///   - temperature: 0 for greedy decoding; otherwise sampling with `topP` and `topK`.
    ///   - seed: seeds this request's own sampler, so the same prompt and seed give the same tokens.
    ///   - stopTokenIds: generation ends when one of these is produced (it is not returned).
    ///   - onToken: called with each new token; return true to stop after it.
    public func generate(
        prompt: [Int32],
        maxNewTokens: Int,
        temperature: Float = 0,
        topP: Float = 1,
        topK: Int = 0,
        seed: UInt64 = 0,
        stopTokenIds: [Int32] = [],
        onToken: (Int32) -> Bool = { _ in false }
    ) throws(GenerationError) -> GenerationResult {
        if prompt.isEmpty { throw .emptyPrompt }
        if prompt.count > model.config.maxPositionEmbeddings {
            throw .contextExceeded(length: prompt.count, limit: model.config.maxPositionEmbeddings)
        }
        if maxNewTokens < 0 { throw .invalidParameter(name: "maxNewTokens", reason: "must not be negative, got \(maxNewTokens)") }
        let sampling = SamplingParameters(temperature: temperature, topP: topP, topK: topK)
        try sampling.validate()

        reset()
        var sampler = TokenSampler(parameters: sampling, seed: seed)
        let stops = Set(stopTokenIds)
        var output: [Int32] = []
        // Reserve the whole request's cache up front.
        cache.reserve(min(prompt.count + maxNewTokens, model.config.maxPositionEmbeddings), keeping: 0)
        try feedTokens(prompt)
        // Like vLLM's max_model_len, prompt plus output never exceeds the context.
        let limit = model.config.maxPositionEmbeddings
        var reason = FinishReason.length
        while true {
            if output.count == maxNewTokens { reason = .length; break }
            if prompt.count + output.count >= limit { reason = .contextFull; break }
            let token = sampler.sample(UnsafeBufferPointer(logits.buffer))
            if stops.contains(token) { reason = .stopToken(token); break }
            output.append(token)
            if onToken(token) { reason = .callback; break }
            // Feed the token only when another one will be sampled after it.
            if output.count < maxNewTokens && prompt.count + output.count < limit {
                try feedTokens([token])
            }
        }
        return GenerationResult(tokens: output, finishReason: reason, promptTokenCount: prompt.count)
    }
}

/// Work buffers for feeding up to `rows` tokens at once through the network (no per-layer storage:
/// nothing is kept for a backward).
final class DecodeBuffers {
    let rows: Int
    let loraRank: Int
    let loraTargets: Int
    let x: FloatBuffer          // [n, C] residual stream, updated in place layer by layer
    let norm: FloatBuffer       // [n, C] both norms' outputs
    let rstd: FloatBuffer       // [n]
    let qkv: FloatBuffer        // [n, (H + 2KV)·d]
    let attention: FloatBuffer  // [n, H·d]
    let mid: FloatBuffer        // [n, C]
    let gateUp: FloatBuffer     // [n, 2I]
    let act: FloatBuffer        // [n, I]
    let loraHidden: FloatBuffer // [targets, n, r]
    let loraUpdate: FloatBuffer // [n, widest fused output] when adapters are attached
    let cosTable: FloatBuffer   // [n, d/2]
    let sinTable: FloatBuffer   // [n, d/2]

    init(config: DecoderConfig, rows n: Int, loraRank: Int, loraTargets: Int) {
        rows = n
        self.loraRank = loraRank
        self.loraTargets = loraTargets
        let c = config.hiddenSize
        x = FloatBuffer(count: n * c)
        norm = FloatBuffer(count: n * c)
        rstd = FloatBuffer(count: n)
        qkv = FloatBuffer(count: n * config.qkvWidth)
        attention = FloatBuffer(count: n * config.numAttentionHeads * config.headDim)
        mid = FloatBuffer(count: n * c)
        gateUp = FloatBuffer(count: n * 2 * config.intermediateSize)
        act = FloatBuffer(count: n * config.intermediateSize)
        loraHidden = FloatBuffer(count: loraTargets * n * loraRank)
        loraUpdate = FloatBuffer(count: loraTargets > 0 ? n * max(config.qkvWidth, 2 * config.intermediateSize, c) : 0)
        cosTable = FloatBuffer(count: n * config.headDim / 2)
        sinTable = FloatBuffer(count: n * config.headDim / 2)
    }

    /// Layer views over the buffers: the residual stream is updated in place (output aliases
    /// input), and both norms share one buffer (ln1 is consumed before ln2 is formed).
    var layerActivations: LayerActivations {
        LayerActivations(
            input: x.pointer, ln1: norm.pointer, rstd1: rstd.pointer,
            qkv: qkv.pointer, attention: attention.pointer, attentionLSE: nil,
            mid: mid.pointer, ln2: norm.pointer, rstd2: rstd.pointer,
            gateUp: gateUp.pointer, act: act.pointer,
            output: x.pointer, loraHidden: loraHidden.pointer, loraUpdate: loraUpdate.pointer)
    }
}
