// Unicode NFC normalisation, the `normalizer` step of Qwen2's tokenizer (`{"type": "NFC"}`),
// applied to text between special tokens before pre-tokenization. Most text is already NFC and
// passes a cheap scan untouched; only text that contains characters which can compose or
// reorder goes through Foundation's normaliser.

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
        case .nfc: return TextNormalization.isTriviallyNFC(text) ? text : text.precomposedStringWithCanonicalMapping
        }
    }

    /// True when every character is in a range that NFC leaves unchanged whatever surrounds it:
    /// no canonical decomposition, combining class 0, and never the second half of a composition.
    /// Ranges: U+0000–U+02FF (before the combining diacritics), CJK punctuation U+3001–U+3029,
    /// CJK unified ideographs U+4E00–U+9FFF, fullwidth forms U+FF01–U+FF5E and the emoji blocks
    /// U+1F300–U+1FAFF.
    static func isTriviallyNFC(_ text: String) -> Bool {
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if value < 0x300 { continue }
            if (0x3001...0x3029).contains(value) || (0x4E00...0x9FFF).contains(value)
                || (0xFF01...0xFF5E).contains(value) || (0x1F300...0x1FAFF).contains(value) { continue }
            return false
        }
        return true
    }
}
