import Basics
import Foundation
@testable import Store
import TestKit

/// Deterministic pseudo-random bytes (SplitMix64's words, little-endian) so tests do not depend
/// on system randomness.
func pseudoRandomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var mixer = SplitMix64(seed: seed)
    var out: [UInt8] = []
    out.reserveCapacity(count + 8)
    while out.count < count {
        withUnsafeBytes(of: mixer.next().littleEndian) { out.append(contentsOf: $0) }
    }
    return Array(out.prefix(count))
}

/// A store with small chunks so chunking is exercised on small files.
func makeStore(_ dir: TemporaryDirectory, grace: Int = 3600, small: Bool = true) throws -> ObjectStore {
    let config = small
        ? StoreConfig(gcGraceSeconds: grace, chunkingThreshold: 64 << 10, minimumChunk: 8 << 10, averageChunk: 32 << 10, maximumChunk: 128 << 10)
        : StoreConfig(gcGraceSeconds: grace)
    try ObjectStore.initialize(at: dir.url.appendingPathComponent("store"), config: config)
    return try ObjectStore(root: dir.url.appendingPathComponent("store"), access: .write)
}

func write(_ bytes: [UInt8], to path: String) {
    FileManager.default.createFile(atPath: path, contents: Data(bytes))
}
