// Next-token choice from logits: greedy (temperature 0) or sampling with temperature, top-k and
// top-p applied in that order (as transformers' logits processors), from a per-request seeded
// generator. Candidates are ordered by (probability descending, token id ascending), so ties break
// the same way every time.

import Basics
import Foundation

/// How to pick the next token.
public struct SamplingParameters: Sendable, Equatable, Hashable {
    /// 0 picks the most likely token (greedy); otherwise logits are divided by it.
    public var temperature: Float
    /// Keep the smallest set of most likely tokens whose probability reaches topP (1: all).
    public var topP: Float
    /// Keep only the topK most likely tokens (0: all).
    public var topK: Int

    public init(temperature: Float = 0, topP: Float = 1, topK: Int = 0) {
        self.temperature = temperature
        self.topP = topP
        self.topK = topK
    }

    /// Throws naming the first parameter out of range.
    public func validate() throws(GenerationError) {
        if !(temperature >= 0) || !temperature.isFinite { throw .invalidParameter(name: "temperature", reason: "must be finite and ≥ 0, got \(temperature)") }
        if !(topP > 0 && topP <= 1) { throw .invalidParameter(name: "topP", reason: "must be in (0, 1], got \(topP)") }
        if topK < 0 { throw .invalidParameter(name: "topK", reason: "must not be negative, got \(topK)") }
    }
}

/// Picks tokens from logits with its own xoshiro256** stream.
struct TokenSampler {
    var rng: Xoshiro256StarStar
    var parameters: SamplingParameters
    /// exp((logit − max) / temperature) per token, reused across calls.
    private var weights: [Double] = []

    init(parameters: SamplingParameters, seed: UInt64) {
        self.parameters = parameters
        rng = Xoshiro256StarStar(seed: seed, stream: 0x5341_4D50)
    }

    /// The greedy choice: the largest logit, lowest id on ties.
    static func argmax(_ logits: UnsafeBufferPointer<Float>) -> Int32 {
        var best = 0
        var bestValue = -Float.infinity
        for (i, value) in logits.enumerated() where value > bestValue {
            best = i
            bestValue = value
        }
        return Int32(best)
    }

    /// (probability descending, token ascending): the order candidates are ranked and walked in.
    private static func ranksBefore(_ a: (token: Int, weight: Double), _ b: (token: Int, weight: Double)) -> Bool {
        a.weight > b.weight || (a.weight == b.weight && a.token < b.token)
    }

    mutating func sample(_ logits: UnsafeBufferPointer<Float>) -> Int32 {
        if parameters.temperature <= 0 { return Self.argmax(logits) }
        let vocab = logits.count
        let inverseTemperature = 1 / Double(parameters.temperature)
        var maximum = -Float.infinity
        for value in logits where value > maximum { maximum = value }
        // Unnormalised probabilities; a common factor does not change the draw.
        if weights.count != vocab { weights = [Double](repeating: 0, count: vocab) }
        var total: Double = 0
        for i in 0..<vocab {
            weights[i] = exp((Double(logits[i]) - Double(maximum)) * inverseTemperature)
            total += weights[i]
        }
        let useTopK = parameters.topK > 0 && parameters.topK < vocab
        let useTopP = parameters.topP < 1
        if !useTopK && !useTopP {
            // Plain sampling: walk the vocabulary in id order.
            let threshold = rng.nextDouble() * total
            var cumulative: Double = 0
            for i in 0..<vocab {
                cumulative += weights[i]
                if threshold < cumulative { return Int32(i) }
            }
            return Int32(vocab - 1)
        }

        var candidates: [(token: Int, weight: Double)] = []
        if useTopK {
            let weights = weights
            candidates = bestIndices(parameters.topK, of: vocab, ranksBefore: { weights[$0] > weights[$1] })
                .map { (token: $0, weight: weights[$0]) }
        } else {
            // Rank only tokens above a small weight (the maximum is 1); if those cannot reach topP,
            // rank everything. Exact either way: every excluded token ranks below every kept one.
            for i in 0..<vocab where weights[i] >= 1e-6 { candidates.append((token: i, weight: weights[i])) }
            if candidates.reduce(0, { $0 + $1.weight }) < Double(parameters.topP) * total {
                candidates = (0..<vocab).map { (token: $0, weight: weights[$0]) }
            }
            candidates.sort(by: Self.ranksBefore)
        }
        if useTopP {
            // Nucleus over the (top-k filtered) distribution: the smallest prefix reaching topP.
            let mass = useTopK ? candidates.reduce(0) { $0 + $1.weight } : total
            let limit = Double(parameters.topP) * mass
            var cumulative: Double = 0
            var keep = 0
            for candidate in candidates {
                cumulative += candidate.weight
                keep += 1
                if cumulative >= limit { break }
            }
            candidates.removeSubrange(keep...)
        }
        let kept = candidates.reduce(0) { $0 + $1.weight }
        let threshold = rng.nextDouble() * kept
        var cumulative: Double = 0
        for candidate in candidates {
            cumulative += candidate.weight
            if threshold < cumulative { return Int32(candidate.token) }
        }
        return Int32(candidates.last!.token)
    }
}
