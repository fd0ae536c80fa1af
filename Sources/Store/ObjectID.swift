import Crypto

/// The name of an object in the store: the algorithm and the hex digest of the object's raw
/// (uncompressed) bytes, written `sha256:<64 hex>`. The algorithm is part of the id and of the
/// object's path so that another can be added later without a layout break.
public struct ObjectID: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    public static let algorithm = "sha256"
    public static let hexLength = 64

    /// Lower-case hex digest, 64 characters.
    public let hex: String

    /// Parses a full id. Accepts `sha256:<hex>`; throws `StoreError.malformedID` otherwise.
    public init(parsing text: String) throws {
        let prefix = ObjectID.algorithm + ":"
        guard text.hasPrefix(prefix) else { throw StoreError.malformedID(text, reason: "ids start with \"sha256:\"") }
        let hex = String(text.dropFirst(prefix.count))
        guard hex.count == ObjectID.hexLength else {
            throw StoreError.malformedID(text, reason: "a sha256 digest has 64 hex digits, this has \(hex.count)")
        }
        guard hex.utf8.allSatisfy(ObjectID.isLowerHex) else {
            throw StoreError.malformedID(text, reason: "digits must be lower-case hex (0-9, a-f)")
        }
        self.hex = hex
    }

    init(trustedHex hex: String) { self.hex = hex }

    /// The id of `bytes`.
    public static func of(_ bytes: UnsafeRawBufferPointer) -> ObjectID {
        ObjectID(digest: SHA256.hash(data: bytes))
    }

    public static func of(_ bytes: [UInt8]) -> ObjectID {
        bytes.withUnsafeBytes { of($0) }
    }

    init(digest: SHA256.Digest) {
        var text = ""
        text.reserveCapacity(64)
        for byte in digest {
            text.append(ObjectID.hexDigits[Int(byte >> 4)])
            text.append(ObjectID.hexDigits[Int(byte & 0xF)])
        }
        self.hex = text
    }

    public var description: String { "\(ObjectID.algorithm):\(hex)" }

    /// The first 12 hex digits, for display.
    public var short: String { String(hex.prefix(12)) }

    public static func < (a: ObjectID, b: ObjectID) -> Bool { a.hex < b.hex }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        try self.init(parsing: text)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    static func isLowerHex(_ c: UInt8) -> Bool { (c >= 48 && c <= 57) || (c >= 97 && c <= 102) }
    private static let hexDigits: [Character] = Array("0123456789abcdef")
}
