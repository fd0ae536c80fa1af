// The characters of a text as the pre-tokenizer scanners see them: decoded once from UTF-8 into
// per-character class bits (letter, number, whitespace, newline, space, apostrophe), scalar
// values and byte offsets. Classes follow Unicode as Oniguruma does inside Hugging Face
// `tokenizers`: \p{L} is general category L*, \p{N} is N*, \s is the White_Space property.

/// A decoded text: `classes[i]`, `values[i]` and `offsets[i]` describe its i-th character;
/// `offsets[count]` is the byte length.
struct PreTokenizerCharacters {
    // Class bits of one character.
    static let letter: UInt8 = 1
    static let number: UInt8 = 2
    static let whitespace: UInt8 = 4
    static let newline: UInt8 = 8      // \r or \n (also whitespace)
    static let space: UInt8 = 16       // U+0020 (also whitespace)
    static let apostrophe: UInt8 = 32  // ' (an "other" character)

    var classes: [UInt8] = []
    var values: [UInt32] = []
    var offsets: [Int] = []
    var count: Int { classes.count }

    /// Decodes valid UTF-8 `bytes`.
    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        // Decode once into per-character arrays: class bits, scalar value, byte offset.
        classes.reserveCapacity(bytes.count)
        values.reserveCapacity(bytes.count)
        offsets.reserveCapacity(bytes.count + 1)
        var index = 0
        while index < bytes.count {
            let lead = bytes[index]
            let value: UInt32
            let length: Int
            if lead < 0x80 {
                value = UInt32(lead); length = 1
            } else if lead < 0xE0 {
                value = (UInt32(lead & 0x1F) << 6) | UInt32(bytes[index + 1] & 0x3F); length = 2
            } else if lead < 0xF0 {
                value = (UInt32(lead & 0x0F) << 12) | (UInt32(bytes[index + 1] & 0x3F) << 6) | UInt32(bytes[index + 2] & 0x3F); length = 3
            } else {
                value = (UInt32(lead & 0x07) << 18) | (UInt32(bytes[index + 1] & 0x3F) << 12)
                    | (UInt32(bytes[index + 2] & 0x3F) << 6) | UInt32(bytes[index + 3] & 0x3F); length = 4
            }
            classes.append(Self.characterClass(value))
            values.append(value)
            offsets.append(index)
            index += length
        }
        offsets.append(bytes.count)
    }

    @inline(__always)
    func endOfRun(from start: Int, end limit: Int, mask: UInt8) -> Int {
        var end = start
        while end < limit, classes[end] & mask != 0 { end += 1 }
        return end
    }

    /// ASCII letters lowered; U+017F (ſ) folds to "s" as under Unicode case folding, which is how
    /// Oniguruma evaluates `(?i:'s)`. Other characters are returned unchanged.
    @inline(__always)
    static func foldedASCII(_ value: UInt32) -> UInt32 {
        if value >= 0x41 && value <= 0x5A { return value + 0x20 }
        if value == 0x17F { return UInt32(UInt8(ascii: "s")) }
        return value
    }

    /// Class bits for the ASCII range, then a lazily built table for the rest of the BMP, then
    /// a direct property lookup for the astral planes.
    @inline(__always)
    static func characterClass(_ value: UInt32) -> UInt8 {
        if value < 0x10000 { return basicPlaneClasses[Int(value)] }
        return computeClass(value)
    }

    static let basicPlaneClasses: [UInt8] = (0..<0x10000).map { computeClass(UInt32($0)) }

    static func computeClass(_ value: UInt32) -> UInt8 {
        switch value {
        case 0x0A, 0x0D: return whitespace | newline
        case 0x20: return whitespace | space
        case 0x09, 0x0B, 0x0C, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return whitespace
        case 0x27: return apostrophe
        default: break
        }
        // Surrogate code points never occur in a Swift string; they classify as "other".
        guard let scalar = Unicode.Scalar(value) else { return 0 }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return letter
        case .decimalNumber, .letterNumber, .otherNumber:
            return number
        default:
            return 0
        }
    }
}
