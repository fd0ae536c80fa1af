// The learning check on the synthetic TRACE at tiny scale: a model trained from scratch with SFT,
// then fine-tuned with IOPO through LoRA, must prefer — on quadruples it never saw — the response
// that satisfies each instruction over the one that satisfies the edited instruction, more
// strongly than the SFT model does: rewards/accuracies_v1 and _v2 (policy against the SFT
// reference) above chance. The SFT model scored against itself has every reward 0, hence
// accuracy 0 under the strict >, so "above the SFT model" is asserted as "above 0.5".
//
// Scale: a 2-layer, 32-wide model, 400 training and 96 held-out single-constraint quadruples,
// about 25–30 s in a debug build. The constraint kinds are those such a model can learn to
// follow from a few hundred examples (words, themes, formats, tone); counting, ordering and
// negation kinds are left out. With all kinds the pooled IOPO margin still generalises (held-out
// loss below log 2) but one of v1/v2 stays near 0.5: IOPO constrains only a + c − b − d, and a
// prompt-independent drift between y1 and y2 moves v1 and v2 in opposite directions.
// (Seeds 3–6 of this configuration give held-out v1/v2 of 0.63/0.60, 0.58/0.68, 0.58/0.68,
// 0.65/0.71.)

import Engine
import Foundation
import Pipeline
import Testing
import Trace

/// Synthetic TRACE quadruples as training text, from the constraint kinds not in `excluding`.
func syntheticQuadruples(count: Int, seed: UInt64, maxConstraints: Int,
                         excluding: [ConstraintKind] = SyntheticTraceConfig.defaultHeldOutKinds) throws -> [TrainingText] {
    var config = SyntheticTraceConfig(seed: seed, trainQuadruples: count, evalInDomain: 1, evalOutOfDomain: 1,
                                      maxConstraints: maxConstraints, maxConstraintsOutOfDomain: max(maxConstraints, 2),
                                      heldOutKinds: excluding)
    config.inputProbability = 0
    return try SyntheticTrace.generate(config).train.map { .quadruple(x1: $0.x1.text, y1: $0.y1, x2: $0.x2.text, y2: $0.y2) }
}

@Suite("Training learning check")
struct TrainingLearningTests {
    /// Kinds beyond a tiny model trained for seconds: counting, ordering, negation, long backgrounds.
    static let hardKinds: [ConstraintKind] = [.wordFrequency, .wordCountMax, .wordCountMin, .itemCount, .sentenceCount, .sections,
                                              .orderWords, .processSteps, .markdownProcess, .tableLookup, .textFacts, .priorCondition,
                                              .value, .noNames, .noDigits, .excludeWords, .negativeExample, .positiveExample]

    @Test("after SFT then IOPO (LoRA), held-out reward accuracies v1 and v2 beat chance and the SFT model")
    func iopoLearnsHeldOutPreferences() throws {
        let started = Date()
        let texts = try syntheticQuadruples(count: 400 + 96, seed: 3, maxConstraints: 1, excluding: Self.hardKinds)
        let train = Array(texts.prefix(400)), heldOut = Array(texts.suffix(96))
        let tokenizer = try TrainingEncoding.trainTokenizer(on: train, vocabularySize: 600)
        let encoding = try TrainingEncoding(tokenizer: tokenizer)
        let trainExamples = try train.map(encoding.encode), heldOutExamples = try heldOut.map(encoding.encode)
        let modelConfig = DecoderConfig(hiddenSize: 32, numHiddenLayers: 2, numAttentionHeads: 4, numKeyValueHeads: 2,
                                      intermediateSize: 64, vocabSize: tokenizer.vocabularySize, maxPositionEmbeddings: 512)

        // SFT from scratch on (x1, y1) and (x2, y2).
        let model = try DecoderModel(config: modelConfig, seed: 1)
        let sft = TrainingConfig(objective: .sft, learningRate: 1e-2, epochs: 3, warmupRatio: 0.05, batchSize: 16, microBatchSize: 16,
                                 weightDecay: 0.01, seed: 1)
        let sftSummary = try Trainer(model: model, config: sft, examples: trainExamples).train()
        let sftOwn = try Trainer.evaluatePreferences(policy: model, reference: model, objective: .iopo, examples: heldOutExamples)
        #expect(sftOwn["rewards/accuracies_v1"] == 0 && sftOwn["rewards/accuracies_v2"] == 0, "the SFT model against itself: every reward is 0")
        #expect(abs(sftOwn["loss"]! - log(2)) < 1e-12)

        // IOPO through LoRA; the reference is the SFT model (the adapters off).
        let iopo = TrainingConfig(objective: .iopo, learningRate: 1e-3, epochs: 1, warmupRatio: 0.1, batchSize: 8, microBatchSize: 8,
                                  seed: 1, beta: 0.5, lora: LoRAConfig(rank: 8, alpha: 16))
        let trainer = try Trainer(model: model, config: iopo, examples: trainExamples)
        let iopoSummary = try trainer.train()
        let metrics = try trainer.evaluatePreferences(examples: heldOutExamples)
        let (v1, v2) = (metrics["rewards/accuracies_v1"]!, metrics["rewards/accuracies_v2"]!)
        print("learning check: SFT \(sftSummary.steps) steps, loss \(sftSummary.finalMetrics["loss"]!); IOPO \(iopoSummary.steps) steps, loss \(iopoSummary.finalMetrics["loss"]!); held-out accuracies v1 \(v1) v2 \(v2), loss \(metrics["loss"]!); \(Int(Date().timeIntervalSince(started))) s")
        #expect(v1 > sftOwn["rewards/accuracies_v1"]! && v2 > sftOwn["rewards/accuracies_v2"]!)
        #expect(v1 > 0.5, "held-out rewards/accuracies_v1 \(v1)")
        #expect(v2 > 0.5, "held-out rewards/accuracies_v2 \(v2)")
        #expect(metrics["rewards/margins_v1"]! > 0 && metrics["rewards/margins_v2"]! > 0)
        #expect(metrics["loss"]! < log(2) - 0.05, "the held-out IOPO loss is below the SFT model's log 2")
    }
}
