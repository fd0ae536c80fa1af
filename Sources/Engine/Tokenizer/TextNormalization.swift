// Unicode NFC normalisation, the `normalizer` step of Qwen2's tokenizer (`{"type": "NFC"}`),
// applied to text between special tokens before pre-tokenization. Most text is already NFC and
// passes a cheap scan untouched; only text that contains characters which can compose or
// reorder goes through Foundation's normaliser.
//
// Foundation's normaliser on Linux misses two compositions, found by comparing it with Python's
// `unicodedata` over every code point and every canonical decomposition (with extra combining
// marks): a Hangul LV syllable followed by a trailing consonant (가 + ᆨ → 각) and Kannada
// U+0CCA + U+0CD5 → U+0CCB. Both composing characters have combining class 0, so the fix is a
// pass over adjacent pairs after Foundation's output.

import Foundation

/// The normalisation a tokenizer applies before pre-tokenization.
public enum TextNormalization: String, Sendable, Equatable {
    /// Text is used as given.
    case none
    /// Unicode canonical composition (NFC), as Qwen2's tokenizer.json and `transformers`'
    /// Qwen2Tokenizer do.
    case nfc

    /// `text` normalised.
    public func apply(_ text: String) -> String {
        switch self {
        case .none: return text
        case .nfc:
            if TextNormalization.isTriviallyNFC(text) { return text }
            return TextNormalization.composeMissedPairs(text.precomposedStringWithCanonicalMapping)
        }
    }

    /// Applies the two compositions Foundation misses (see the file comment).
    static func composeMissedPairs(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        guard scalars.count > 1 else { return text }
        var result = String.UnicodeScalarView()
        var changed = false
        var index = 0
        while index < scalars.count {
            var current = scalars[index].value
            while index + 1 < scalars.count {
                let next = scalars[index + 1].value
                if (0xAC00...0xD7A3).contains(current), (current - 0xAC00) % 28 == 0, (0x11A8...0x11C2).contains(next) {
                    current += next - 0x11A7
                } else if current == 0x0CCA, next == 0x0CD5 {
                    current = 0x0CCB
                } else {
                    break
                }
                changed = true
                index += 1
            }
            result.append(Unicode.Scalar(current)!)
            index += 1
        }
        return changed ? String(result) : text
    }

    /// True when every character is in a range that NFC leaves unchanged whatever surrounds it:
    /// no canonical decomposition, combining class 0, and never the second half of a composition.
    /// Ranges: U+0000–U+02FF (before the combining diacritics), CJK punctuation U+3001–U+3029,
    /// CJK unified ideographs U+4E00–U+9FFF, fullwidth forms U+FF01–U+FF5E and the emoji blocks
    /// U+1F300–U+1FAFF.
    static func isTriviallyNFC(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { isTriviallyNFC($0.value) }
    }

    /// The same test on valid UTF-8, without making a String.
    static func isTriviallyNFC(utf8 bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        while index < bytes.count {
            let lead = bytes[index]
            // Lead bytes below 0xCC start characters below U+0300.
            if lead < 0xCC { index += lead < 0x80 ? 1 : 2; continue }
            let value: UInt32
            if lead < 0xE0 {
                value = (UInt32(lead & 0x1F) << 6) | UInt32(bytes[index + 1] & 0x3F); index += 2
            } else if lead < 0xF0 {
                value = (UInt32(lead & 0x0F) << 12) | (UInt32(bytes[index + 1] & 0x3F) << 6) | UInt32(bytes[index + 2] & 0x3F); index += 3
            } else {
                value = (UInt32(lead & 0x07) << 18) | (UInt32(bytes[index + 1] & 0x3F) << 12)
                    | (UInt32(bytes[index + 2] & 0x3F) << 6) | UInt32(bytes[index + 3] & 0x3F); index += 4
            }
            if !isTriviallyNFC(value) { return false }
        }
        return true
    }

    @inline(__always)
    private static func isTriviallyNFC(_ value: UInt32) -> Bool {
        value < 0x300 || (0x3001...0x3029).contains(value) || (0x4E00...0x9FFF).contains(value)
            || (0xFF01...0xFF5E).contains(value) || (0x1F300...0x1FAFF).contains(value)
    }
}
