// The engine learns: a tiny Qwen2 trained with AdamW on a synthetic corpus from a seeded grammar
// must bring its held-out loss far below the corpus's unigram entropy (what a model that ignores
// context can reach) and close to the grammar's true conditional entropy.

import Basics
import Foundation
import Testing
@testable import Engine

/// A seeded first-order grammar over `vocab` tokens: every token has two successors, taken with
/// probabilities 3/4 and 1/4. Its conditional entropy is H(3/4, 1/4) ≈ 0.562 nats per token.
struct SyntheticGrammar {
    let vocab: Int
    var successors: [(Int32, Int32)]

    init(vocab: Int, seed: UInt64) {
        self.vocab = vocab
        var rng = Xoshiro256StarStar(seed: seed)
        successors = (0..<vocab).map { _ in
            let first = rng.nextInt(below: vocab)
            var second = rng.nextInt(below: vocab - 1)
            if second >= first { second += 1 }
            return (Int32(first), Int32(second))
        }
    }

    func sequence(length: Int, rng: inout Xoshiro256StarStar) -> [Int32] {
        var tokens = [Int32(rng.nextInt(below: vocab))]
        while tokens.count < length {
            let (likely, unlikely) = successors[Int(tokens.last!)]
            tokens.append(rng.nextDouble() < 0.75 ? likely : unlikely)
        }
        return tokens
    }

    static let conditionalEntropy = -(0.75 * log(0.75) + 0.25 * log(0.25))
}

@Suite("Learning")
struct LearningTests {
    @Test("a tiny model learns a synthetic grammar well below its unigram entropy")
    func learnsGrammar() throws {
        let vocab = 16, length = 32, batchSize = 8, steps = 150
        let grammar = SyntheticGrammar(vocab: vocab, seed: 2024)
        var rng = Xoshiro256StarStar(seed: 1)
        let train = (0..<256).map { _ in grammar.sequence(length: length, rng: &rng) }
        let heldOut = (0..<16).map { _ in grammar.sequence(length: length, rng: &rng) }

        // Unigram entropy of the training corpus (targets only: positions ≥ 1).
        var counts = [Double](repeating: 0, count: vocab)
        for sequence in train { for token in sequence.dropFirst() { counts[Int(token)] += 1 } }
        let total = counts.reduce(0, +)
        let unigramEntropy = -counts.filter { $0 > 0 }.reduce(0) { $0 + $1 / total * log($1 / total) }

        let config = DecoderConfig(hiddenSize: 32, numHiddenLayers: 2, numAttentionHeads: 4, numKeyValueHeads: 2,
                                 intermediateSize: 64, vocabSize: vocab, maxPositionEmbeddings: 64)
        let model = try DecoderModel(config: config, seed: 3)
        let optimizer = AdamW(config: AdamWConfig(weightDecay: 0.01), model: model)
        let schedule = CosineSchedule(peak: 1e-2, warmupRatio: 0.05, totalSteps: steps)
        let evaluation = try Batch(sequences: heldOut, promptLengths: heldOut.map { _ in 1 })
        let initialLoss = try model.forward(evaluation).loss
        var order: [Int] = []
        for step in 0..<steps {
            if order.count < batchSize { order += SeededShuffle.permutation(count: train.count, seed: 5, epoch: step) }
            let batch = try Batch(sequences: order.prefix(batchSize).map { train[$0] }, promptLengths: [Int](repeating: 1, count: batchSize))
            order.removeFirst(batchSize)
            model.zeroGradients()
            _ = try model.forward(batch)
            try model.backward(tokenWeights: batch.meanLossWeights())
            model.clipGradients(maxNorm: 1)
            try optimizer.step(model, learningRate: Float(schedule.learningRate(atStep: step)))
        }
        let finalLoss = try model.forward(evaluation).loss
        #expect(abs(initialLoss - log(Double(vocab))) < 0.2, "an untrained model is near uniform: \(initialLoss)")
        #expect(finalLoss < 0.5 * unigramEntropy,
                "held-out loss \(finalLoss) vs unigram entropy \(unigramEntropy)")
        #expect(finalLoss < SyntheticGrammar.conditionalEntropy + 0.15,
                "held-out loss \(finalLoss) vs the grammar's conditional entropy \(SyntheticGrammar.conditionalEntropy)")
    }
}
