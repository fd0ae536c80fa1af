import Foundation
import CZstd

/// Space accounting for `store du`.
public struct UsageReport: Sendable, Codable, Equatable {
    public var objects = 0
    public var blobs = 0
    public var chunkLists = 0
    public var manifests = 0
    /// Sum of the raw (uncompressed) sizes of all objects.
    public var rawBytes = 0
    /// Bytes the object files occupy.
    public var storedBytes = 0
    /// Bytes of file content the store represents, counting shared chunks once per file that
    /// uses them (the sum of chunk-list sizes plus blobs that are whole files).
    public var logicalBytes = 0
    /// rawBytes / storedBytes.
    public var compressionRatio: Double { storedBytes == 0 ? 1 : Double(rawBytes) / Double(storedBytes) }
    /// logicalBytes / unique content bytes.
    public var deduplicationRatio: Double
}

extension ObjectStore {
    /// Walks the objects once, reading only tag bytes and frame headers, plus chunk lists.
    public func usage() throws -> UsageReport {
        var report = UsageReport(deduplicationRatio: 1)
        var blobSizes: [ObjectID: Int] = [:]
        var chunkedContent = 0
        var chunkMembers = Set<ObjectID>()
        for id in try allObjectIDs() {
            let file = path(of: id)
            guard let handle = FileHandle(forReadingAtPath: file.path) else { continue }
            let header = (try? handle.read(upToCount: 19)) ?? Data()
            let fileSize = Int((try? handle.seekToEnd()) ?? 0)
            try? handle.close()
            guard let tag = header.first, let kind = ObjectKind(rawValue: tag >> 4) else { continue }
            report.objects += 1
            report.storedBytes += fileSize
            var raw = fileSize - 1
            if tag & 0xF == ObjectEncoding.zstd.rawValue {
                let size = header.dropFirst().withUnsafeBytes { ZSTD_getFrameContentSize($0.baseAddress, $0.count) }
                if size < UInt64.max - 1 { raw = Int(size) }
            }
            report.rawBytes += raw
            switch kind {
            case .blob:
                report.blobs += 1
                blobSizes[id] = raw
            case .chunkList:
                report.chunkLists += 1
                if let (_, bytes) = try? read(id), let list = try? ChunkList.decode(bytes, id: id) {
                    chunkedContent += list.size
                    chunkMembers.formUnion(list.chunks.map(\.id))
                }
            case .manifest:
                report.manifests += 1
            }
        }
        let wholeFileBlobs = blobSizes.filter { !chunkMembers.contains($0.key) }.values.reduce(0, +)
        let uniqueContent = blobSizes.values.reduce(0, +)
        report.logicalBytes = chunkedContent + wholeFileBlobs
        report.deduplicationRatio = uniqueContent == 0 ? 1 : Double(report.logicalBytes) / Double(uniqueContent)
        return report
    }
}
