import Foundation
import Testing
@testable import Engine

/// Throughput of training and encoding, printed; run with IOPO_BENCH=1 in a release build:
/// `IOPO_BENCH=1 swift test -c release -Xswiftc -enable-testing --filter Benchmark`.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["IOPO_BENCH"] != nil))
struct TokenizerBenchmarkTests {
    @Test func trainingAndEncodingThroughput() throws {
        let prompts = try TokenizerParityTests.realPrompts()
        let generated = TokenizerParityCases.testStrings(count: 10_000)
        let corpus = TokenizerParityCases.trainingCorpus() + prompts
        let clock = ContinuousClock()
        var tokenizer: BPETokenizer?
        let training = try clock.measure {
            tokenizer = try BPETrainer.train(corpus: corpus, vocabularySize: 8000)
        }
        let trained = try #require(tokenizer)
        let corpusBytes = corpus.reduce(0) { $0 + $1.utf8.count }
        print("train: \(corpus.count) documents, \(corpusBytes / 1024) KiB -> \(trained.vocabularySize) tokens in \(training)")

        // Cold cache: a fresh tokenizer (caches are per instance) on 10,000 generated strings
        // plus the real prompts; then the same texts again with a warm cache.
        let texts = generated + prompts
        let bytes = texts.reduce(0) { $0 + $1.utf8.count }
        let fresh = try HFTokenizerJSON.decode(HFTokenizerJSON.encode(trained))
        var tokens = 0
        let cold = clock.measure { for text in texts { tokens += fresh.encode(text).count } }
        let warm = clock.measure { for text in texts { _ = fresh.encode(text) } }
        func rate(_ duration: Duration) -> String {
            let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
            return String(format: "%.0f strings/s, %.1f MB/s, %.2f M tokens/s",
                          Double(texts.count) / seconds, Double(bytes) / seconds / 1e6, Double(tokens) / seconds / 1e6)
        }
        print("encode \(texts.count) strings (\(bytes / 1024) KiB, \(tokens) tokens): cold \(cold) (\(rate(cold))), warm \(warm) (\(rate(warm)))")
        #expect(tokens > 0)
    }
}

/// Import time of a tokenizer the size of Qwen2's (151k tokens, 151k merges); run with IOPO_BENCH=1.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["IOPO_BENCH"] != nil))
struct TokenizerImportBenchmarkTests {
    @Test func qwen2SizedTokenizerJSON() throws {
        // A synthetic but valid vocabulary: each merge joins two earlier tokens into a new string.
        var tokens = (0..<256).map { ByteLevelAlphabet.encode([UInt8($0)]) }
        var known = Set(tokens)
        var merges: [BPEMerge] = []
        var state: UInt64 = 1
        while tokens.count < 151_643 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let left = tokens[Int(state >> 33) % tokens.count]
            let right = tokens[Int((state >> 13) & 0xFFFFF) % 256]
            let merged = left + right
            if merged.unicodeScalars.count > 12 || known.contains(merged) { continue }
            known.insert(merged)
            tokens.append(merged)
            merges.append(BPEMerge(left, right))
        }
        var vocabulary: [String: Int] = [:]
        for (id, token) in tokens.enumerated() { vocabulary[token] = id }
        let added = BPETokenizer.qwenSpecialTokens.enumerated().map { AddedToken(id: tokens.count + $0.offset, content: $0.element) }
        let tokenizer = try BPETokenizer(vocabulary: vocabulary, merges: merges, addedTokens: added)
        let bytes = HFTokenizerJSON.encode(tokenizer)
        let clock = ContinuousClock()
        var read: BPETokenizer?
        let elapsed = try clock.measure { read = try HFTokenizerJSON.decode(bytes) }
        print("tokenizer.json import: \(bytes.count / 1024) KiB, \(tokenizer.vocabularySize) ids, \(merges.count) merges in \(elapsed)")
        #expect(read?.vocabularySize == 151_646)
    }
}
