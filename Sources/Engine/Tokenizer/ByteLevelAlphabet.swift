// GPT-2's byte-level alphabet: a fixed one-to-one map from the 256 byte values to printable
// Unicode characters, so a BPE vocabulary over arbitrary bytes can be stored as JSON strings.
// Printable Latin-1 bytes (33–126, 161–172, 174–255) stand for themselves; the other 68 bytes
// (controls, space, 127–160, soft hyphen) take U+0100 onwards in byte order, which is why a
// space appears as "Ġ" (U+0120) and a newline as "Ċ" (U+010A) in every GPT-2/Qwen vocabulary.

/// The byte ↔ character map used by byte-level BPE (`bytes_to_unicode` in GPT-2 and
/// Hugging Face `tokenizers`).
public enum ByteLevelAlphabet {
    /// The character that stands for each byte, indexed by byte value.
    public static let scalarForByte: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: "\0", count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            if (33...126).contains(byte) || (161...172).contains(byte) || (174...255).contains(byte) {
                table[byte] = Unicode.Scalar(UInt32(byte))!
            } else {
                table[byte] = Unicode.Scalar(next)!
                next += 1
            }
        }
        return table
    }()

    /// The inverse map, indexed by scalar value (all alphabet characters are below U+0144);
    /// -1 marks characters outside the alphabet.
    static let byteForScalar: [Int16] = {
        var table = [Int16](repeating: -1, count: 0x144)
        for (byte, scalar) in scalarForByte.enumerated() { table[Int(scalar.value)] = Int16(byte) }
        return table
    }()

    /// The byte a character stands for, or nil if it is not in the alphabet.
    @inline(__always)
    public static func byte(for scalar: Unicode.Scalar) -> UInt8? {
        let value = Int(scalar.value)
        guard value < byteForScalar.count else { return nil }
        let byte = byteForScalar[value]
        return byte < 0 ? nil : UInt8(byte)
    }

    /// The byte-level spelling of raw bytes (what appears in `vocab` and `merges`).
    public static func encode<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
        var text = String.UnicodeScalarView()
        for byte in bytes { text.append(scalarForByte[Int(byte)]) }
        return String(text)
    }

    /// The raw bytes a byte-level token spells, or nil if it contains a character outside the
    /// alphabet.
    public static func decode(_ token: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(token.unicodeScalars.count)
        for scalar in token.unicodeScalars {
            guard let byte = byte(for: scalar) else { return nil }
            bytes.append(byte)
        }
        return bytes
    }
}
