// Optimiser pieces against their reference formulas: AdamW as torch computes it, the cosine
// schedule with warmup as transformers computes it, global-norm clipping, gradient accumulation,
// seeded shuffling, and bit-identical resumption from serialised optimizer state.

import Foundation
import Testing
@testable import Engine

@Suite("Optimisation")
struct OptimTests {
    @Test("AdamW follows torch's update, with decay only where asked")
    func adamW() throws {
        let config = AdamWConfig(beta1: 0.9, beta2: 0.95, epsilon: 1e-8, weightDecay: 0.1)
        let optimizer = AdamW(config: config, parameterCount: 4)
        var parameters: [Float] = [0.5, -1, 2, 0.25]
        var expected = parameters.map(Double.init)
        var m = [Double](repeating: 0, count: 4), v = [Double](repeating: 0, count: 4)
        let lr = 0.01
        for step in 1...5 {
            let gradients: [Float] = [0.1, -0.2 * Float(step), 0.3, 0]
            try parameters.withUnsafeMutableBufferPointer { p in
                try gradients.withUnsafeBufferPointer { g in
                    try optimizer.step(parameters: p, gradients: g, decayRanges: [0..<2], learningRate: Float(lr))
                }
            }
            for i in 0..<4 {
                if i < 2 { expected[i] *= 1 - lr * 0.1 }
                let g = Double(gradients[i])
                m[i] = 0.9 * m[i] + 0.1 * g
                v[i] = 0.95 * v[i] + 0.05 * g * g
                let mHat = m[i] / (1 - pow(0.9, Double(step)))
                let denominator = (v[i] / (1 - pow(0.95, Double(step)))).squareRoot() + 1e-8
                expected[i] -= lr * mHat / denominator
            }
        }
        #expect(optimizer.stepCount == 5)
        for i in 0..<4 { #expect(abs(Double(parameters[i]) - expected[i]) < 1e-6, "parameter \(i)") }
        #expect(parameters[3] == 0.25, "no gradient and no decay: unchanged")
    }

    @Test("cosine schedule with warmup matches transformers")
    func schedule() {
        let schedule = CosineSchedule(peak: 1e-4, warmupSteps: 10, totalSteps: 110)
        #expect(schedule.learningRate(atStep: 0) == 0)
        #expect(abs(schedule.learningRate(atStep: 5) - 5e-5) < 1e-15)
        #expect(abs(schedule.learningRate(atStep: 10) - 1e-4) < 1e-15)
        #expect(abs(schedule.learningRate(atStep: 60) - 5e-5) < 1e-12)
        #expect(abs(schedule.learningRate(atStep: 35) - 1e-4 * 0.5 * (1 + cos(Double.pi * 0.25))) < 1e-15)
        #expect(schedule.learningRate(atStep: 110) < 1e-20)
        #expect(schedule.learningRate(atStep: 200) >= 0)
        #expect(CosineSchedule(peak: 1, warmupRatio: 0.1, totalSteps: 25).warmupSteps == 3, "ceil(0.1 · 25)")
    }

    @Test("global-norm clipping")
    func clipping() {
        var g: [Float] = [3, 4, 0]
        let norm = g.withUnsafeMutableBufferPointer { GradientClipping.clip($0, maxNorm: 1) }
        #expect(norm == 5)
        #expect(abs(g[0] - 0.6) < 1e-6 && abs(g[1] - 0.8) < 1e-6)
        var small: [Float] = [0.3, 0.4]
        _ = small.withUnsafeMutableBufferPointer { GradientClipping.clip($0, maxNorm: 1) }
        #expect(small == [0.3, 0.4], "below the limit nothing changes")
    }

    @Test("gradient accumulation sums micro-batches")
    func accumulation() throws {
        let model = try DecoderModel(config: tinyConfig(), seed: 31, initializerRange: 0.2)
        let sequences: [[Int32]] = [[1, 2, 3, 4, 5], [6, 7, 8]]
        let full = try Batch(sequences: sequences, promptLengths: [2, 1])
        model.zeroGradients()
        _ = try model.forward(full)
        try model.backward(tokenWeights: full.sequenceWeights([0.5, -2]))
        let together = model.gradientTensors()
        model.zeroGradients()
        for (b, weight) in [Float(0.5), -2].enumerated() {
            let part = try Batch(sequences: [sequences[b]], promptLengths: [[2, 1][b]])
            _ = try model.forward(part)
            try model.backward(tokenWeights: part.sequenceWeights([weight]))
        }
        let summed = model.gradientTensors()
        for (a, b) in zip(together, summed) {
            let worst = zip(a.values, b.values).map { abs($0 - $1) }.max()!
            #expect(worst < 1e-5, "\(a.name): \(worst)")
        }
        let before = model.gradientNorm()
        model.scaleGradients(by: 0.5)
        #expect(abs(model.gradientNorm() - before / 2) < 1e-9 * before + 1e-12)
        model.clipGradients(maxNorm: 1e-3)
        #expect(abs(model.gradientNorm() - 1e-3) < 1e-6)
    }

    @Test("seeded shuffling is a permutation fixed by seed and epoch")
    func shuffling() {
        let a = SeededShuffle.permutation(count: 100, seed: 5, epoch: 0)
        #expect(a.sorted() == Array(0..<100))
        #expect(a == SeededShuffle.permutation(count: 100, seed: 5, epoch: 0))
        #expect(a != SeededShuffle.permutation(count: 100, seed: 5, epoch: 1))
        #expect(a != SeededShuffle.permutation(count: 100, seed: 6, epoch: 0))
        #expect(a != Array(0..<100))
        #expect(SeededShuffle.permutation(count: 0, seed: 1) == [])
        // The data order of recorded runs, computed before the generator moved into Basics.
        #expect(SeededShuffle.permutation(count: 10, seed: 5, epoch: 0) == [4, 5, 1, 2, 9, 0, 8, 7, 6, 3])
        #expect(SeededShuffle.permutation(count: 10, seed: 5, epoch: 1) == [0, 9, 7, 2, 4, 1, 3, 8, 5, 6])
        #expect(SeededShuffle.permutation(count: 12, seed: 1) == [11, 0, 9, 10, 8, 7, 6, 4, 3, 2, 1, 5])
    }

    @Test("optimizer state round-trips; resumed training is bit-identical")
    func resume() throws {
        let batch = try tinyBatch()
        func trainSteps(_ model: DecoderModel, _ optimizer: AdamW, _ steps: Range<Int>) throws {
            for _ in steps {
                model.zeroGradients()
                _ = try model.forward(batch)
                try model.backward(tokenWeights: batch.meanLossWeights())
                model.clipGradients(maxNorm: 1)
                try optimizer.step(model, learningRate: 1e-2)
            }
        }
        let config = AdamWConfig(weightDecay: 0.01)
        let straight = try DecoderModel(config: tinyConfig(), seed: 41)
        let straightOptimizer = AdamW(config: config, model: straight)
        try trainSteps(straight, straightOptimizer, 0..<4)

        let first = try DecoderModel(config: tinyConfig(), seed: 41)
        let firstOptimizer = AdamW(config: config, model: first)
        try trainSteps(first, firstOptimizer, 0..<2)
        let state = firstOptimizer.stateTensors()
        #expect(state.map(\.name) == ["optimizer.exp_avg", "optimizer.exp_avg_sq", "optimizer.step"])
        let resumed = try DecoderModel(config: tinyConfig(), tensors: first.namedTensors())
        let resumedOptimizer = AdamW(config: config, model: resumed)
        try resumedOptimizer.loadState(state)
        #expect(resumedOptimizer.stepCount == 2)
        try trainSteps(resumed, resumedOptimizer, 2..<4)
        #expect(resumed.namedTensors() == straight.namedTensors())
        #expect(resumedOptimizer.stateTensors() == straightOptimizer.stateTensors())

        #expect(throws: OptimizerError.shapeMismatch(name: "optimizer.exp_avg", expected: [3], found: [straight.parameterCount])) {
            try AdamW(parameterCount: 3).loadState(state)
        }
        #expect(throws: OptimizerError.missingTensor(name: "optimizer.step")) {
            try resumedOptimizer.loadState(Array(state.prefix(2)))
        }
    }
}
