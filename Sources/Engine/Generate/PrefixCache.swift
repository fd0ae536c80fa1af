// Prefix reuse: the keys and values of prompts seen recently, so a new prompt that starts with the
// same tokens (the system prompt and chat header every evaluation prompt begins with; the shared
// context of loglikelihood requests) copies those rows instead of recomputing them.
//
// Bit-identical by construction: the key and value rows of position p depend only on the tokens at
// positions 0…p (every product row-invariant, every row attending on its own), not on how the
// prompt was split into chunks or what else was in the batch, so rows computed for another prompt
// with the same first p + 1 tokens are the rows this prompt would compute. BatchInvarianceTests
// check it, and that a request's tokens are the same with the cache on, off, warm or cold.
//
// Entries are whole prompts, matched by longest common prefix, evicted least recently used first
// when the cache holds more than `capacityTokens` positions. One cache serves one model, with the
// adapters it had when the rows were computed (attaching others needs a new cache). Only the
// engine thread touches it.

/// The key and value rows of recently seen prompts.
public final class PrefixCache {
    private final class Entry {
        let tokens: [Int32]
        let keys: FloatBuffer    // [L, count, width]
        let values: FloatBuffer  // [L, count, width]
        var lastUsed: UInt64

        init(tokens: [Int32], keys: FloatBuffer, values: FloatBuffer, lastUsed: UInt64) {
            self.tokens = tokens
            self.keys = keys
            self.values = values
            self.lastUsed = lastUsed
        }
    }

    /// Most positions kept over all entries.
    public let capacityTokens: Int
    private var entries: [Entry] = []
    private var clock: UInt64 = 0
    /// Positions held now.
    public private(set) var heldTokens = 0
    /// The model whose rows the cache holds: rows of another model (or another shape) must never
    /// be restored, so the first user binds it.
    private var owner: ObjectIdentifier?

    public init(capacityTokens: Int) {
        self.capacityTokens = max(0, capacityTokens)
    }

    /// Binds the cache to `model` on first use; a second model is a programming error.
    func bind(to model: DecoderModel) {
        let id = ObjectIdentifier(model)
        if owner == nil { owner = id }
        precondition(owner == id, "a prefix cache holds the rows of one model; make one per model")
    }

    /// Copies the rows of the longest cached prefix of `prompt` into the empty `sequence`, leaving
    /// at least the last prompt token to be fed (its logits are needed). Returns how many
    /// positions were restored (0 when nothing matched).
    func restore(_ prompt: [Int32], into sequence: DecodeSequence) -> Int {
        precondition(sequence.length == 0, "prefix restored into a sequence that has tokens")
        let usable = prompt.count - 1
        var best: Entry?
        var bestLength = 0
        for entry in entries {
            let limit = min(usable, entry.tokens.count)
            var length = 0
            while length < limit && entry.tokens[length] == prompt[length] { length += 1 }
            if length > bestLength {
                best = entry
                bestLength = length
            }
        }
        guard let best, bestLength > 0 else { return 0 }
        clock += 1
        best.lastUsed = clock
        let cache = sequence.cache
        cache.reserve(bestLength, keeping: 0)
        let width = cache.width, stored = best.tokens.count
        for l in 0..<cache.layers {
            cache.keys(layer: l).update(from: best.keys.pointer + l * stored * width, count: bestLength * width)
            cache.values(layer: l).update(from: best.values.pointer + l * stored * width, count: bestLength * width)
        }
        sequence.length = bestLength
        return bestLength
    }

    /// Keeps the rows of `prompt`, whose keys and values `sequence` holds in its first
    /// `prompt.count` positions. A prompt already covered by an entry only refreshes that entry;
    /// entries it extends are replaced by it.
    func insert(_ prompt: [Int32], from sequence: DecodeSequence) {
        precondition(sequence.length >= prompt.count, "the sequence does not hold the prompt")
        let count = prompt.count
        if count == 0 || count > capacityTokens { return }
        clock += 1
        if let covering = entries.first(where: { $0.tokens.count >= count && $0.tokens.starts(with: prompt) }) {
            covering.lastUsed = clock
            return
        }
        entries.removeAll { entry in
            let extended = entry.tokens.count < count && prompt.starts(with: entry.tokens)
            if extended { heldTokens -= entry.tokens.count }
            return extended
        }
        let cache = sequence.cache
        let width = cache.width
        let keys = FloatBuffer(count: cache.layers * count * width)
        let values = FloatBuffer(count: cache.layers * count * width)
        for l in 0..<cache.layers {
            (keys.pointer + l * count * width).update(from: cache.keys(layer: l), count: count * width)
            (values.pointer + l * count * width).update(from: cache.values(layer: l), count: count * width)
        }
        entries.append(Entry(tokens: prompt, keys: keys, values: values, lastUsed: clock))
        heldTokens += count
        while heldTokens > capacityTokens, let oldest = entries.indices.min(by: { entries[$0].lastUsed < entries[$1].lastUsed }) {
            heldTokens -= entries[oldest].tokens.count
            entries.remove(at: oldest)
        }
    }

    /// Prompts held now.
    public var entryCount: Int { entries.count }
}
