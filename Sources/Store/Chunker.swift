import Basics

/// Content-defined chunking in the manner of FastCDC (Xia et al., 2016): a gear rolling hash
/// over the bytes, with normalised chunking (a stricter mask before the average size, a looser
/// one after) so that chunk sizes concentrate around the average. Boundaries depend only on
/// nearby content, so an edit in the middle of a file changes only the chunks around it.
struct Chunker: Sendable {
    let minimumSize: Int
    let averageSize: Int
    let maximumSize: Int
    private let strictMask: UInt64
    private let looseMask: UInt64

    init(minimumSize: Int, averageSize: Int, maximumSize: Int) {
        precondition(minimumSize > 0 && minimumSize < averageSize && averageSize < maximumSize)
        self.minimumSize = minimumSize
        self.averageSize = averageSize
        self.maximumSize = maximumSize
        let bits = averageSize.trailingZeroBitCount
        // The gear hash shifts left, so its high bits depend on the most recent 64 bytes and the
        // low bits on only the last few: the masks test high bits.
        strictMask = ~(UInt64.max >> UInt64(bits + 2))
        looseMask = ~(UInt64.max >> UInt64(bits - 2))
    }

    init(config: StoreConfig) {
        self.init(minimumSize: config.minimumChunk, averageSize: config.averageChunk, maximumSize: config.maximumChunk)
    }

    /// Length of the next chunk at the start of `bytes`.
    func cutPoint(_ bytes: UnsafeRawBufferPointer, gear: UnsafeBufferPointer<UInt64>) -> Int {
        let count = bytes.count
        if count <= minimumSize { return count }
        let limit = min(count, maximumSize)
        let normal = min(averageSize, limit)
        let base = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
        var hash: UInt64 = 0
        var i = minimumSize
        while i < normal {
            hash = (hash &<< 1) &+ gear[Int(base[i])]
            if hash & strictMask == 0 { return i + 1 }
            i += 1
        }
        while i < limit {
            hash = (hash &<< 1) &+ gear[Int(base[i])]
            if hash & looseMask == 0 { return i + 1 }
            i += 1
        }
        return limit
    }

    /// Length of the next chunk at the start of `bytes`.
    func cutPoint(_ bytes: UnsafeRawBufferPointer) -> Int {
        Chunker.gear.withUnsafeBufferPointer { cutPoint(bytes, gear: $0) }
    }

    /// 256 pseudo-random 64-bit values from SplitMix64 with a fixed seed: part of the store
    /// format (changing them changes every chunk boundary, not any id's meaning).
    static let gear: [UInt64] = {
        var mixer = SplitMix64(seed: 0x696F_706F_2D65_7870) // "iopo-exp"
        return (0..<256).map { _ in mixer.next() }
    }()
}
