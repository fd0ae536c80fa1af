import Foundation

/// The store's own settings, kept in `store/config.json`. Written once by `init`; the format
/// version guards against opening a store this tool cannot read.
public struct StoreConfig: Codable, Equatable, Sendable {
    public static let currentFormat = 1

    /// Layout version of the store.
    public var format: Int
    /// zstd level for compressible objects (1...19).
    public var zstdLevel: Int
    /// Files up to this size are stored as one blob; larger ones are chunked.
    public var chunkingThreshold: Int
    public var minimumChunk: Int
    public var averageChunk: Int
    public var maximumChunk: Int
    /// gc never deletes an unreachable object younger than this many seconds, so that a writer
    /// that stored it and has yet to record the reference keeps it.
    public var gcGraceSeconds: Int

    /// Defaults: zstd 3, files over 4 MiB chunked into 256 KiB ... 4 MiB pieces averaging 1 MiB.
    public init(zstdLevel: Int = 3, gcGraceSeconds: Int = 3600, chunkingThreshold: Int = 4 << 20,
                minimumChunk: Int = 256 << 10, averageChunk: Int = 1 << 20, maximumChunk: Int = 4 << 20) {
        self.format = StoreConfig.currentFormat
        self.zstdLevel = zstdLevel
        self.chunkingThreshold = chunkingThreshold
        self.minimumChunk = minimumChunk
        self.averageChunk = averageChunk
        self.maximumChunk = maximumChunk
        self.gcGraceSeconds = gcGraceSeconds
    }

    enum CodingKeys: String, CodingKey {
        case format
        case zstdLevel = "zstd_level"
        case chunkingThreshold = "chunking_threshold"
        case minimumChunk = "min_chunk"
        case averageChunk = "avg_chunk"
        case maximumChunk = "max_chunk"
        case gcGraceSeconds = "gc_grace_seconds"
    }

    func validate(path: String) throws {
        guard format == StoreConfig.currentFormat else {
            throw StoreError.notAStore(path: path, reason: "store format \(format), this tool reads format \(StoreConfig.currentFormat)")
        }
        guard (1...19).contains(zstdLevel) else {
            throw StoreError.notAStore(path: path, reason: "zstd_level \(zstdLevel) is outside 1...19")
        }
        guard minimumChunk > 0, minimumChunk < averageChunk, averageChunk < maximumChunk,
              averageChunk.nonzeroBitCount == 1, chunkingThreshold >= minimumChunk else {
            throw StoreError.notAStore(path: path, reason: "chunk sizes must satisfy 0 < min < avg < max, avg a power of two")
        }
    }
}
