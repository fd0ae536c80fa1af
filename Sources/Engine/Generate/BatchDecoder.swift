// Batched forward steps over many sequences at once: the engine side of continuous batching. One
// step takes any mix of rows — the next token of sequences that are decoding, a chunk of the prompt
// of sequences that are joining — runs them through the network together (every weight matrix read
// once per step for all of them), appends their keys and values to each sequence's own cache, and
// returns the logits after each sequence's last row.
//
// Batch invariance: every product is the row-invariant kernel (RowProducts.swift) and every row
// attends on its own (attentionRowForward); norms, rotary embedding, activations and residuals are
// per row. So a sequence's logits — and, with its own seeded sampler, its tokens — are bit-identical
// whether it runs alone, among any others, in any order, or with its prompt fed in any chunks.

/// One sequence a `BatchDecoder` generates: its keys and values, and how many tokens they cover.
public final class DecodeSequence {
    let cache: KVCache
    /// Tokens fed so far (the position of the next one).
    public internal(set) var length = 0

    init(config: DecoderConfig, capacity: Int) {
        cache = KVCache(config: config, capacity: capacity)
    }
}

/// What one sequence is fed in a step.
public struct DecodeFeed {
    public var sequence: DecodeSequence
    public var tokens: [Int32]
    /// Return the logits after every fed row (prompt log probabilities), not only the last.
    public var everyRow: Bool

    public init(sequence: DecodeSequence, tokens: [Int32], everyRow: Bool = false) {
        self.sequence = sequence
        self.tokens = tokens
        self.everyRow = everyRow
    }
}

/// Runs batched steps of a model, with its LoRA adapters (unmerged) when attached.
public final class BatchDecoder {
    public let model: DecoderModel
    private var work: DecodeBuffers
    private var attentionScratch = FloatBuffer(count: 0)
    private var lastRows = FloatBuffer(count: 0)
    private var logits = FloatBuffer(count: 0)

    public init(model: DecoderModel) {
        self.model = model
        work = DecodeBuffers(config: model.config, rows: 0, loraRank: 0, loraTargets: 0)
    }

    /// A new, empty sequence; `capacity` reserves cache room for that many tokens.
    public func makeSequence(capacity: Int = 0) -> DecodeSequence {
        DecodeSequence(config: model.config, capacity: min(capacity, model.config.maxPositionEmbeddings))
    }

    /// Feeds each sequence its next tokens (in order; a sequence at most once per step) in one
    /// forward, and returns for each feed the logits [vocabSize] predicting the token after its last.
    public func step(_ feeds: [(sequence: DecodeSequence, tokens: [Int32])]) throws(GenerationError) -> [[Float]] {
        try step(feeds.map { DecodeFeed(sequence: $0.sequence, tokens: $0.tokens) })
    }

    /// Feeds each sequence its next tokens (in order; a sequence at most once per step) in one
    /// forward, and returns for each feed the logits predicting the token after its last row
    /// [vocabSize], or after each of its rows [count, vocabSize] when the feed asks for every row.
    public func step(_ feeds: [DecodeFeed]) throws(GenerationError) -> [[Float]] {
        let config = model.config
        var seen = Set<ObjectIdentifier>()
        var rows = 0, longest = 0
        for feed in feeds {
            if feed.tokens.isEmpty { throw .emptyPrompt }
            if !seen.insert(ObjectIdentifier(feed.sequence)).inserted {
                throw .invalidParameter(name: "feeds", reason: "name one sequence twice in a step")
            }
            let end = feed.sequence.length + feed.tokens.count
            if end > config.maxPositionEmbeddings { throw .contextExceeded(length: end, limit: config.maxPositionEmbeddings) }
            for (i, token) in feed.tokens.enumerated() where token < 0 || Int(token) >= config.vocabSize {
                throw .tokenOutOfRange(position: feed.sequence.length + i, token: token, vocabSize: config.vocabSize)
            }
            rows += feed.tokens.count
            longest = max(longest, end)
        }
        if feeds.isEmpty { return [] }
        let outputRows = feeds.reduce(0) { $0 + ($1.everyRow ? $1.tokens.count : 1) }
        reserve(rows: rows, longest: longest, outputRows: outputRows)

        // Rows in feed order; each feed's rows are consecutive positions of its sequence.
        var tokens: [Int32] = [], positions: [Int32] = [], segments: [CachedRows] = []
        tokens.reserveCapacity(rows)
        positions.reserveCapacity(rows)
        for feed in feeds {
            let start = feed.sequence.length
            feed.sequence.cache.reserve(start + feed.tokens.count, keeping: start)
            segments.append(CachedRows(cache: feed.sequence.cache, start: start, rowStart: tokens.count, count: feed.tokens.count))
            tokens += feed.tokens
            positions += (0..<feed.tokens.count).map { Int32(start + $0) }
        }
        let c = config.hiddenSize
        let x = work.x.pointer, norm = work.norm.pointer, rstd = work.rstd.pointer
        tokens.withUnsafeBufferPointer { embeddingForward(out: x, tokens: $0.baseAddress!, table: model.parameters.pointer + model.layout.embedTokens, rows: rows, channels: c) }
        positions.withUnsafeBufferPointer {
            ropeTables(cos: work.cosTable.pointer, sin: work.sinTable.pointer, positions: $0.baseAddress!, rows: rows, headDim: config.headDim, theta: config.ropeTheta)
        }
        let acts = work.layerActivations
        for l in 0..<config.numHiddenLayers {
            model.layerForward(l, rows: rows, acts: acts, cos: work.cosTable.pointer, sin: work.sinTable.pointer,
                               keyValues: .cachedSequences(segments, scratchPerRow: longest), adapters: model.adapters,
                               attentionScratch: attentionScratch.pointer, products: .rowInvariant)
        }
        // The rows whose logits are wanted (each feed's last, or all of it): final norm and the
        // output projection.
        var outputStart: [Int] = [], next = 0
        for (f, segment) in segments.enumerated() {
            let count = feeds[f].everyRow ? segment.count : 1
            (lastRows.pointer + next * c).update(from: x + (segment.rowStart + segment.count - count) * c, count: count * c)
            outputStart.append(next)
            next += count
        }
        // outputRows ≤ rows, so the work buffers hold them.
        rmsNormForward(out: norm, rstd: rstd, inp: lastRows.pointer, weight: model.parameters.pointer + model.layout.finalNorm,
                       rows: outputRows, channels: c, eps: config.rmsNormEps)
        let vocab = config.vocabSize
        linearForward(out: logits.pointer, inp: norm, weight: model.parameters.pointer + model.layout.lmHead, bias: nil,
                      rows: outputRows, inFeatures: c, outFeatures: vocab, kernel: .rowInvariant)
        for feed in feeds { feed.sequence.length += feed.tokens.count }
        return feeds.indices.map { f in
            let count = feeds[f].everyRow ? feeds[f].tokens.count : 1
            return Array(UnsafeBufferPointer(start: logits.pointer + outputStart[f] * vocab, count: count * vocab))
        }
    }

    private func reserve(rows: Int, longest: Int, outputRows: Int) {
        let config = model.config
        let loraRank = model.adapters?.config.rank ?? 0, loraTargets = model.adapters?.config.targetModules.count ?? 0
        if rows > work.rows || loraRank > work.loraRank || loraTargets > work.loraTargets {
            work = DecodeBuffers(config: config, rows: max(rows, 2 * work.rows), loraRank: loraRank, loraTargets: loraTargets)
        }
        if attentionScratch.count < rows * longest { attentionScratch = FloatBuffer(count: max(rows * longest, 2 * attentionScratch.count)) }
        if lastRows.count < outputRows * config.hiddenSize { lastRows = FloatBuffer(count: outputRows * config.hiddenSize) }
        if logits.count < outputRows * config.vocabSize { logits = FloatBuffer(count: outputRows * config.vocabSize) }
    }
}
