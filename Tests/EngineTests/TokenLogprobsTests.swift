// Log probabilities: log-softmax of the raw logits against a float64 reference, alternatives in
// rank order with ties to the lower id, and the prompt and generated entries of a batched request
// equal to what the one-sequence generator's logits give, bit-identical alone or batched.

import Basics
import Foundation
import Testing
@testable import Engine

@Suite("Token log probabilities")
struct TokenLogprobsTests {
    /// log-softmax of `logits` at `token`, in float64.
    static func reference(_ logits: [Float], _ token: Int) -> Double {
        let maximum = Double(logits.max()!)
        let total = logits.reduce(0.0) { $0 + exp(Double($1) - maximum) }
        return Double(logits[token]) - maximum - log(total)
    }

    @Test("log probabilities are log-softmax of the logits; alternatives rank by probability, ties to the lower id")
    func logSoftmaxAndAlternatives() {
        var logits = randomValues(500, seed: 21, scale: 4)
        logits[7] = 100
        logits[3] = 100    // a tie for the most likely: id 3 ranks first
        logits[400] = 99
        let entry = logits.withUnsafeBufferPointer { TokenLogprob(token: 42, logits: $0, top: 4) }
        #expect(entry.token == 42)
        #expect(abs(Double(entry.logprob) - Self.reference(logits, 42)) < 1e-5)
        #expect(entry.top.map(\.token) == [3, 7, 400, Int32(logits.indices.filter { ![3, 7, 400].contains($0) }.max { logits[$0] < logits[$1] }!)])
        for alternative in entry.top {
            #expect(abs(Double(alternative.logprob) - Self.reference(logits, Int(alternative.token))) < 1e-5)
        }
        let total = logits.indices.reduce(0.0) { $0 + exp(Self.reference(logits, $1)) }
        #expect(abs(total - 1) < 1e-9)
        #expect(logits.withUnsafeBufferPointer { TokenLogprob(token: 0, logits: $0, top: 0) }.top.isEmpty)
        let tiny: [Float] = [0, 1]
        #expect(tiny.withUnsafeBufferPointer { TokenLogprob(token: 0, logits: $0, top: 20) }.top.map(\.token) == [1, 0])
    }

    @Test("the k best equal the head of a full stable sort, for every k")
    func bestIndicesAreTheHeadOfAFullSort() {
        // Few distinct values, so many ties: they must come out lower index first.
        let values = randomValues(300, seed: 5, scale: 3).map { ($0 * 2).rounded() }
        let sorted = values.indices.sorted { values[$0] > values[$1] || (values[$0] == values[$1] && $0 < $1) }
        for k in [0, 1, 2, 7, 20, 299, 300, 301] {
            #expect(bestIndices(k, of: values.count, ranksBefore: { values[$0] > values[$1] }) == Array(sorted.prefix(k)), "k \(k)")
        }
    }

    @Test("a request's prompt and token log probabilities match the generator's logits, alone or batched")
    func requestLogprobsMatchTheGenerator() throws {
        let model = try BatchInvarianceTests.model()
        let prompt: [Int32] = [5, 17, 33, 2, 90, 61, 8, 44, 12]
        let request = BatchRequest(prompt: prompt, maxNewTokens: 6, logprobs: 3, promptLogprobs: 2)
        let alone = try BatchDecoder(model: model).generate([request], maxBatch: 1, prefillChunk: 4)[0]
        let prompted = try #require(alone.promptLogprobs)
        #expect(prompted.map(\.token) == Array(prompt.dropFirst()))
        #expect(prompted.allSatisfy { $0.top.count == 2 })
        for i in 1..<prompt.count {
            let logits = try Generator(model: model).feed(Array(prompt.prefix(i)))
            #expect(abs(Double(prompted[i - 1].logprob) - Self.reference(logits, Int(prompt[i]))) < 1e-4, "prompt token \(i)")
        }
        let generated = try #require(alone.logprobs)
        #expect(generated.map(\.token) == alone.tokens)
        let generator = Generator(model: model)
        var logits = try generator.feed(prompt)
        for (index, entry) in generated.enumerated() {
            // Greedy: the token is the most likely one.
            #expect(entry.top.count == 3 && entry.top[0].token == entry.token && entry.top[0].logprob == entry.logprob)
            #expect(abs(Double(entry.logprob) - Self.reference(logits, Int(entry.token))) < 1e-4, "token \(index)")
            logits = try generator.feed([entry.token])
        }
        // Beside other requests, with other chunks: the same entries, bit for bit.
        let others = (0..<5).map { BatchRequest(prompt: [Int32($0 + 1), 9, 9], maxNewTokens: 4, logprobs: 1) }
        let together = try BatchDecoder(model: model).generate(others + [request], maxBatch: 6, prefillChunk: 3)
        #expect(together[5] == alone)
        // Without asking, there are none.
        let plain = try BatchDecoder(model: model).generate([BatchRequest(prompt: prompt, maxNewTokens: 2)], maxBatch: 1)[0]
        #expect(plain.logprobs == nil && plain.promptLogprobs == nil)
    }

    @Test("the stop token that ends a request has its entry, as loglikelihood clients expect")
    func stopTokenHasAnEntry() throws {
        let model = try BatchInvarianceTests.model()
        let prompt: [Int32] = [5, 17, 33, 2]
        let first = try BatchDecoder(model: model).generate([BatchRequest(prompt: prompt, maxNewTokens: 1)], maxBatch: 1)[0].tokens[0]
        let request = BatchRequest(prompt: prompt, maxNewTokens: 1, stopTokenIds: [first], logprobs: 0, promptLogprobs: 0)
        let result = try BatchDecoder(model: model).generate([request], maxBatch: 1)[0]
        #expect(result.finishReason == .stopToken(first) && result.tokens.isEmpty)
        #expect(result.logprobs?.map(\.token) == [first])
        #expect(result.promptLogprobs?.count == prompt.count - 1)
    }

    @Test("a negative number of alternatives is refused")
    func negativeCountsAreRefused() throws {
        let model = try BatchInvarianceTests.model()
        #expect(throws: GenerationError.invalidParameter(name: "logprobs", reason: "must not be negative, got -1")) {
            try BatchDecoder(model: model).generate([BatchRequest(prompt: [1], maxNewTokens: 1, logprobs: -1)], maxBatch: 1)
        }
        #expect(throws: GenerationError.invalidParameter(name: "promptLogprobs", reason: "must not be negative, got -2")) {
            try BatchDecoder(model: model).generate([BatchRequest(prompt: [1], maxNewTokens: 1, promptLogprobs: -2)], maxBatch: 1)
        }
    }
}
