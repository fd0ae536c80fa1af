// Every objective through the whole model: the loss the trainer computes for an optimizer step
// is recomputed independently (one sequence per forward, the formulas of IOPO.md written out
// here), and its gradient with respect to the parameters — what the trainer's micro-batched
// backward accumulates — is checked against finite differences of that loss on sampled
// parameter tensors, for a full fine-tune and for LoRA A and B.

import Basics
import Foundation
import Testing
@testable import Engine

/// Random token examples for the tiny model: prompts of 3–5 tokens, responses of 2–4.
func randomQuadruples(_ count: Int, vocab: Int = 13, seed: UInt64, promptLength: ClosedRange<Int> = 3...5,
                      responseLength: ClosedRange<Int> = 2...4) -> [TrainingExample] {
    var rng = Xoshiro256StarStar(seed: seed)
    func tokens(_ range: ClosedRange<Int>) -> [Int32] {
        let n = range.lowerBound + rng.nextInt(below: range.count)
        return (0..<n).map { _ in Int32(rng.nextInt(below: vocab)) }
    }
    return (0..<count).map { _ in
        .quadruple(x1: tokens(promptLength), y1: tokens(responseLength), x2: tokens(promptLength), y2: tokens(responseLength))
    }
}

/// Summed response log-probability of one sequence, scored alone.
func sequenceLogProb(_ model: DecoderModel, prompt: [Int32], response: [Int32], useAdapters: Bool = true) throws -> Double {
    let batch = try Batch(sequences: [prompt + response], promptLengths: [prompt.count])
    return try model.forward(batch, useAdapters: useAdapters).perSequenceLogProb[0]
}

/// Moves a model away from its reference: random B for LoRA (A is already random), small noise
/// on every weight for a full fine-tune.
func perturb(_ model: DecoderModel, seed: UInt64, scale: Float = 0.05) {
    let storage = model.trainable
    if let adapters = model.adapters {
        for module in adapters.modules {
            let count = module.outFeatures * adapters.config.rank
            adapters.parameters.write(randomValues(count, seed: seed &+ UInt64(module.bOffset), scale: 0.5), at: module.bOffset)
        }
    } else {
        let noise = randomValues(storage.parameters.count, seed: seed, scale: scale)
        for i in 0..<storage.parameters.count { storage.parameters.pointer[i] += noise[i] }
    }
}

private func negLogSigmoid(_ z: Double) -> Double { z >= 0 ? log1p(exp(-z)) : -z + log1p(exp(z)) }

@Suite("Objectives through the whole model")
struct ObjectiveGradientTests {
    static let hyper = (beta: 0.5, labelSmoothing: 0.1, prefFTX: 0.3)

    func makeTrainer(_ objective: TrainingObjective, lora: Bool, microBatchSize: Int = 2) throws -> (Trainer, [TrainingExample]) {
        let model = try DecoderModel(config: tinyConfig(), seed: 11, initializerRange: 0.3)
        let examples = randomQuadruples(3, seed: 3)
        let config = TrainingConfig(objective: objective, batchSize: 8, microBatchSize: microBatchSize, beta: Self.hyper.beta,
                                    labelSmoothing: Self.hyper.labelSmoothing, prefFTX: Self.hyper.prefFTX,
                                    lora: lora ? LoRAConfig(rank: 2, alpha: 4) : nil)
        let trainer = try Trainer(model: model, config: config, examples: examples)
        try trainer.computeReferenceScores()
        perturb(model, seed: 21)
        return (trainer, examples)
    }

    /// The step loss written out from the examples, one forward per sequence.
    func independentLoss(_ objective: TrainingObjective, examples: [TrainingExample], policy: DecoderModel,
                         reference: DecoderModel, referenceUsesAdapters: Bool) throws -> Double {
        let (beta, epsilon, gamma) = Self.hyper
        func r(_ x: [Int32], _ y: [Int32]) throws -> (Double, Double) {
            let p = try sequenceLogProb(policy, prompt: x, response: y)
            let q = try sequenceLogProb(reference, prompt: x, response: y, useAdapters: referenceUsesAdapters)
            return (p - q, p)
        }
        func smoothed(_ z: Double) -> Double { (1 - epsilon) * negLogSigmoid(z) + epsilon * negLogSigmoid(-z) }
        var total = 0.0, units = 0.0, targets = 0.0
        for example in examples {
            guard case let .quadruple(x1, y1, x2, y2) = example else { Issue.record("expected quadruples"); return .nan }
            switch objective {
            case .sft:
                total += try sequenceLogProb(policy, prompt: x1, response: y1) + sequenceLogProb(policy, prompt: x2, response: y2)
                targets += Double(y1.count + y2.count)
            case .dpo:
                // Both pairs: (x1: y1 ≻ y2) and (x2: y2 ≻ y1), each with the SFT term on its chosen response.
                let (a, logpA) = try r(x1, y1), (b, _) = try r(x1, y2), (c, logpC) = try r(x2, y2), (d, _) = try r(x2, y1)
                total += smoothed(beta * (a - b)) - gamma * logpA / Double(y1.count)
                total += smoothed(beta * (c - d)) - gamma * logpC / Double(y2.count)
                units += 2
            case .iopo, .iopoNoInput, .iopoNoOutput:
                let (a, logpA) = try r(x1, y1), (b, _) = try r(x1, y2), (c, logpC) = try r(x2, y2), (d, _) = try r(x2, y1)
                let output = beta * (a - b) + beta * (c - d)
                let input = beta * (a - d) + beta * (c - b)
                let pooled = objective == .iopo ? output + input : objective == .iopoNoInput ? output : input
                total += smoothed(pooled / 2) - gamma * (logpA / Double(y1.count) + logpC / Double(y2.count))
                units += 1
            }
        }
        return objective == .sft ? -total / targets : total / units
    }

    @Test("the step loss equals the formulas recomputed one sequence at a time", arguments: TrainingObjective.allCases)
    func lossWiring(objective: TrainingObjective) throws {
        for lora in [false, true] {
            let model = try DecoderModel(config: tinyConfig(), seed: 11, initializerRange: 0.3)
            let reference = model.copy()
            let examples = randomQuadruples(3, seed: 3)
            let config = TrainingConfig(objective: objective, batchSize: 8, microBatchSize: 2, beta: Self.hyper.beta,
                                        labelSmoothing: Self.hyper.labelSmoothing, prefFTX: Self.hyper.prefFTX,
                                        lora: lora ? LoRAConfig(rank: 2, alpha: 4) : nil)
            let trainer = try Trainer(model: model, config: config, examples: examples)
            try trainer.computeReferenceScores()
            perturb(model, seed: 21)
            let ours = try trainer.evaluateStep(trainer.unitIndices(forStep: 0), backward: false).metrics["loss"]!
            let theirs = try independentLoss(objective, examples: examples, policy: model, reference: lora ? model : reference,
                                             referenceUsesAdapters: false)
            #expect(abs(ours - theirs) <= 1e-5 * max(1, abs(theirs)), "\(objective.rawValue) lora \(lora): trainer \(ours) vs by hand \(theirs)")
            // The rewards are not all zero: the policy really differs from the reference.
            if objective != .sft {
                let metrics = try trainer.evaluateStep(trainer.unitIndices(forStep: 0), backward: false).metrics
                let margin = metrics["rewards/margins"] ?? metrics["rewards/margins_v1"]!
                #expect(abs(margin) > 1e-3)
            }
        }
    }

    @Test("parameter gradients of every objective match finite differences (full fine-tune)", arguments: TrainingObjective.allCases)
    func fullFineTuneGradients(objective: TrainingObjective) throws {
        let (trainer, _) = try makeTrainer(objective, lora: false)
        try checkStepGradients(trainer, tensors: ["model.embed_tokens.weight", "model.layers.0.self_attn.q_proj.weight",
                                                  "model.layers.0.self_attn.v_proj.bias", "model.layers.1.mlp.down_proj.weight",
                                                  "model.layers.1.input_layernorm.weight", "model.norm.weight", "lm_head.weight"],
                               label: "\(objective.rawValue) full")
    }

    @Test("LoRA A and B gradients of every objective match finite differences", arguments: TrainingObjective.allCases)
    func loraGradients(objective: TrainingObjective) throws {
        let (trainer, _) = try makeTrainer(objective, lora: true)
        let names = trainer.model.trainable.entries.map(\.name)
        #expect(names.count == 2 * 2 * 7, "A and B for 7 modules in 2 layers")
        try checkStepGradients(trainer, tensors: names, label: "\(objective.rawValue) lora")
    }

    /// Finite differences of the trainer's step loss on each named tensor, against the gradient
    /// that `lossAndGradients` accumulates over micro-batches.
    func checkStepGradients(_ trainer: Trainer, tensors: [String], label: String,
                            sourceLocation: SourceLocation = #_sourceLocation) throws {
        let (metrics, gradients) = try trainer.lossAndGradients(forStep: 0)
        #expect(metrics["loss"]!.isFinite)
        let indices = trainer.unitIndices(forStep: 0)
        let storage = trainer.model.trainable
        for name in tensors {
            guard let entry = storage.entries.first(where: { $0.name == name }),
                  let gradient = gradients.first(where: { $0.name == name }) else {
                Issue.record("\(label): no trainable tensor \(name)", sourceLocation: sourceLocation)
                continue
            }
            #expect(gradient.values.contains { $0 != 0 }, "\(label) \(name): gradient is all zero", sourceLocation: sourceLocation)
            let original = storage.parameters.array(entry.range)
            checkDirectionalDerivatives("\(label) \(name)", point: original, analytic: gradient.values, step: 2e-2, directions: 2,
                                        richardson: true, sourceLocation: sourceLocation) { values in
                storage.parameters.write(values, at: entry.offset)
                defer { storage.parameters.write(original, at: entry.offset) }
                return try! trainer.evaluateStep(indices, backward: false).metrics["loss"]!
            }
        }
    }

    @Test("micro-batching does not change the step's loss or gradient", arguments: [TrainingObjective.sft, .dpo, .iopo])
    func microBatching(objective: TrainingObjective) throws {
        var results: [([String: Double], [NamedTensor])] = []
        for micro in [1, 8] {
            let (trainer, _) = try makeTrainer(objective, lora: true, microBatchSize: micro)
            results.append(try trainer.lossAndGradients(forStep: 0))
        }
        let (one, all) = (results[0], results[1])
        #expect(abs(one.0["loss"]! - all.0["loss"]!) < 1e-6)
        for (a, b) in zip(one.1, all.1) {
            let scale = Double(b.values.map { abs($0) }.max() ?? 0)
            let difference = Double(zip(a.values, b.values).map { abs($0 - $1) }.max() ?? 0)
            #expect(difference <= 1e-5 * max(scale, 1e-3), "\(objective.rawValue) \(a.name): micro-batch 1 vs 8 differ by \(difference)")
        }
    }
}
