// Generation: the KV-cache path against the full forward, greedy decoding, seeded sampling,
// stopping rules and parameter errors.

import Basics
import Foundation
import Testing
@testable import Engine

@Suite("Generation")
struct GenerateTests {
    func model(tied: Bool = false, maxPositions: Int = 64) throws -> DecoderModel {
        var config = tinyConfig(tied: tied, vocab: 29)
        config.maxPositionEmbeddings = maxPositions
        return try DecoderModel(config: config, seed: 51, initializerRange: 0.3)
    }

    @Test("KV-cache logits equal the full forward's at every position (prefill, then one token at a time)", arguments: [false, true])
    func cacheMatchesFullForward(tied: Bool) throws {
        let model = try model(tied: tied)
        let vocab = model.config.vocabSize
        var rng = Xoshiro256StarStar(seed: 3)
        // Long enough for two attention blocks in the prefill.
        let tokens = (0..<75).map { _ in Int32(rng.nextInt(below: vocab)) }
        var config = model.config
        config.maxPositionEmbeddings = 128
        let wide = try DecoderModel(config: config, tensors: model.namedTensors())
        let full = try wide.forward(try Batch(sequences: [tokens], promptLengths: [1]), returnLogits: true).logits!
        let generator = Generator(model: wide)
        let prefill = 67
        var logits = try generator.feed(Array(tokens[0..<prefill]))
        var worst: Float = 0
        for t in (prefill - 1)..<tokens.count {
            if t >= prefill { logits = try generator.feed([tokens[t]]) }
            for v in 0..<vocab { worst = max(worst, abs(logits[v] - full[t * vocab + v])) }
        }
        #expect(generator.position == tokens.count)
        #expect(worst < 1e-4, "max |cached − full| = \(worst)")
    }

    @Test("greedy decoding picks the full forward's argmax each step")
    func greedy() throws {
        let model = try model()
        let prompt: [Int32] = [3, 1, 4, 1, 5]
        let result = try Generator(model: model).generate(prompt: prompt, maxNewTokens: 8)
        #expect(result.tokens.count == 8 && result.finishReason == .length && result.promptTokenCount == 5)
        var sequence = prompt
        for token in result.tokens {
            let logits = try model.forward(try Batch(sequences: [sequence], promptLengths: [1]), returnLogits: true).logits!
            let vocab = model.config.vocabSize
            let last = Array(logits[((sequence.count - 1) * vocab)..<(sequence.count * vocab)])
            #expect(Int32(last.firstIndex(of: last.max()!)!) == token)
            sequence.append(token)
        }
        // top-k 1 sampling is greedy whatever the temperature.
        let topOne = try Generator(model: model).generate(prompt: prompt, maxNewTokens: 8, temperature: 1.5, topK: 1, seed: 9)
        #expect(topOne.tokens == result.tokens)
    }

    @Test("sampling: same seed same tokens, other seed other tokens; top-p and top-k stay within their sets")
    func sampling() throws {
        let model = try model()
        let generator = Generator(model: model)
        let prompt: [Int32] = [7, 8, 9]
        let a = try generator.generate(prompt: prompt, maxNewTokens: 20, temperature: 1.5, seed: 1)
        let b = try generator.generate(prompt: prompt, maxNewTokens: 20, temperature: 1.5, seed: 1)
        let c = try Generator(model: model).generate(prompt: prompt, maxNewTokens: 20, temperature: 1.5, seed: 2)
        #expect(a == b)
        #expect(a.tokens != c.tokens)

        // Direct sampler checks on fixed logits.
        var logits = [Float](repeating: -10, count: 10)
        logits[2] = 3; logits[5] = 2.9; logits[7] = 1
        let seen = logits.withUnsafeBufferPointer { pointer -> Set<Int32> in
            var topK = TokenSampler(parameters: SamplingParameters(temperature: 5, topK: 2), seed: 4)
            return Set((0..<300).map { _ in topK.sample(pointer) })
        }
        #expect(seen == [2, 5])
        let nucleus = logits.withUnsafeBufferPointer { pointer -> Set<Int32> in
            // p(2) ≈ 0.47, p(5) ≈ 0.43, p(7) ≈ 0.06: top-p 0.8 keeps {2, 5}.
            var sampler = TokenSampler(parameters: SamplingParameters(temperature: 1, topP: 0.8), seed: 4)
            return Set((0..<300).map { _ in sampler.sample(pointer) })
        }
        #expect(nucleus == [2, 5])
        let everything = logits.withUnsafeBufferPointer { pointer -> Set<Int32> in
            var sampler = TokenSampler(parameters: SamplingParameters(temperature: 1), seed: 4)
            return Set((0..<2000).map { _ in sampler.sample(pointer) })
        }
        #expect(everything.isSuperset(of: [2, 5, 7]))
    }

    @Test("stop tokens, the callback and the context limit end generation")
    func stopping() throws {
        let model = try model(maxPositions: 12)
        let prompt: [Int32] = [3, 1, 4, 1, 5]
        let greedy = try Generator(model: model).generate(prompt: prompt, maxNewTokens: 5)
        let stop = greedy.tokens[2]
        let firstStop = greedy.tokens.firstIndex(of: stop)!
        let stopped = try Generator(model: model).generate(prompt: prompt, maxNewTokens: 5, stopTokenIds: [stop])
        #expect(stopped.tokens == Array(greedy.tokens[..<firstStop]) && stopped.finishReason == .stopToken(stop))
        var streamed: [Int32] = []
        let called = try Generator(model: model).generate(prompt: prompt, maxNewTokens: 5) { token in
            streamed.append(token)
            return streamed.count == 2
        }
        #expect(called.tokens == Array(greedy.tokens[..<2]) && streamed == called.tokens && called.finishReason == .callback)
        let long = try Generator(model: model).generate(prompt: prompt, maxNewTokens: 50)
        #expect(long.tokens.count == 12 - 5 && long.finishReason == .contextFull)
        let none = try Generator(model: model).generate(prompt: prompt, maxNewTokens: 0)
        #expect(none.tokens.isEmpty)
    }

    @Test("bad prompts and parameters are typed errors")
    func errors() throws {
        let model = try model(maxPositions: 12)
        let generator = Generator(model: model)
        #expect(throws: GenerationError.emptyPrompt) { try generator.generate(prompt: [], maxNewTokens: 1) }
        #expect(throws: GenerationError.contextExceeded(length: 13, limit: 12)) {
            try generator.generate(prompt: [Int32](repeating: 1, count: 13), maxNewTokens: 1)
        }
        #expect(throws: GenerationError.tokenOutOfRange(position: 1, token: 29, vocabSize: 29)) {
            try generator.generate(prompt: [1, 29], maxNewTokens: 1)
        }
        #expect(throws: GenerationError.invalidParameter(name: "topP", reason: "must be in (0, 1], got 0.0")) {
            try generator.generate(prompt: [1], maxNewTokens: 1, topP: 0)
        }
        #expect(throws: GenerationError.invalidParameter(name: "temperature", reason: "must be finite and ≥ 0, got -1.0")) {
            try generator.generate(prompt: [1], maxNewTokens: 1, temperature: -1)
        }
    }
}
