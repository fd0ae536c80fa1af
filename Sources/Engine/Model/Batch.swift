// A training/scoring batch: right-padded token sequences, their lengths, and a loss mask saying
// which tokens are prediction targets (the response tokens; prompt tokens are masked out).

/// A right-padded batch of token sequences, row-major [batchSize, sequenceLength].
///
/// `lossMask[b·T + t]` is true when token t of sequence b is a *target*: its log-probability
/// log p(tokens[t] | tokens[<t]) enters the loss. This is Hugging Face's `labels` convention
/// (labels = input_ids with −100 on masked positions, shifted inside the model): position 0 has
/// no context and can never be a target, and padding positions (t ≥ length) are never targets.
public struct Batch: Sendable, Equatable {
    public let batchSize: Int
    public let sequenceLength: Int
    /// [batchSize · sequenceLength]; values at padding positions are ignored.
    public let tokens: [Int32]
    /// [batchSize], each in 1...sequenceLength.
    public let lengths: [Int]
    /// [batchSize · sequenceLength]
    public let lossMask: [Bool]

    public init(tokens: [Int32], batchSize: Int, sequenceLength: Int, lengths: [Int], lossMask: [Bool]) throws(ModelError) {
        if batchSize <= 0 { throw .invalidBatch(field: "batchSize", reason: "must be positive, got \(batchSize)") }
        if sequenceLength <= 0 { throw .invalidBatch(field: "sequenceLength", reason: "must be positive, got \(sequenceLength)") }
        let total = batchSize * sequenceLength
        if tokens.count != total { throw .invalidBatch(field: "tokens", reason: "has \(tokens.count) values, expected \(total)") }
        if lengths.count != batchSize { throw .invalidBatch(field: "lengths", reason: "has \(lengths.count) values, expected \(batchSize)") }
        if lossMask.count != total { throw .invalidBatch(field: "lossMask", reason: "has \(lossMask.count) values, expected \(total)") }
        for (b, length) in lengths.enumerated() {
            if length < 1 || length > sequenceLength {
                throw .invalidBatch(field: "lengths[\(b)]", reason: "is \(length), must be in 1...\(sequenceLength)")
            }
            if lossMask[b * sequenceLength] {
                throw .invalidBatch(field: "lossMask[\(b)][0]", reason: "the first token has no context and cannot be a target")
            }
            for t in length..<sequenceLength where lossMask[b * sequenceLength + t] {
                throw .invalidBatch(field: "lossMask[\(b)][\(t)]", reason: "is a padding position (length \(length))")
            }
        }
        self.batchSize = batchSize
        self.sequenceLength = sequenceLength
        self.tokens = tokens
        self.lengths = lengths
        self.lossMask = lossMask
    }

    /// Pads `sequences` on the right (with token 0) to the longest; `targetMasks[b][t]` marks targets.
    public init(sequences: [[Int32]], targetMasks: [[Bool]]) throws(ModelError) {
        if sequences.isEmpty { throw .invalidBatch(field: "sequences", reason: "is empty") }
        if targetMasks.count != sequences.count {
            throw .invalidBatch(field: "targetMasks", reason: "has \(targetMasks.count) masks for \(sequences.count) sequences")
        }
        let length = sequences.map(\.count).max() ?? 0
        var tokens = [Int32](repeating: 0, count: sequences.count * length)
        var mask = [Bool](repeating: false, count: sequences.count * length)
        for (b, sequence) in sequences.enumerated() {
            if targetMasks[b].count != sequence.count {
                throw .invalidBatch(field: "targetMasks[\(b)]", reason: "has \(targetMasks[b].count) entries for \(sequence.count) tokens")
            }
            for t in 0..<sequence.count {
                tokens[b * length + t] = sequence[t]
                mask[b * length + t] = targetMasks[b][t]
            }
        }
        try self.init(tokens: tokens, batchSize: sequences.count, sequenceLength: max(length, 1),
                      lengths: sequences.map(\.count), lossMask: mask)
    }

    /// Pads `sequences`; every token at position ≥ promptLengths[b] is a target (a response after a
    /// prompt). A prompt length below 1 is treated as 1 (the first token cannot be a target).
    public init(sequences: [[Int32]], promptLengths: [Int]) throws(ModelError) {
        if promptLengths.count != sequences.count {
            throw .invalidBatch(field: "promptLengths", reason: "has \(promptLengths.count) values for \(sequences.count) sequences")
        }
        let masks = sequences.enumerated().map { b, sequence in
            (0..<sequence.count).map { $0 >= max(promptLengths[b], 1) }
        }
        try self.init(sequences: sequences, targetMasks: masks)
    }

    /// Number of targets in the batch.
    public var targetCount: Int { lossMask.reduce(0) { $0 + ($1 ? 1 : 0) } }

    /// Token weights for `DecoderModel.backward` that differentiate the mean causal-LM loss
    /// −(1/N)·Σ logp over the N targets: −1/N on every target.
    public func meanLossWeights() -> [Float] {
        let n = targetCount
        let w: Float = n > 0 ? -1 / Float(n) : 0
        return lossMask.map { $0 ? w : 0 }
    }

    /// Token weights for `DecoderModel.backward` given d objective / d logp_b for each sequence's
    /// summed target log-probability (what DPO and IOPO produce): that value on each of b's targets.
    public func sequenceWeights(_ perSequence: [Float]) -> [Float] {
        precondition(perSequence.count == batchSize, "one weight per sequence")
        var weights = [Float](repeating: 0, count: lossMask.count)
        for b in 0..<batchSize {
            for t in 0..<sequenceLength where lossMask[b * sequenceLength + t] {
                weights[b * sequenceLength + t] = perSequence[b]
            }
        }
        return weights
    }
}

/// What `DecoderModel.forward` returns.
public struct ForwardResult: Sendable {
    public var batchSize: Int
    public var sequenceLength: Int
    /// [batchSize · sequenceLength]: log p(tokens[t] | tokens[<t]) at targets, 0 elsewhere.
    public var tokenLogProbs: [Float]
    /// [batchSize]: the sum of tokenLogProbs over each sequence's targets (accumulated in float64).
    public var perSequenceLogProb: [Double]
    /// [batchSize]: number of targets per sequence.
    public var targetCounts: [Int]
    /// Mean causal-LM loss −(1/N)·Σ logp over all N targets of the batch; 0 when N = 0.
    public var loss: Double
    /// [batchSize · sequenceLength · vocabSize] when requested: the logits at every position
    /// (predicting the next token); rows at padding positions are zero.
    public var logits: [Float]?
}
