// Batch invariance of the serving path: the row-invariant product gives every row the same bits
// whatever the rows beside it and the thread split; a batched step's logits match the single-
// sequence generator's; and 32 different requests generate byte-identical tokens alone, all at
// once, shuffled, and with their prompts fed in different chunks.

import Basics
import CRowProducts
import Foundation
import Testing
@testable import Engine

@Suite("Batch invariance")
struct BatchInvarianceTests {
    /// Widths that are not multiples of 8 exercise the kernel's tails; GQA, q/k/v bias.
    static let config = DecoderConfig(hiddenSize: 40, numHiddenLayers: 2, numAttentionHeads: 4, numKeyValueHeads: 2,
                                      intermediateSize: 72, vocabSize: 97, maxPositionEmbeddings: 256,
                                      rmsNormEps: 1e-6, ropeTheta: 10000, tieWordEmbeddings: false, attentionBias: true)

    static func model() throws -> DecoderModel { try DecoderModel(config: config, seed: 17, initializerRange: 0.3) }

    func bits(_ values: ArraySlice<Float>) -> [UInt32] { values.map(\.bitPattern) }

    @Test("a row's product is bit-identical alone, among others, at any place and on any thread split")
    func rowProductsAreInvariant() {
        let k = 77, outputs = 45, rows = 19
        let x = randomValues(rows * k, seed: 1), w = randomValues(outputs * k, seed: 2), bias = randomValues(outputs, seed: 3)
        func products(_ first: Int, _ count: Int) -> [Float] {
            var out = [Float](repeating: 0, count: count * outputs)
            x.withUnsafeBufferPointer { x in
                w.withUnsafeBufferPointer { w in
                    bias.withUnsafeBufferPointer { b in
                        out.withUnsafeMutableBufferPointer { o in
                            rowInvariantProducts(out: o.baseAddress!, ldo: outputs, inp: x.baseAddress! + first * k, ldi: k,
                                                 weight: w.baseAddress!, ldw: k, bias: b.baseAddress!,
                                                 rows: count, inFeatures: k, outFeatures: outputs)
                        }
                    }
                }
            }
            return out
        }
        let alone = (0..<rows).map { products($0, 1) }
        for (first, count) in [(0, rows), (3, 2), (4, 7), (0, 16), (18, 1)] {
            let together = products(first, count)
            for r in 0..<count {
                #expect(bits(together[(r * outputs)..<((r + 1) * outputs)]) == bits(alone[first + r][...]),
                        "row \(first + r) among \(count) rows")
            }
        }
        // Against float64: the kernel computes the product (not just some invariant function).
        for o in 0..<outputs {
            let exact = dot(Array(x[0..<k]), Array(w[(o * k)..<((o + 1) * k)])) + Double(bias[o])
            #expect(abs(Double(alone[0][o]) - exact) < 1e-4 * max(1, abs(exact)))
        }
        // Threads split the outputs into ranges: any split gives the same bits.
        var split = [Float](repeating: 0, count: rows * outputs)
        for (begin, end) in [(0, 13), (13, 14), (14, 45)] {
            iopo_row_products(&split, outputs, x, k, w, k, bias, rows, k, begin, end)
        }
        #expect(bits(split[...]) == bits(Array(alone.joined())[...]))
    }

    @Test("a batched step's logits equal the generator's for each sequence (prefill chunks, then decoding)")
    func batchedStepMatchesTheGenerator() throws {
        let model = try Self.model()
        let decoder = BatchDecoder(model: model)
        var rng = Xoshiro256StarStar(seed: 9)
        let prompts = [23, 5, 70].map { n in (0..<n).map { _ in Int32(rng.nextInt(below: 97)) } }
        let sequences = prompts.map { _ in decoder.makeSequence() }
        // Prompts fed in two chunks, all three sequences in each step.
        _ = try decoder.step(zip(sequences, prompts).map { ($0, Array($1.prefix(3))) })
        let logits = try decoder.step(zip(sequences, prompts).map { ($0, Array($1.dropFirst(3))) })
        let next = try decoder.step(sequences.map { ($0, [Int32(7)]) })
        for (index, prompt) in prompts.enumerated() {
            let generator = Generator(model: model)
            let expected = try generator.feed(prompt)
            let expectedNext = try generator.feed([7])
            let worst = zip(logits[index], expected).map { abs($0 - $1) }.max()!
            let worstNext = zip(next[index], expectedNext).map { abs($0 - $1) }.max()!
            #expect(worst < 1e-4 && worstNext < 1e-4, "sequence \(index): \(worst), \(worstNext)")
            #expect(sequences[index].length == prompt.count + 1)
        }
    }

    @Test("a sequence's logits are bit-identical stepped alone or beside others")
    func logitsAreBatchInvariant() throws {
        let model = try Self.model()
        var rng = Xoshiro256StarStar(seed: 12)
        let prompts = (0..<8).map { _ in (0..<(1 + rng.nextInt(below: 40))).map { _ in Int32(rng.nextInt(below: 97)) } }
        func run(_ decoder: BatchDecoder, _ indices: [Int]) throws -> [Int: [[UInt32]]] {
            let sequences = indices.map { _ in decoder.makeSequence() }
            var out: [Int: [[UInt32]]] = [:]
            let first = try decoder.step(zip(sequences, indices).map { ($0, prompts[$1]) })
            let second = try decoder.step(sequences.map { ($0, [Int32(3)]) })
            for (slot, index) in indices.enumerated() { out[index] = [first[slot].map(\.bitPattern), second[slot].map(\.bitPattern)] }
            return out
        }
        let together = try run(BatchDecoder(model: model), Array(0..<8))
        for index in 0..<8 {
            #expect(try run(BatchDecoder(model: model), [index])[index] == together[index], "sequence \(index)")
        }
    }

    @Test("32 requests give byte-identical tokens alone, all at once, shuffled and in other chunks")
    func requestsAreBatchInvariant() throws {
        let model = try Self.model()
        var rng = Xoshiro256StarStar(seed: 4)
        let requests = (0..<32).map { i -> BatchRequest in
            let prompt = (0..<(1 + rng.nextInt(below: 60))).map { _ in Int32(rng.nextInt(below: 97)) }
            // Half greedy, half sampled with their own seeds; some stop on a token.
            let sampling = i % 2 == 0 ? SamplingParameters() : SamplingParameters(temperature: 0.9, topP: 0.95, topK: 20)
            return BatchRequest(prompt: prompt, maxNewTokens: 4 + rng.nextInt(below: 20), sampling: sampling,
                                seed: UInt64(100 + i), stopTokenIds: i % 3 == 0 ? [5, 11] : [])
        }
        let alone = try requests.map { try BatchDecoder(model: model).generate([$0], maxBatch: 1)[0] }
        let together = try BatchDecoder(model: model).generate(requests, maxBatch: 32, prefillChunk: 7)
        #expect(together == alone)
        var order = Array(requests.indices)
        var shuffler = Xoshiro256StarStar(seed: 77)
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, shuffler.nextInt(below: i + 1)) }
        let shuffled = try BatchDecoder(model: model).generate(order.map { requests[$0] }, maxBatch: 5, prefillChunk: 64)
        for (position, index) in order.enumerated() {
            #expect(shuffled[position] == alone[index], "request \(index) at position \(position)")
        }
        #expect(alone.contains { if case .stopToken = $0.finishReason { return true } else { return false } })
        #expect(alone.allSatisfy { !$0.tokens.isEmpty || $0.finishReason != .length })
    }

    @Test("with a LoRA adapter attached, logits match the generator's and stay bit-identical batched")
    func adaptersAreServedUnmerged() throws {
        let model = try Self.model()
        try model.attachLoRA(LoRAConfig(rank: 3, alpha: 6), seed: 5)
        model.adapters!.parameters.pointer.update(from: randomValues(model.adapters!.parameters.count, seed: 8, scale: 0.2), count: model.adapters!.parameters.count)
        let prompts: [[Int32]] = [[4, 8, 15, 16, 23, 42], [1, 2, 3]]
        let batched = BatchDecoder(model: model)
        let together = try batched.step(prompts.map { (batched.makeSequence(), $0) })
        for (index, prompt) in prompts.enumerated() {
            let decoder = BatchDecoder(model: model)
            let alone = try decoder.step([(decoder.makeSequence(), prompt)])[0]
            #expect(alone.map(\.bitPattern) == together[index].map(\.bitPattern))
            let expected = try Generator(model: model).feed(prompt)
            #expect(zip(alone, expected).map { abs($0 - $1) }.max()! < 1e-4)
            let base = try Generator(model: model, useAdapters: false).feed(prompt)
            #expect(zip(alone, base).map { abs($0 - $1) }.max()! > 1e-3, "the adapter changes the logits")
        }
    }

    @Test("bad requests are refused naming the problem")
    func badInputIsRefused() throws {
        let model = try Self.model()
        let decoder = BatchDecoder(model: model)
        #expect(throws: GenerationError.emptyPrompt) { try decoder.generate([BatchRequest(prompt: [], maxNewTokens: 2)], maxBatch: 2) }
        #expect(throws: GenerationError.tokenOutOfRange(position: 1, token: 97, vocabSize: 97)) {
            try decoder.generate([BatchRequest(prompt: [1, 97], maxNewTokens: 2)], maxBatch: 2)
        }
        let sequence = decoder.makeSequence()
        #expect(throws: GenerationError.invalidParameter(name: "feeds", reason: "name one sequence twice in a step")) {
            try decoder.step([(sequence, [1]), (sequence, [2])])
        }
        #expect(throws: GenerationError.contextExceeded(length: 257, limit: 256)) {
            try decoder.step([(sequence, [Int32](repeating: 1, count: 257))])
        }
        #expect(throws: GenerationError.invalidParameter(name: "topP", reason: "must be in (0, 1], got 0.0")) {
            try decoder.generate([BatchRequest(prompt: [1], maxNewTokens: 2, sampling: SamplingParameters(temperature: 1, topP: 0))], maxBatch: 1)
        }
    }
}
