// Owned float32 storage: the flat buffers that hold parameters, gradients, optimizer moments and
// activations. A class, so a buffer is shared by reference and never copied by accident (no
// copy-on-write traps in hot loops); hot loops take its raw pointer.

/// A zero-initialised, fixed-size, 64-byte-aligned float32 buffer that frees itself.
final class FloatBuffer: @unchecked Sendable {
    /// Start of the storage; valid for `count` floats for the lifetime of the buffer.
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    init(count: Int) {
        precondition(count >= 0, "negative buffer size")
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<Float>.stride, alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    /// A buffer holding a copy of `values`.
    convenience init(copying values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { pointer.update(from: base, count: values.count) }
        }
    }

    /// A buffer holding a copy of another buffer's contents.
    func copy() -> FloatBuffer {
        let result = FloatBuffer(count: count)
        result.pointer.update(from: pointer, count: count)
        return result
    }

    deinit {
        UnsafeMutableRawPointer(pointer).deallocate()
    }

    var buffer: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: pointer, count: count)
    }

    func zero() {
        pointer.update(repeating: 0, count: count)
    }

    /// The values in `range` as an array (for export; not for hot loops).
    func array(_ range: Range<Int>) -> [Float] {
        precondition(range.lowerBound >= 0 && range.upperBound <= count)
        return Array(UnsafeBufferPointer(start: pointer + range.lowerBound, count: range.count))
    }

    func array() -> [Float] { array(0..<count) }

    /// Overwrites `values.count` floats starting at `offset`.
    func write(_ values: [Float], at offset: Int) {
        precondition(offset >= 0 && offset + values.count <= count)
        values.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { (pointer + offset).update(from: base, count: values.count) }
        }
    }
}
