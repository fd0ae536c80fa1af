// Deterministic byte-level BPE training.
//
// The corpus is cut like encoding cuts it (added tokens removed, NFC, Qwen2 pre-tokenizer), and
// identical pieces are counted once with their frequency. The vocabulary starts with the 256 byte
// tokens, id = byte value. Each step merges the adjacent pair with the highest total count; ties
// go to the smallest (left id, right id), so the result never depends on hash or thread order.
// The special tokens follow the BPE vocabulary.
//
// Pair counts are maintained incrementally: merging (a, b) into n touches only the words that
// contain (a, b), subtracting their old adjacent pairs and adding the new ones. The best pair
// comes from a max-heap with lazy deletion: an entry whose count is stale is re-pushed with its
// current count when it reaches the top (the approach of `tokenizers`' BpeTrainer).

import HeapModule

/// Trains byte-level BPE tokenizers.
public enum BPETrainer {
    /// Trains on `corpus` until the tokenizer has `vocabularySize` ids in total (256 byte tokens,
    /// merges, then `specialTokens`), or until no pair occurs at least `minimumPairCount` times.
    /// The same inputs always give the same tokenizer.
    public static func train(corpus: [String], vocabularySize: Int, minimumPairCount: Int = 2,
                             specialTokens: [String] = BPETokenizer.qwenSpecialTokens,
                             normalization: TextNormalization = .nfc) throws(TokenizerError) -> BPETokenizer {
        let minimum = 256 + specialTokens.count
        guard vocabularySize >= minimum else { throw .vocabularyTooSmall(requested: vocabularySize, minimum: minimum) }
        for content in specialTokens where content.isEmpty {
            throw .invalidAddedToken(content: content, id: -1, detail: "empty content")
        }
        let targetBPETokens = vocabularySize - specialTokens.count

        // 1. Count pieces.
        let matcher = AddedTokenMatcher(specialTokens.enumerated().map { AddedToken(id: $0.offset, content: $0.element) })
        var pieceCounts: [[UInt8]: Int] = [:]
        for document in corpus {
            var document = document
            document.withUTF8 { bytes in
                var start = 0
                while start < bytes.count {
                    let match = matcher.firstMatch(in: bytes, from: start)
                    let end = match?.range.lowerBound ?? bytes.count
                    if end > start {
                        let segment = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
                        var normalized = normalization.apply(segment)
                        normalized.withUTF8 { segmentBytes in
                            PreTokenizer.qwen2.forEachPiece(segmentBytes) { range in
                                pieceCounts[Array(UnsafeBufferPointer(rebasing: segmentBytes[range])), default: 0] += 1
                            }
                        }
                    }
                    start = match?.range.upperBound ?? bytes.count
                }
            }
        }
        // Word order fixed by bytes, so everything below is independent of dictionary order.
        let pieces = pieceCounts.keys.sorted { $0.lexicographicallyPrecedes($1) }
        var words: [[Int32]] = pieces.map { $0.map { Int32($0) } }
        let counts: [Int] = pieces.map { pieceCounts[$0]! }

        // 2. Initial pair statistics.
        var pairCounts: [UInt64: Int] = [:]
        var pairWords: [UInt64: [Int32]] = [:]
        for (wordIndex, word) in words.enumerated() where word.count > 1 {
            for position in 0..<(word.count - 1) {
                let pair = key(word[position], word[position + 1])
                pairCounts[pair, default: 0] += counts[wordIndex]
                pairWords[pair, default: []].append(Int32(wordIndex))
            }
        }
        var heap = Heap<PairCount>()
        for pair in pairCounts.keys.sorted() { heap.insert(PairCount(count: pairCounts[pair]!, pair: pair)) }

        // 3. Merge.
        var tokenBytes: [[UInt8]] = (0..<256).map { [UInt8($0)] }
        var idForBytes: [[UInt8]: Int32] = [:]
        for byte in 0..<256 { idForBytes[[UInt8(byte)]] = Int32(byte) }
        var merges: [BPEMerge] = []
        var visited = [Int](repeating: -1, count: words.count)

        while tokenBytes.count < targetBPETokens, let top = heap.popMin() {
            let current = pairCounts[top.pair] ?? 0
            if current != top.count {
                if current > 0 { heap.insert(PairCount(count: current, pair: top.pair)) }
                continue
            }
            if current < max(minimumPairCount, 1) { break }
            let left = Int32(truncatingIfNeeded: top.pair >> 32)
            let right = Int32(truncatingIfNeeded: top.pair & 0xFFFF_FFFF)
            let mergedBytes = tokenBytes[Int(left)] + tokenBytes[Int(right)]
            let merged: Int32
            if let existing = idForBytes[mergedBytes] {
                // Two merge paths can spell the same bytes; like `tokenizers`, reuse the token.
                merged = existing
            } else {
                merged = Int32(tokenBytes.count)
                tokenBytes.append(mergedBytes)
                idForBytes[mergedBytes] = merged
            }
            merges.append(BPEMerge(ByteLevelAlphabet.encode(tokenBytes[Int(left)]), ByteLevelAlphabet.encode(tokenBytes[Int(right)])))

            let affected = pairWords.removeValue(forKey: top.pair) ?? []
            pairCounts[top.pair] = nil
            var newPairs: [UInt64] = []
            for wordIndex in affected {
                let index = Int(wordIndex)
                if visited[index] == merges.count { continue }
                visited[index] = merges.count
                let old = words[index]
                var updated: [Int32] = []
                updated.reserveCapacity(old.count)
                var position = 0
                while position < old.count {
                    if position + 1 < old.count, old[position] == left, old[position + 1] == right {
                        updated.append(merged)
                        position += 2
                    } else {
                        updated.append(old[position])
                        position += 1
                    }
                }
                if updated.count == old.count { continue }
                let weight = counts[index]
                for position in 0..<(old.count - 1) {
                    let pair = key(old[position], old[position + 1])
                    if pair == top.pair { continue }
                    pairCounts[pair, default: 0] -= weight
                }
                if updated.count > 1 {
                    for position in 0..<(updated.count - 1) {
                        let pair = key(updated[position], updated[position + 1])
                        pairCounts[pair, default: 0] += weight
                        // Only pairs with the new token can gain; the others just come back.
                        if updated[position] == merged || updated[position + 1] == merged {
                            pairWords[pair, default: []].append(wordIndex)
                            newPairs.append(pair)
                        }
                    }
                }
                words[index] = updated
            }
            var seen = Set<UInt64>()
            for pair in newPairs where seen.insert(pair).inserted {
                if let count = pairCounts[pair], count > 0 { heap.insert(PairCount(count: count, pair: pair)) }
            }
        }

        var vocabulary: [String: Int] = [:]
        for (id, bytes) in tokenBytes.enumerated() { vocabulary[ByteLevelAlphabet.encode(bytes)] = id }
        let added = specialTokens.enumerated().map { AddedToken(id: tokenBytes.count + $0.offset, content: $0.element, special: true) }
        return try BPETokenizer(vocabulary: vocabulary, merges: merges, addedTokens: added, normalization: normalization)
    }

    @inline(__always)
    private static func key(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }
}

/// A candidate merge in the trainer's heap: `Heap.popMin` yields the highest count first, then
/// the smallest pair key, so ties break the same way on every run.
private struct PairCount: Comparable {
    var count: Int
    var pair: UInt64

    static func < (a: PairCount, b: PairCount) -> Bool {
        a.count != b.count ? a.count > b.count : a.pair < b.pair
    }
}
