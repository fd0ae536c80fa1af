// Resuming is bit-identical: a run interrupted at a checkpoint and continued by a fresh Trainer
// (fresh base model, fresh optimizer restored from the checkpoint) ends with exactly the bytes of
// an uninterrupted run, and logs exactly the same steps — LoRA and full fine-tune, SFT, DPO and
// IOPO. Also: the order of the data, the checkpoint cadence, and the checkpoint files.

import Foundation
import Testing
@testable import Engine
import TestKit

/// The description of the error `body` throws, or nil when it throws none.
func errorText(_ body: () throws -> Void) -> String? {
    do { try body(); return nil } catch { return "\(error)" }
}

/// The trainable tensors and the optimizer state as raw bytes, for exact comparison.
func stateBytes(_ trainer: Trainer) throws -> [UInt8] {
    let trainable = trainer.model.loraConfig != nil ? try trainer.model.loraTensors() : trainer.model.namedTensors()
    return try Safetensors.encode(trainable) + Safetensors.encode(trainer.optimizer.stateTensors())
}

@Suite("Trainer resume")
struct TrainerResumeTests {
    struct Setup {
        var objective: TrainingObjective
        var lora: Bool
    }

    func config(_ setup: Setup) -> TrainingConfig {
        TrainingConfig(objective: setup.objective, learningRate: 5e-3, epochs: 2, warmupRatio: 0.2, batchSize: 2, microBatchSize: 1,
                       weightDecay: 0.01, seed: 7, beta: 0.5, lora: setup.lora ? LoRAConfig(rank: 2, alpha: 4) : nil, checkpointEvery: 2)
    }

    func baseModel() throws -> DecoderModel { try DecoderModel(config: tinyConfig(), seed: 5, initializerRange: 0.1) }

    @Test("resumed from a middle checkpoint, the run ends byte-identical to an uninterrupted one",
          arguments: [Setup(objective: .iopo, lora: true), Setup(objective: .dpo, lora: false),
                      Setup(objective: .sft, lora: false), Setup(objective: .iopoNoOutput, lora: true)])
    func bitIdenticalResume(setup: Setup) throws {
        let examples = randomQuadruples(5, seed: 17)
        let directory = TemporaryDirectory()
        let root = directory.url

        // Uninterrupted, with checkpoints.
        let first = try Trainer(model: try baseModel(), config: config(setup), examples: examples)
        var uninterruptedLog: [String] = []
        var written: [Int] = []
        let summary = try first.train(checkpoint: { step in
            let url = root.appendingPathComponent("step-\(step)")
            try first.saveCheckpoint(to: url)
            written.append(step)
            return url.path
        }, onStep: { uninterruptedLog.append($0.jsonLine()) })
        let total = first.totalSteps
        #expect(summary.steps == total && total >= 5)
        #expect(written == Array(stride(from: 2, to: total, by: 2)) + [total], "checkpoints every 2 steps and at the end")
        let expected = try stateBytes(first)

        // A fresh trainer on a fresh base model, resumed from step 2 (and from the last middle one).
        for resumeStep in [2, (total - 1) / 2 * 2] {
            let resumed = try Trainer.resume(from: root.appendingPathComponent("step-\(resumeStep)"), baseModel: try baseModel(),
                                             config: config(setup), examples: examples)
            #expect(resumed.completedSteps == resumeStep)
            var resumedLog: [String] = []
            _ = try resumed.train(onStep: { resumedLog.append($0.jsonLine()) })
            #expect(resumedLog == Array(uninterruptedLog[resumeStep...]), "\(setup.objective.rawValue): the resumed steps log the same values")
            #expect(try stateBytes(resumed) == expected, "\(setup.objective.rawValue) lora \(setup.lora): final tensors differ after resuming at \(resumeStep)")
        }

        // The final checkpoint holds the final state.
        let last = try Trainer.resume(from: root.appendingPathComponent("step-\(total)"), baseModel: try baseModel(),
                                      config: config(setup), examples: examples)
        #expect(try stateBytes(last) == expected)
        #expect(try last.train().steps == total, "nothing left to do")
    }

    @Test("a checkpoint directory holds the trainable tensors, optimizer state and run identity, nothing half-written")
    func checkpointFiles() throws {
        let directory = TemporaryDirectory()
        let root = directory.url
        let trainer = try Trainer(model: try baseModel(), config: config(Setup(objective: .iopo, lora: true)),
                                  examples: randomQuadruples(3, seed: 2))
        let url = root.appendingPathComponent("step-0")
        try trainer.saveCheckpoint(to: url, extraFiles: ["train_log.jsonl": Data("{}\n".utf8)])
        let files = try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
        #expect(files == ["optimizer.safetensors", "train_log.jsonl", "trainable.safetensors", "trainer_state.json"])
        let state = String(decoding: try Data(contentsOf: url.appendingPathComponent("trainer_state.json")), as: UTF8.self)
        #expect(state == "{\"completed_steps\":0,\"lora_rank\":2,\"objective\":\"iopo\",\"seed\":7,\"total_steps\":4,\"units\":3}\n")
        let names = try Safetensors.read(url.appendingPathComponent("trainable.safetensors")).map(\.name)
        #expect(names.count == 28 && names.allSatisfy { $0.hasPrefix("base_model.model.model.layers.") })
        // Saving again replaces the directory and leaves no staging directory behind.
        try trainer.saveCheckpoint(to: url)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path) == ["step-0"])
    }

    @Test("a checkpoint from a different run is refused, naming what differs")
    func differentRun() throws {
        let directory = TemporaryDirectory()
        let root = directory.url
        let examples = randomQuadruples(4, seed: 2)
        let trainer = try Trainer(model: try baseModel(), config: config(Setup(objective: .iopo, lora: true)), examples: examples)
        try trainer.saveCheckpoint(to: root)
        var other = config(Setup(objective: .iopo, lora: true))
        other.seed = 8
        let seedError = errorText { _ = try Trainer.resume(from: root, baseModel: try baseModel(), config: other, examples: examples) }
        #expect(seedError?.contains("different run") == true && seedError?.contains("seed 7") == true && seedError?.contains("seed 8") == true,
                "\(seedError ?? "no error")")
        let unitsError = errorText {
            _ = try Trainer.resume(from: root, baseModel: try baseModel(), config: config(Setup(objective: .iopo, lora: true)),
                                   examples: Array(examples.prefix(3)))
        }
        #expect(unitsError?.contains("3 units") == true, "\(unitsError ?? "no error")")
        let missing = errorText {
            _ = try Trainer.resume(from: root.appendingPathComponent("missing"), baseModel: try baseModel(),
                                   config: config(Setup(objective: .iopo, lora: true)), examples: examples)
        }
        #expect(missing?.contains("trainer_state.json is missing") == true, "\(missing ?? "no error")")
    }

    @Test("every epoch visits every unit once, in a seeded order that differs between epochs")
    func dataOrder() throws {
        var c = config(Setup(objective: .sft, lora: false))
        c.epochs = 3
        c.batchSize = 3
        let trainer = try Trainer(model: try baseModel(), config: c, examples: randomQuadruples(4, seed: 1))
        #expect(trainer.totalSteps == 9, "8 SFT units in batches of 3: 3 steps per epoch")
        var epochs: [[Int]] = []
        for epoch in 0..<3 {
            epochs.append((0..<3).flatMap { trainer.unitIndices(forStep: epoch * 3 + $0) })
        }
        for order in epochs { #expect(order.sorted() == Array(0..<8)) }
        #expect(epochs[0] != epochs[1] && epochs[1] != epochs[2])
        let again = try Trainer(model: try baseModel(), config: c, examples: randomQuadruples(4, seed: 1))
        #expect((0..<9).map { again.unitIndices(forStep: $0) } == (0..<9).map { trainer.unitIndices(forStep: $0) })
    }
}
