// Reproducibility: the same seed gives byte-identical training, and the BLAS runtime reports what
// the pipeline records about it.

import Basics
import Foundation
import Testing
@testable import Engine

@Suite("Determinism")
struct DeterminismTests {
    /// Trains a tiny model (full or LoRA) for a few AdamW steps from `seed`; returns the bytes of
    /// every trainable tensor.
    func train(seed: UInt64, lora: Bool) throws -> [NamedTensor] {
        let model = try DecoderModel(config: tinyConfig(), seed: seed)
        if lora { try model.attachLoRA(LoRAConfig(rank: 2, alpha: 4), seed: seed) }
        let optimizer = AdamW(config: AdamWConfig(weightDecay: 0.01), model: model)
        let schedule = CosineSchedule(peak: 3e-3, warmupRatio: 0.2, totalSteps: 5)
        var rng = Xoshiro256StarStar(seed: seed)
        let examples = (0..<6).map { _ in (0..<(4 + rng.nextInt(below: 6))).map { _ in Int32(rng.nextInt(below: 13)) } }
        for step in 0..<5 {
            let order = SeededShuffle.permutation(count: examples.count, seed: seed, epoch: step)
            let batch = try Batch(sequences: order.prefix(3).map { examples[$0] }, promptLengths: [2, 2, 2])
            model.zeroGradients()
            _ = try model.forward(batch)
            try model.backward(tokenWeights: batch.meanLossWeights())
            model.clipGradients(maxNorm: 1)
            try optimizer.step(model, learningRate: Float(schedule.learningRate(atStep: step)))
        }
        return model.trainableTensors() + optimizer.stateTensors()
    }

    @Test("two runs from the same seed are byte-identical (full and LoRA)", arguments: [false, true])
    func repeatable(lora: Bool) throws {
        let first = try train(seed: 77, lora: lora)
        let second = try train(seed: 77, lora: lora)
        let bits = { (tensors: [NamedTensor]) in tensors.flatMap { $0.values.map(\.bitPattern) } }
        #expect(bits(first) == bits(second))
        #expect(first.map(\.name) == second.map(\.name))
        let other = try train(seed: 78, lora: lora)
        #expect(bits(first) != bits(other))
    }

    @Test("BLAS runtime: thread count can be set and read; core name and config are reported")
    func blasRuntime() {
        let original = BLASRuntime.threadCount
        BLASRuntime.setThreadCount(1)
        #expect(BLASRuntime.threadCount == 1)
        BLASRuntime.setThreadCount(original)
        #expect(BLASRuntime.threadCount == original)
        #expect(!BLASRuntime.coreName.isEmpty && BLASRuntime.coreName != "unknown")
        #expect(BLASRuntime.configuration.contains("OpenBLAS"))
        #expect(BLASRuntime.processorCount >= 1)
    }
}
