// The text of one generated sequence as its tokens arrive: bytes of each token are decoded as soon
// as they form whole characters (a token can end inside a multi-byte character), special tokens
// are left out of the text (vLLM's skip_special_tokens), and stop strings are looked for in the
// decoded text, as vLLM does. When stop strings are set, the last (longest stop − 1) bytes are
// held back while streaming, so text that turns out to begin a stop string is never sent; the
// stop string itself is never part of the output.

import Engine

/// Incremental detokenization with stop-string detection for one sequence.
struct OutputText {
    private let tokenizer: BPETokenizer
    private let stops: [[UInt8]]
    private let stopTexts: [String]
    private let holdback: Int
    /// Decoded text so far: valid UTF-8, ending on a character boundary.
    private var bytes: [UInt8] = []
    /// The trailing bytes of an unfinished character.
    private var pending: [UInt8] = []
    /// How many bytes of `bytes` were handed out.
    private var emitted = 0
    /// The stop string found, and where it starts in `bytes`.
    private(set) var matchedStop: String?
    private var matchStart = 0

    init(tokenizer: BPETokenizer, stopStrings: [String]) {
        self.tokenizer = tokenizer
        stopTexts = stopStrings
        stops = stopStrings.map { Array($0.utf8) }
        holdback = max(0, (stops.map(\.count).max() ?? 0) - 1)
    }

    /// Adds a token; returns the text that can be sent now (possibly empty).
    mutating func append(_ token: Int32) -> String {
        if matchedStop != nil { return "" }
        let id = Int(token)
        if tokenizer.isSpecial(id) { return "" }
        guard let tokenBytes = tokenizer.bytes(of: id) else { return "" }
        pending.append(contentsOf: tokenBytes)
        let complete = OutputText.completePrefixLength(pending)
        if complete == 0 { return "" }
        let oldCount = bytes.count
        // Decoding replaces invalid sequences with U+FFFD, as decoding all tokens at once would.
        bytes.append(contentsOf: String(decoding: pending[0..<complete], as: UTF8.self).utf8)
        pending.removeSubrange(0..<complete)
        if !stops.isEmpty, let (start, stop) = findStop(from: max(0, oldCount - holdback)) {
            matchedStop = stopTexts[stop]
            matchStart = start
            return take(upTo: start)
        }
        var available = bytes.count - holdback
        while available > emitted && available < bytes.count && bytes[available] & 0xC0 == 0x80 { available -= 1 }
        return take(upTo: available)
    }

    /// The text not yet handed out, once generation has ended.
    mutating func finish() -> String {
        if matchedStop != nil { return take(upTo: matchStart) }
        var rest = take(upTo: bytes.count)
        if !pending.isEmpty {
            rest += String(decoding: pending, as: UTF8.self)
            bytes.append(contentsOf: String(decoding: pending, as: UTF8.self).utf8)
            emitted = bytes.count
            pending.removeAll()
        }
        return rest
    }

    /// The whole output text so far (up to a matched stop string).
    var text: String {
        let end = matchedStop != nil ? matchStart : bytes.count
        return String(decoding: bytes[0..<end], as: UTF8.self)
    }

    private mutating func take(upTo end: Int) -> String {
        guard end > emitted else { return "" }
        let piece = String(decoding: bytes[emitted..<end], as: UTF8.self)
        emitted = end
        return piece
    }

    /// The earliest stop string occurrence starting at or after `from` (ties: the first listed).
    /// Both texts are valid UTF-8, so a byte match always starts on a character boundary.
    private func findStop(from: Int) -> (Int, Int)? {
        var best: (Int, Int)?
        for (index, stop) in stops.enumerated() where !stop.isEmpty && stop.count <= bytes.count {
            var position = from
            let last = bytes.count - stop.count
            while position <= last {
                if let current = best, position >= current.0 { break }
                if bytes[position] == stop[0] && bytes[position..<(position + stop.count)].elementsEqual(stop) {
                    best = (position, index)
                    break
                }
                position += 1
            }
        }
        return best
    }

    /// The length of the longest prefix of `buffer` that does not end inside a character.
    static func completePrefixLength(_ buffer: [UInt8]) -> Int {
        var index = buffer.count - 1
        var lookedAt = 0
        while index >= 0 && lookedAt < 4 {
            let byte = buffer[index]
            if byte & 0xC0 != 0x80 {
                let needed = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1
                return buffer.count - index < needed ? index : buffer.count
            }
            index -= 1
            lookedAt += 1
        }
        return buffer.count
    }
}
