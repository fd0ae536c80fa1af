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

/// Deterministic pseudo-random bytes (SplitMix64) so tests do not depend on system randomness.
func pseudoRandomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var state = seed
    var out = [UInt8](repeating: 0, count: count)
    var i = 0
    while i < count {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        for b in 0..<8 where i < count { out[i] = UInt8(truncatingIfNeeded: z >> (8 * UInt64(b))); i += 1 }
    }
    return out
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
