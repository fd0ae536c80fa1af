// Finite-difference checks of the whole model's backward, one parameter tensor at a time, on tiny
// configs with tied and untied embeddings, and of the LoRA adapters' gradients. The objective is
// Σ w·logp over the targets of a padded batch with random weights, which exercises the single
// backward entry point exactly as the DPO/IOPO and causal-LM objectives use it.

import Basics
import Foundation
import Testing
@testable import Engine

/// A tiny Qwen2 config (Llama without `attentionBias`): 2 layers, GQA (4 heads over 2
/// key/value heads), head_dim 4.
func tinyConfig(tied: Bool = false, vocab: Int = 13, attentionBias: Bool = true) -> DecoderConfig {
    DecoderConfig(hiddenSize: 16, numHiddenLayers: 2, numAttentionHeads: 4, numKeyValueHeads: 2,
                intermediateSize: 24, vocabSize: vocab, maxPositionEmbeddings: 64,
                rmsNormEps: 1e-6, ropeTheta: 10000, tieWordEmbeddings: tied, attentionBias: attentionBias)
}

/// Three sequences of lengths 7, 5, 9 (right padded to 9) with response-style masks.
func tinyBatch(vocab: Int = 13, seed: UInt64 = 5) throws -> Batch {
    var rng = Xoshiro256StarStar(seed: seed)
    let lengths = [7, 5, 9]
    let prompts = [3, 1, 4]
    let sequences = lengths.map { n in (0..<n).map { _ in Int32(rng.nextInt(below: vocab)) } }
    return try Batch(sequences: sequences, promptLengths: prompts)
}

/// Random weights on the batch's targets, zero elsewhere.
func randomTokenWeights(_ batch: Batch, seed: UInt64) -> [Float] {
    let r = randomValues(batch.lossMask.count, seed: seed)
    return zip(r, batch.lossMask).map { $1 ? $0 : 0 }
}

/// Checks the gradient of Σ w·logp with respect to each named tensor in `storage`.
func checkModelGradients(_ model: DecoderModel, batch: Batch, weights: [Float], label: String,
                         sourceLocation: SourceLocation = #_sourceLocation) throws {
    model.zeroGradients()
    _ = try model.forward(batch)
    try model.backward(tokenWeights: weights)
    let storage = model.trainable
    for entry in storage.entries {
        let analytic = storage.gradients.array(entry.range)
        let original = storage.parameters.array(entry.range)
        #expect(analytic.contains { $0 != 0 }, "\(label) \(entry.name): gradient is all zero", sourceLocation: sourceLocation)
        checkDirectionalDerivatives("\(label) \(entry.name)", point: original, analytic: analytic, step: 2e-2, directions: 2, richardson: true,
                                    sourceLocation: sourceLocation) { values in
            storage.parameters.write(values, at: entry.offset)
            defer { storage.parameters.write(original, at: entry.offset) }
            let result = try! model.forward(batch)
            return dot(result.tokenLogProbs, weights)
        }
    }
}

@Suite("Model gradients (finite differences)")
struct ModelGradientTests {
    @Test("every base parameter, untied lm_head", arguments: [false, true])
    func baseParameters(tied: Bool) throws {
        let model = try DecoderModel(config: tinyConfig(tied: tied), seed: 1, initializerRange: 0.3)
        let batch = try tinyBatch()
        // Every tensor is checked, including lm_head (untied) or the shared embedding (tied).
        let names = model.trainable.entries.map(\.name)
        #expect(names.contains("lm_head.weight") == !tied)
        try checkModelGradients(model, batch: batch, weights: randomTokenWeights(batch, seed: 7), label: tied ? "tied" : "untied")
    }

    @Test("every base parameter of a Llama (no q/k/v bias)")
    func llamaParameters() throws {
        let model = try DecoderModel(config: tinyConfig(tied: true, attentionBias: false), seed: 2, initializerRange: 0.3)
        let names = model.trainable.entries.map(\.name)
        #expect(!names.contains { $0.hasSuffix("_proj.bias") }, "\(names)")
        #expect(model.trainable.entries.map(\.count).reduce(0, +) == model.config.parameterCount)
        let batch = try tinyBatch()
        try checkModelGradients(model, batch: batch, weights: randomTokenWeights(batch, seed: 8), label: "llama")
    }

    @Test("mean causal-LM loss weights differentiate the mean loss")
    func meanLoss() throws {
        let model = try DecoderModel(config: tinyConfig(), seed: 2, initializerRange: 0.3)
        let batch = try tinyBatch(seed: 9)
        model.zeroGradients()
        let result = try model.forward(batch)
        let manual = -result.tokenLogProbs.reduce(0.0) { $0 + Double($1) } / Double(batch.targetCount)
        #expect(abs(result.loss - manual) < 1e-9)
        try model.backward(tokenWeights: batch.meanLossWeights())
        let entry = model.layout.entries.first { $0.name == "model.layers.1.mlp.down_proj.weight" }!
        let storage = model.trainable
        let original = storage.parameters.array(entry.range)
        checkDirectionalDerivatives("mean loss", point: original, analytic: storage.gradients.array(entry.range)) { values in
            storage.parameters.write(values, at: entry.offset)
            defer { storage.parameters.write(original, at: entry.offset) }
            return try! model.forward(batch).loss
        }
    }

    @Test("LoRA A and B on all modules and on a subset")
    func loraParameters() throws {
        for targets in [LoRATarget.allCases, [.vProj, .upProj, .oProj]] {
            let model = try DecoderModel(config: tinyConfig(), seed: 3, initializerRange: 0.3)
            try model.attachLoRA(LoRAConfig(rank: 2, alpha: 4, targetModules: targets), seed: 4)
            // B starts at zero, which makes dA vanish; give B values so both are exercised.
            let adapters = model.adapters!
            for module in adapters.modules {
                adapters.parameters.write(randomValues(module.outFeatures * 2, seed: UInt64(module.bOffset), scale: 0.5), at: module.bOffset)
            }
            let batch = try tinyBatch()
            try checkModelGradients(model, batch: batch, weights: randomTokenWeights(batch, seed: 8), label: "lora \(targets.map(\.rawValue))")
            #expect(model.baseGradients == nil, "no base gradient buffer when only adapters train")
        }
    }
}
