import Basics
import Foundation
@testable import Store

/// A fresh temporary directory, removed when the value dies.
final class TemporaryDirectory: Sendable {
    let url: URL
    init() {
        url = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("iopo-store-test-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit {
        _ = try? Process.run(URL(fileURLWithPath: "/bin/chmod"), arguments: ["-R", "u+rwx", url.path]).waitUntilExit()
        try? FileManager.default.removeItem(at: url)
    }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}

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
