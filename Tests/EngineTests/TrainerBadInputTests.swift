// Bad input to the trainer: data without what the objective needs, an empty dataset, sequences
// over the cutoff (truncated and counted, or dropped), a checkpoint that does not fit the model,
// invalid hyper-parameters, and a loss that becomes NaN or infinite (training stops before the
// bad update, naming the step and the last good checkpoint).

import Foundation
import Testing
@testable import Engine
import TestKit

@Suite("Trainer bad input")
struct TrainerBadInputTests {
    func model() throws -> DecoderModel { try DecoderModel(config: tinyConfig(), seed: 5, initializerRange: 0.1) }

    func trainingError(_ body: () throws -> Void) -> TrainingError? {
        do { try body(); return nil } catch let error as TrainingError { return error } catch {
            Issue.record("expected a TrainingError, got \(error)")
            return nil
        }
    }

    @Test("the data must carry what the objective needs, naming the first example that does not")
    func incompatibleData() throws {
        let sft: [TrainingExample] = [.sft(prompt: [1, 2], response: [3, 4])]
        let pair: [TrainingExample] = [.pair(prompt: [1, 2], chosen: [3], rejected: [4])]
        let quadruples = randomQuadruples(2, seed: 1)
        let cases: [(TrainingObjective, [TrainingExample], String, Int)] = [
            (.dpo, sft, "an SFT example", 0),
            (.iopo, pair, "a preference pair", 0),
            (.iopoNoInput, quadruples + sft, "an SFT example", 2),
            (.sft, quadruples + pair, "a preference pair", 2),
        ]
        for (objective, examples, found, index) in cases {
            let error = trainingError { _ = try Trainer(model: try model(), config: TrainingConfig(objective: objective), examples: examples) }
            #expect(error == .incompatibleData(objective: objective, found: found, index: index))
            #expect(error?.description.contains("example \(index) is \(found)") == true)
        }
        // Every objective accepts quadruples; DPO also pairs, SFT also (prompt, response) examples.
        for objective in TrainingObjective.allCases {
            #expect(trainingError { _ = try Trainer(model: try model(), config: TrainingConfig(objective: objective), examples: quadruples) } == nil)
        }
        #expect(trainingError { _ = try Trainer(model: try model(), config: TrainingConfig(objective: .dpo), examples: pair) } == nil)
    }

    @Test("quadruples expand into the units each objective trains on, in the documented order")
    func unitExpansion() throws {
        let q: TrainingExample = .quadruple(x1: [1], y1: [2], x2: [3], y2: [4])
        func sequences(_ objective: TrainingObjective) throws -> [[[Int32]]] {
            try TrainingUnits.make([q], objective: objective, cutoffLength: 16, truncation: .response).0
                .map { $0.sequences.map(\.tokens) }
        }
        #expect(try sequences(.sft) == [[[1, 2]], [[3, 4]]])
        #expect(try sequences(.dpo) == [[[1, 2], [1, 4]], [[3, 4], [3, 2]]])
        #expect(try sequences(.iopo) == [[[1, 2], [1, 4], [3, 4], [3, 2]]])
        #expect(try sequences(.iopoNoOutput) == [[[1, 2], [1, 4], [3, 4], [3, 2]]])
    }

    @Test("an empty dataset is an error")
    func emptyDataset() throws {
        for objective in TrainingObjective.allCases {
            let error = trainingError { _ = try Trainer(model: try model(), config: TrainingConfig(objective: objective), examples: []) }
            #expect(error == .emptyDataset(reason: "the dataset is empty"))
        }
    }

    @Test("sequences over the cutoff: responses cut and counted, or units dropped and counted")
    func cutoff() throws {
        // Prompt 4 + response 6 = 10 tokens; prompt 3 + response 2 fits a cutoff of 8.
        let long: TrainingExample = .quadruple(x1: [1, 2, 3, 4], y1: [5, 6, 7, 8, 9, 10], x2: [1, 2, 3], y2: [11, 12])
        let short: TrainingExample = .quadruple(x1: [1, 2, 3], y1: [5, 6], x2: [1, 2, 4], y2: [7, 8])
        let examples = [long, short, short]
        let truncate = try TrainingUnits.make(examples, objective: .iopo, cutoffLength: 8, truncation: .response)
        // In the long quadruple (x1,y1) = 10 and (x2,y1) = 9 tokens exceed 8; the rest fit.
        #expect(truncate.1 == DataPreparation(units: 3, truncatedSequences: 2, droppedUnits: 0))
        #expect(truncate.0[0].sequences.map(\.tokens.count) == [8, 6, 5, 8])
        #expect(truncate.0[0].sequences[0].response == [5, 6, 7, 8], "the response's tail is cut, the prompt kept")

        let drop = try TrainingUnits.make(examples, objective: .iopo, cutoffLength: 8, truncation: .drop)
        #expect(drop.1 == DataPreparation(units: 2, truncatedSequences: 0, droppedUnits: 1))

        // The trainer reports the same counts; the model's context bounds the cutoff too.
        let trainer = try Trainer(model: try model(), config: TrainingConfig(objective: .dpo, cutoffLength: 8), examples: examples)
        #expect(trainer.data == DataPreparation(units: 6, truncatedSequences: 2, droppedUnits: 0))

        // A prompt with no room for a response token cannot be truncated: the unit is dropped.
        let hopeless: TrainingExample = .quadruple(x1: Array(repeating: 1, count: 8), y1: [2], x2: [3], y2: [4])
        let prepared = try TrainingUnits.make([hopeless, short], objective: .iopo, cutoffLength: 8, truncation: .response)
        #expect(prepared.1 == DataPreparation(units: 1, truncatedSequences: 0, droppedUnits: 1))

        // Nothing left: an error that says why.
        let error = trainingError {
            _ = try Trainer(model: try model(), config: TrainingConfig(objective: .iopo, cutoffLength: 8, truncation: .drop), examples: [long])
        }
        #expect(error == .emptyDataset(reason: "all 1 units exceed cutoff_length 8 and were dropped"))
    }

    @Test("invalid hyper-parameters are refused, naming the field")
    func invalidConfig() throws {
        let cases: [(TrainingConfig, String)] = [
            (TrainingConfig(objective: .dpo, learningRate: 0), "learning_rate"),
            (TrainingConfig(objective: .dpo, learningRate: .nan), "learning_rate"),
            (TrainingConfig(objective: .dpo, epochs: 0), "epochs"),
            (TrainingConfig(objective: .dpo, warmupRatio: 1), "warmup_ratio"),
            (TrainingConfig(objective: .dpo, batchSize: 0), "batch_size"),
            (TrainingConfig(objective: .dpo, batchSize: 4, microBatchSize: 5), "micro_batch_size"),
            (TrainingConfig(objective: .dpo, cutoffLength: 1), "cutoff_length"),
            (TrainingConfig(objective: .dpo, beta: 0), "beta"),
            (TrainingConfig(objective: .dpo, labelSmoothing: 0.5), "label_smoothing"),
            (TrainingConfig(objective: .dpo, prefFTX: -1), "pref_ftx"),
            (TrainingConfig(objective: .dpo, lora: LoRAConfig(rank: 0, alpha: 16)), "lora"),
        ]
        for (config, field) in cases {
            let error = trainingError { _ = try Trainer(model: try model(), config: config, examples: randomQuadruples(1, seed: 1)) }
            if case .invalidConfig(let named, _) = error { #expect(named == field) } else { Issue.record("\(field): got \(String(describing: error))") }
        }
    }

    @Test("a checkpoint whose tensors do not fit the base model is refused, naming the tensor")
    func shapeMismatch() throws {
        let directory = TemporaryDirectory()
        let root = directory.url
        let examples = randomQuadruples(2, seed: 1)
        for lora in [false, true] {
            let config = TrainingConfig(objective: .dpo, lora: lora ? LoRAConfig(rank: 2, alpha: 4) : nil)
            let trainer = try Trainer(model: try model(), config: config, examples: examples)
            let url = root.appendingPathComponent(lora ? "lora" : "full")
            try trainer.saveCheckpoint(to: url)
            var wider = tinyConfig()
            wider.hiddenSize = 24
            wider.intermediateSize = 32
            let other = try DecoderModel(config: wider, seed: 1)
            let error = trainingError { _ = try Trainer.resume(from: url, baseModel: other, config: config, examples: examples) }
            guard case .checkpoint(let message) = error else { Issue.record("lora \(lora): got \(String(describing: error))"); continue }
            #expect(message.contains("does not fit the model"))
            #expect(message.contains(lora ? "lora_" : "model.embed_tokens.weight"), "\(message)")
        }
    }

    @Test("a NaN loss stops training before the update, naming the step and the last good checkpoint")
    func nanLoss() throws {
        let directory = TemporaryDirectory()
        let root = directory.url
        let examples = randomQuadruples(6, seed: 4)
        let config = TrainingConfig(objective: .iopo, learningRate: 1e-3, batchSize: 1, microBatchSize: 1, lora: LoRAConfig(rank: 2, alpha: 4),
                                    checkpointEvery: 2)
        let trainer = try Trainer(model: try model(), config: config, examples: examples)
        var checkpoints: [String] = []
        var poisonedValues: [Float] = []
        let error = trainingError {
            _ = try trainer.train(checkpoint: { step in
                let url = root.appendingPathComponent("step-\(step)")
                try trainer.saveCheckpoint(to: url)
                checkpoints.append(url.path)
                return url.path
            }, onStep: { log in
                // After step 3 one adapter weight becomes NaN: step 4's loss is NaN.
                if log.step == 3 {
                    trainer.model.trainable.parameters.pointer[0] = .nan
                    poisonedValues = trainer.model.trainable.parameters.array()
                }
            })
        }
        let expectedCheckpoint = root.appendingPathComponent("step-2").path
        #expect(error == .nonFiniteLoss(step: 4, lastCheckpoint: expectedCheckpoint))
        #expect(error?.description.contains("optimizer step 4") == true && error?.description.contains(expectedCheckpoint) == true)
        #expect(checkpoints == [expectedCheckpoint], "no checkpoint after the failure")
        #expect(trainer.completedSteps == 3)
        // The bad step was not applied: the parameters are as the poisoning left them.
        let after = trainer.model.trainable.parameters.array()
        #expect(zip(after, poisonedValues).allSatisfy { $0.bitPattern == $1.bitPattern })
        // The last good checkpoint resumes.
        let resumed = try Trainer.resume(from: URL(fileURLWithPath: expectedCheckpoint), baseModel: try model(), config: config, examples: examples)
        #expect(resumed.completedSteps == 2)
    }

    @Test("an absurd learning rate blows the loss up; the error names the step, and a resumed run names its checkpoint")
    func absurdLearningRate() throws {
        let directory = TemporaryDirectory()
        let root = directory.url
        let examples = randomQuadruples(4, seed: 4)
        let config = TrainingConfig(objective: .sft, learningRate: 1e30, warmupRatio: 0, batchSize: 2, microBatchSize: 2, checkpointEvery: 1)
        let trainer = try Trainer(model: try model(), config: config, examples: examples)
        let error = trainingError {
            _ = try trainer.train(checkpoint: { step in
                let url = root.appendingPathComponent("step-\(step)")
                try trainer.saveCheckpoint(to: url)
                return url.path
            })
        }
        guard case .nonFiniteLoss(let step, let checkpoint) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(step >= 2, "step 1 starts from finite weights")
        #expect(checkpoint == root.appendingPathComponent("step-\(step - 1)").path)

        // Without any checkpoint written, the message says so.
        let poisoned = try model()
        let finalNorm = poisoned.layout.entries.first { $0.name == "model.norm.weight" }!
        poisoned.trainable.parameters.pointer[finalNorm.offset] = .infinity
        let fresh = try Trainer(model: poisoned, config: TrainingConfig(objective: .sft, batchSize: 2, microBatchSize: 2), examples: examples)
        let first = trainingError { _ = try fresh.train() }
        #expect(first == .nonFiniteLoss(step: 1, lastCheckpoint: nil))
        #expect(first?.description.contains("before any checkpoint was written") == true)
    }
}
