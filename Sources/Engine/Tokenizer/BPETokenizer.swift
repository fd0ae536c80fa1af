// Byte-level BPE tokenizer, producing the same ids as Hugging Face `tokenizers` / `transformers`
// given the same tokenizer.json:
//
//   text → split on added tokens (verbatim) → NFC or nothing → pre-tokenizer pieces
//        → each piece's UTF-8 bytes as byte tokens → BPE merges by rank → ids
//
// A vocabulary may lack some of the 256 byte tokens (SmolLM2's lacks a few control bytes).
// `tokenizers` then drops those bytes from the word before merging (BPE without `unk_token` or
// byte fallback), so the bytes around them can merge; so does this.
//
// BPE within a piece follows `tokenizers`' `Word::merge_all`: repeatedly merge the adjacent pair
// with the lowest merge rank (leftmost among equals), tracked with a heap (swift-collections) over positions,
// so a piece of n bytes costs O(n log n) instead of the naive O(n²). Pieces repeat a lot in real
// text, so their ids are cached.
//
// Decoding concatenates the tokens' bytes and decodes UTF-8 with U+FFFD for invalid sequences
// (`tokenizers`' ByteLevel decoder uses `from_utf8_lossy`); ids outside the vocabulary are skipped.

import Foundation
import HeapModule
import Synchronization

/// One BPE merge rule: the pair of tokens (in byte-level spelling) that merge into one.
public struct BPEMerge: Sendable, Equatable, Hashable {
    public var left: String
    public var right: String

    public init(_ left: String, _ right: String) {
        self.left = left
        self.right = right
    }
}

/// A byte-level BPE tokenizer: vocabulary, ranked merges, added tokens, normalisation and chat
/// template. Build one by training (`BPETrainer`) or by reading a tokenizer.json
/// (`HFTokenizerJSON`).
public struct BPETokenizer: Sendable {
    /// The special tokens of Qwen2, in id order after the BPE vocabulary.
    public static let qwenSpecialTokens = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    /// Ids must stay below this bound (ids are stored as Int32 and index dense tables).
    public static let maxID = 1 << 24

    /// BPE tokens (byte-level spelling) → id. Added tokens are not in here.
    public let vocabulary: [String: Int]
    /// Merge rules in rank order (rank = index).
    public let merges: [BPEMerge]
    /// Tokens matched verbatim before pre-tokenization, sorted by id.
    public let addedTokens: [AddedToken]
    public let normalization: TextNormalization
    public let preTokenizer: PreTokenizer
    /// The Jinja chat template written to tokenizer_config.json (kept verbatim from an import).
    public var chatTemplate: String
    /// `model_max_length` of tokenizer_config.json.
    public var modelMaxLength: Int
    /// The text of the beginning- and end-of-sequence tokens, for chat templates that print them.
    public var bosToken: String?
    public var eosToken: String?

    /// The id of each byte's token, -1 for a byte the vocabulary lacks.
    private let byteTokenIDs: [Int32]
    /// (left id << 32 | right id) → (rank << 32 | merged id).
    private let mergeTable: [UInt64: UInt64]
    /// Raw bytes of each id (nil for unused ids).
    private let bytesByID: [[UInt8]?]
    private let specialByID: [Bool]
    private let matcher: AddedTokenMatcher
    private let cache = PieceCache()

    /// Builds a tokenizer and checks it is consistent: ids unique, every merge's parts and
    /// result in the vocabulary, added tokens non-empty and not colliding with BPE tokens.
    public init(vocabulary: [String: Int], merges: [BPEMerge], addedTokens: [AddedToken],
                normalization: TextNormalization = .nfc, preTokenizer: PreTokenizer = .qwen2,
                chatTemplate: String = ChatTemplate.qwen2, modelMaxLength: Int = 32768) throws(TokenizerError) {
        self.vocabulary = vocabulary
        self.merges = merges
        self.addedTokens = addedTokens.sorted { $0.id < $1.id }
        self.normalization = normalization
        self.preTokenizer = preTokenizer
        self.chatTemplate = chatTemplate
        self.modelMaxLength = modelMaxLength

        var maxID = -1
        for (token, id) in vocabulary {
            if id < 0 { throw .negativeID(token: token, id: id) }
            maxID = max(maxID, id)
        }
        for token in addedTokens {
            if token.id < 0 { throw .negativeID(token: token.content, id: token.id) }
            if token.content.isEmpty { throw .invalidAddedToken(content: token.content, id: token.id, detail: "empty content") }
            maxID = max(maxID, token.id)
        }
        // Ids index dense tables; a wild id in a corrupt file must not allocate gigabytes.
        if maxID >= BPETokenizer.maxID {
            let token = vocabulary.first { $0.value == maxID }?.key ?? addedTokens.first { $0.id == maxID }?.content ?? ""
            throw .idOutOfRange(token: token, id: maxID, limit: BPETokenizer.maxID)
        }
        var bytesByID = [[UInt8]?](repeating: nil, count: maxID + 1)
        var textByID = [String?](repeating: nil, count: maxID + 1)
        for (token, id) in vocabulary {
            if let other = textByID[id] {
                // Name the pair in a fixed order, whatever order the dictionary yields.
                let pair = [other, token].sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
                throw .duplicateID(id: id, first: pair[0], second: pair[1])
            }
            textByID[id] = token
            // A token outside the byte alphabet cannot come from merges; decode it as its UTF-8.
            bytesByID[id] = ByteLevelAlphabet.decode(token) ?? Array(token.utf8)
        }
        var specialByID = [Bool](repeating: false, count: maxID + 1)
        for token in self.addedTokens {
            if let other = textByID[token.id] {
                // Some tokenizer.json files list special tokens in the model vocabulary too;
                // that is consistent only when it is the same token.
                if other != token.content {
                    throw .invalidAddedToken(content: token.content, id: token.id, detail: "id already used by \"\(other)\"")
                }
            }
            if let existing = vocabulary[token.content], existing != token.id {
                throw .invalidAddedToken(content: token.content, id: token.id, detail: "also in the vocabulary with id \(existing)")
            }
            textByID[token.id] = token.content
            bytesByID[token.id] = Array(token.content.utf8)
            specialByID[token.id] = token.special
        }
        var byteTokenIDs = [Int32](repeating: -1, count: 256)
        for byte in 0..<256 {
            if let id = vocabulary[String(Character(ByteLevelAlphabet.scalarForByte[byte]))] { byteTokenIDs[byte] = Int32(id) }
        }
        var mergeTable: [UInt64: UInt64] = [:]
        mergeTable.reserveCapacity(merges.count)
        for (rank, merge) in merges.enumerated() {
            let description = "\(merge.left) \(merge.right)"
            guard let left = vocabulary[merge.left] else { throw .unknownMergePart(rank: rank, merge: description, part: merge.left) }
            guard let right = vocabulary[merge.right] else { throw .unknownMergePart(rank: rank, merge: description, part: merge.right) }
            let result = merge.left + merge.right
            guard let merged = vocabulary[result] else { throw .missingMergeResult(rank: rank, merge: description, result: result) }
            // A repeated pair keeps its last rank, as `tokenizers` builds its merge map.
            mergeTable[UInt64(left) << 32 | UInt64(right)] = UInt64(rank) << 32 | UInt64(merged)
        }
        self.byteTokenIDs = byteTokenIDs
        self.mergeTable = mergeTable
        self.bytesByID = bytesByID
        self.specialByID = specialByID
        self.matcher = AddedTokenMatcher(self.addedTokens)
    }

    /// One more than the largest id: the smallest embedding table that covers every token.
    public var vocabularySize: Int { bytesByID.count }

    /// The id of a BPE token (byte-level spelling) or an added token's content.
    public func id(of token: String) -> Int? {
        if let added = addedTokens.first(where: { $0.content == token }) { return added.id }
        return vocabulary[token]
    }

    /// The raw bytes token `id` stands for (an added token's UTF-8), nil for an unknown id.
    public func bytes(of id: Int) -> [UInt8]? {
        guard id >= 0, id < bytesByID.count else { return nil }
        return bytesByID[id]
    }

    /// Whether `id` is a special added token.
    public func isSpecial(_ id: Int) -> Bool {
        id >= 0 && id < specialByID.count && specialByID[id]
    }

    // MARK: Encoding

    /// The ids of `text`. Added tokens written in the text (`<|im_end|>`) become their ids.
    public func encode(_ text: String) -> [Int] {
        var ids: [Int] = []
        ids.reserveCapacity(text.utf8.count / 3 + 4)
        encode(text, into: &ids)
        return ids
    }

    /// The text of a conversation in the model's own chat format (`chatTemplate`, rendered as
    /// transformers does), e.g. a prompt for generation with `addGenerationPrompt`.
    public func renderChat(_ messages: [ChatMessage], addGenerationPrompt: Bool) throws(TokenizerError) -> String {
        try ChatTemplateRenderer.render(chatTemplate, messages: messages, addGenerationPrompt: addGenerationPrompt,
                                        bosToken: bosToken, eosToken: eosToken)
    }

    /// The ids of `renderChat`'s text (special tokens in it become their ids; none are added).
    public func encodeChat(_ messages: [ChatMessage], addGenerationPrompt: Bool) throws(TokenizerError) -> [Int] {
        encode(try renderChat(messages, addGenerationPrompt: addGenerationPrompt))
    }

    /// Appends the ids of `text` to `ids`.
    public func encode(_ text: String, into ids: inout [Int]) {
        var text = text
        text.withUTF8 { bytes in
            var start = 0
            while start < bytes.count {
                guard let match = matcher.firstMatch(in: bytes, from: start) else {
                    encodeSegment(UnsafeBufferPointer(rebasing: bytes[start...]), into: &ids)
                    return
                }
                if match.range.lowerBound > start {
                    encodeSegment(UnsafeBufferPointer(rebasing: bytes[start..<match.range.lowerBound]), into: &ids)
                }
                ids.append(match.id)
                start = match.range.upperBound
            }
        }
    }

    /// Encodes text that contains no added tokens: normalise, pre-tokenize, BPE each piece.
    private func encodeSegment(_ bytes: UnsafeBufferPointer<UInt8>, into ids: inout [Int]) {
        if normalization == .nfc, !TextNormalization.isTriviallyNFC(utf8: bytes) {
            let text = String(decoding: bytes, as: UTF8.self)
            var normalized = normalization.apply(text)
            normalized.withUTF8 { encodeNormalized($0, into: &ids) }
        } else {
            encodeNormalized(bytes, into: &ids)
        }
    }

    private func encodeNormalized(_ bytes: UnsafeBufferPointer<UInt8>, into ids: inout [Int]) {
        preTokenizer.forEachPiece(bytes) { range in
            if range.count == 1 {
                let id = byteTokenIDs[Int(bytes[range.lowerBound])]
                if id >= 0 { ids.append(Int(id)) }
                return
            }
            let piece = Array(UnsafeBufferPointer(rebasing: bytes[range]))
            if let cached = cache.lookup(piece) {
                for id in cached { ids.append(Int(id)) }
                return
            }
            let merged = mergePiece(piece)
            cache.store(piece, merged)
            for id in merged { ids.append(Int(id)) }
        }
    }

    /// BPE on one piece: start from byte tokens (dropping bytes the vocabulary lacks),
    /// repeatedly apply the lowest-ranked merge.
    func mergePiece(_ piece: [UInt8]) -> [Int32] {
        var symbols = piece.map { byteTokenIDs[Int($0)] }
        if symbols.contains(-1) { symbols.removeAll { $0 < 0 } }
        let count = symbols.count
        if count < 2 { return symbols }
        var next = [Int32](unsafeUninitializedCapacity: count) { buffer, initialized in
            for index in 0..<count { buffer[index] = index + 1 < count ? Int32(index + 1) : -1 }
            initialized = count
        }
        var previous = [Int32](unsafeUninitializedCapacity: count) { buffer, initialized in
            for index in 0..<count { buffer[index] = Int32(index - 1) }
            initialized = count
        }
        // Candidates as (rank << 32 | position): the minimum is the lowest rank, then leftmost.
        var heap = Heap<UInt64>()
        for index in 0..<(count - 1) {
            if let merge = mergeTable[UInt64(UInt32(bitPattern: symbols[index])) << 32 | UInt64(UInt32(bitPattern: symbols[index + 1]))] {
                heap.insert((merge & 0xFFFF_FFFF_0000_0000) | UInt64(index))
            }
        }
        while let top = heap.popMin() {
            let position = Int(top & 0xFFFF_FFFF)
            let rank = top >> 32
            guard symbols[position] >= 0 else { continue }
            let right = Int(next[position])
            guard right >= 0 else { continue }
            // The pair may have changed since this candidate was pushed.
            guard let merge = mergeTable[pairKey(symbols[position], symbols[right])], merge >> 32 == rank else { continue }
            symbols[position] = Int32(truncatingIfNeeded: merge & 0xFFFF_FFFF)
            symbols[right] = -1
            let after = next[right]
            next[position] = after
            if after >= 0 { previous[Int(after)] = Int32(position) }
            let before = previous[position]
            if before >= 0, let merge = mergeTable[pairKey(symbols[Int(before)], symbols[position])] {
                heap.insert((merge & 0xFFFF_FFFF_0000_0000) | UInt64(before))
            }
            if after >= 0, let merge = mergeTable[pairKey(symbols[position], symbols[Int(after)])] {
                heap.insert((merge & 0xFFFF_FFFF_0000_0000) | UInt64(position))
            }
        }
        return symbols.filter { $0 >= 0 }
    }

    @inline(__always)
    private func pairKey(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    // MARK: Decoding

    /// The text of `ids`. Unknown ids are skipped; byte sequences that are not valid UTF-8
    /// (a token boundary inside a character) become U+FFFD.
    public func decode(_ ids: [Int], skipSpecialTokens: Bool = false) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ids.count * 4)
        for id in ids {
            guard id >= 0, id < bytesByID.count, let tokenBytes = bytesByID[id] else { continue }
            if skipSpecialTokens && specialByID[id] { continue }
            bytes.append(contentsOf: tokenBytes)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Cache of piece bytes → ids, shared by copies of a tokenizer and safe across threads. Bounded:
/// cleared when full, so memory stays flat on endless input; results never depend on it.
private final class PieceCache: Sendable {
    private let entries = Mutex<[[UInt8]: [Int32]]>([:])
    private let capacity = 200_000

    func lookup(_ piece: [UInt8]) -> [Int32]? {
        entries.withLock { $0[piece] }
    }

    func store(_ piece: [UInt8], _ ids: [Int32]) {
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[piece] = ids
        }
    }
}
