// Prefix reuse: prompts that share a beginning copy its keys and values from the cache, and every
// request's logits and tokens stay bit-identical to computing the whole prompt; entries are
// whole prompts, matched by longest common prefix, evicted least recently used first.

import Basics
import Testing
@testable import Engine

@Suite("Prefix cache")
struct PrefixCacheTests {
    static func model() throws -> DecoderModel { try BatchInvarianceTests.model() }

    /// `count` prompts that start with the same `shared` tokens, then differ.
    static func prompts(count: Int, shared: Int, seed: UInt64) -> [[Int32]] {
        var rng = Xoshiro256StarStar(seed: seed)
        let prefix = (0..<shared).map { _ in Int32(rng.nextInt(below: 97)) }
        return (0..<count).map { _ in prefix + (0..<(1 + rng.nextInt(below: 30))).map { _ in Int32(rng.nextInt(below: 97)) } }
    }

    /// Feeds a slot its prompt in one step and returns the logits after it, as bits.
    func prefill(_ decoder: BatchDecoder, _ slot: DecodeSlot) throws -> [UInt32] {
        let feed = slot.nextFeed(prefillChunk: 1000)
        let logits = try decoder.step([feed])[0]
        _ = slot.advance(fed: feed.tokens.count, logits: logits) { _ in true }
        return logits.map(\.bitPattern)
    }

    @Test("logits after a restored prefix are bit-identical to computing the whole prompt")
    func restoredRowsAreExact() throws {
        let model = try Self.model()
        let prompts = Self.prompts(count: 4, shared: 25, seed: 3)
        let cache = PrefixCache(capacityTokens: 1000)
        let decoder = BatchDecoder(model: model)
        for (index, prompt) in prompts.enumerated() {
            let slot = try DecodeSlot(decoder: decoder, request: BatchRequest(prompt: prompt, maxNewTokens: 1), prefixCache: cache)
            #expect(slot.reusedPromptTokens == (index == 0 ? 0 : 25), "prompt \(index)")
            let cached = try prefill(decoder, slot)
            let fresh = BatchDecoder(model: model)
            let uncached = try prefill(fresh, try DecodeSlot(decoder: fresh, request: BatchRequest(prompt: prompt, maxNewTokens: 1)))
            #expect(cached == uncached, "prompt \(index)")
        }
        // A prompt the cache holds whole reuses all but its last token (whose logits are needed).
        let again = try DecodeSlot(decoder: decoder, request: BatchRequest(prompt: prompts[2], maxNewTokens: 1), prefixCache: cache)
        #expect(again.reusedPromptTokens == prompts[2].count - 1)
        #expect(again.nextFeed(prefillChunk: 8).tokens == [prompts[2].last!])
    }

    @Test("requests give the same tokens with the cache off, cold and warm, in any batch")
    func tokensDoNotDependOnTheCache() throws {
        let model = try Self.model()
        let prompts = Self.prompts(count: 20, shared: 40, seed: 5)
        let requests = prompts.enumerated().map { i, prompt in
            BatchRequest(prompt: prompt, maxNewTokens: 6 + i % 5,
                         sampling: i % 2 == 0 ? SamplingParameters() : SamplingParameters(temperature: 0.8, topK: 10), seed: UInt64(i))
        }
        let off = try BatchDecoder(model: model).generate(requests, maxBatch: 4, prefillChunk: 16)
        let cache = PrefixCache(capacityTokens: 2000)
        let cold = try BatchDecoder(model: model).generate(requests, maxBatch: 4, prefillChunk: 16, prefixCache: cache)
        #expect(cold == off)
        #expect(cache.entryCount > 0)
        let warm = try BatchDecoder(model: model).generate(requests.reversed(), maxBatch: 7, prefillChunk: 5, prefixCache: cache)
        #expect(Array(warm.reversed()) == off)
    }

    @Test("a prompt extending an entry replaces it; one an entry covers only refreshes it")
    func entriesAreWholePrompts() throws {
        let model = try Self.model()
        let decoder = BatchDecoder(model: model)
        let cache = PrefixCache(capacityTokens: 1000)
        let long: [Int32] = Array(1...30)
        func run(_ prompt: [Int32]) throws -> DecodeSlot {
            let slot = try DecodeSlot(decoder: decoder, request: BatchRequest(prompt: prompt, maxNewTokens: 0), prefixCache: cache)
            _ = try prefill(decoder, slot)
            return slot
        }
        _ = try run(Array(long.prefix(10)))
        #expect(cache.entryCount == 1 && cache.heldTokens == 10)
        _ = try run(long)
        #expect(cache.entryCount == 1 && cache.heldTokens == 30, "the longer prompt replaced the one it extends")
        let covered = try run(Array(long.prefix(20)))
        #expect(covered.reusedPromptTokens == 19)
        #expect(cache.entryCount == 1 && cache.heldTokens == 30, "a covered prompt adds nothing")
        _ = try run([50, 51, 52])
        #expect(cache.entryCount == 2 && cache.heldTokens == 33)
    }

    @Test("past its capacity the least recently used prompt goes first; a prompt over capacity is not kept")
    func evictionIsLeastRecentlyUsed() throws {
        let model = try Self.model()
        let decoder = BatchDecoder(model: model)
        let cache = PrefixCache(capacityTokens: 50)
        func run(_ first: Int32, count: Int = 20) throws -> Int {
            let prompt = (0..<count).map { first &+ Int32($0) % 90 }
            let slot = try DecodeSlot(decoder: decoder, request: BatchRequest(prompt: prompt, maxNewTokens: 0), prefixCache: cache)
            _ = try prefill(decoder, slot)
            return slot.reusedPromptTokens
        }
        _ = try run(1)   // A
        _ = try run(2)   // B
        #expect(try run(1) == 19, "A is found and becomes the most recent")
        _ = try run(3)   // C: 60 tokens held, B (least recent) goes
        #expect(cache.heldTokens == 40 && cache.entryCount == 2)
        #expect(try run(2) == 0, "B was evicted")
        #expect(cache.heldTokens <= 50)
        let before = cache.entryCount
        _ = try run(5, count: 51)
        #expect(cache.entryCount <= before && cache.heldTokens <= 50, "a prompt longer than the cache is not kept")
    }

    @Test("prompt log probabilities compute the whole prompt: nothing is restored")
    func promptLogprobsSkipTheCache() throws {
        let model = try Self.model()
        let decoder = BatchDecoder(model: model)
        let cache = PrefixCache(capacityTokens: 100)
        let prompt: [Int32] = [3, 1, 4, 1, 5, 9, 2, 6]
        _ = try prefill(decoder, try DecodeSlot(decoder: decoder, request: BatchRequest(prompt: prompt, maxNewTokens: 0), prefixCache: cache))
        let slot = try DecodeSlot(decoder: decoder, request: BatchRequest(prompt: prompt, maxNewTokens: 0, promptLogprobs: 0),
                                  prefixCache: cache)
        #expect(slot.reusedPromptTokens == 0)
    }
}
