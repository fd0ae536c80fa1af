// A bounds-checked little-endian cursor over a GGUF file's bytes. Every read says which part of
// the file it is in, so running off the end becomes an error naming the header, the metadata key
// or the tensor-table entry, never a crash.

/// Reads fixed-size little-endian values and GGUF strings from a byte buffer, front to back.
struct GGUFByteReader {
    let bytes: UnsafeRawBufferPointer
    let file: String
    private(set) var offset = 0

    init(bytes: UnsafeRawBufferPointer, file: String) {
        self.bytes = bytes
        self.file = file
    }

    var remaining: Int { bytes.count - offset }

    /// Reads one little-endian integer; `part` names where in the file the value belongs.
    mutating func read<Value: FixedWidthInteger>(_: Value.Type, in part: @autoclosure () -> String) throws(GGUFError) -> Value {
        let size = MemoryLayout<Value>.size
        guard remaining >= size else {
            throw .truncated(file: file, part: part(), offset: offset, needed: size, fileSize: bytes.count)
        }
        let value = Value(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: Value.self))
        offset += size
        return value
    }

    /// Reads a GGUF string: a uint64 byte count, then that many bytes of UTF-8 (no terminator).
    mutating func readString(in part: @autoclosure () -> String) throws(GGUFError) -> String {
        let length = try read(UInt64.self, in: part())
        guard length <= UInt64(remaining) else {
            throw .badStringLength(file: file, part: part(), length: length, available: remaining)
        }
        let count = Int(length)
        let text = String(validating: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)]), as: UTF8.self)
        guard let text else { throw .invalidUTF8(file: file, part: part()) }
        offset += count
        return text
    }
}
