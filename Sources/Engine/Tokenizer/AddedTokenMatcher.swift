// Finds added (special) tokens such as `<|im_end|>` in raw text before normalisation and
// pre-tokenization, as Hugging Face `tokenizers` does for added tokens with `normalized: false`:
// the leftmost occurrence wins, and among tokens starting at the same place the longest.

/// A token outside the BPE vocabulary, matched verbatim in text (`added_tokens` in
/// tokenizer.json).
public struct AddedToken: Sendable, Equatable, Hashable {
    public var id: Int
    public var content: String
    /// Special tokens can be dropped when decoding (`skipSpecialTokens`).
    public var special: Bool

    public init(id: Int, content: String, special: Bool = true) {
        self.id = id
        self.content = content
        self.special = special
    }
}

/// Locates added tokens in UTF-8 text.
struct AddedTokenMatcher: Sendable {
    /// Candidates by first byte, longest first.
    private let candidates: [[(bytes: [UInt8], id: Int)]]

    init(_ tokens: [AddedToken]) {
        var table = [[(bytes: [UInt8], id: Int)]](repeating: [], count: 256)
        for token in tokens {
            let bytes = Array(token.content.utf8)
            guard let first = bytes.first else { continue }
            table[Int(first)].append((bytes, token.id))
        }
        for index in table.indices {
            table[index].sort { $0.bytes.count != $1.bytes.count ? $0.bytes.count > $1.bytes.count : $0.id < $1.id }
        }
        candidates = table
    }

    /// The first match at or after `start`: its byte range and token id.
    func firstMatch(in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> (range: Range<Int>, id: Int)? {
        var position = start
        while position < bytes.count {
            let list = candidates[Int(bytes[position])]
            if !list.isEmpty {
                for candidate in list where position + candidate.bytes.count <= bytes.count {
                    var equal = true
                    for offset in 1..<candidate.bytes.count where bytes[position + offset] != candidate.bytes[offset] {
                        equal = false
                        break
                    }
                    if equal { return (position..<(position + candidate.bytes.count), candidate.id) }
                }
            }
            position += 1
        }
        return nil
    }
}
