import Basics
import Foundation

/// The object that stands for a large file: its total size and its chunks in order.
/// Raw bytes are canonical JSON (sorted keys), so the same file always gives the same id.
public struct ChunkList: Codable, Equatable, Sendable {
    public static let formatName = "iopo-exp/chunk-list/1"

    public struct Chunk: Codable, Equatable, Sendable {
        public var id: ObjectID
        public var size: Int
    }

    public var format: String
    public var size: Int
    public var chunks: [Chunk]

    init(chunks: [Chunk]) {
        self.format = ChunkList.formatName
        self.chunks = chunks
        self.size = chunks.reduce(0) { $0 + $1.size }
    }

    /// Canonical JSON: sorted keys, no whitespace, `/` unescaped (`JSONWriter.canonical`).
    func encoded() throws -> [UInt8] { JSONWriter.canonical.bytes(try JSONValueEncoder.encode(self)) }

    static func decode(_ bytes: [UInt8], id: ObjectID) throws -> ChunkList {
        let list: ChunkList
        do { list = try JSONDecoder().decode(ChunkList.self, from: Data(bytes)) } catch {
            throw StoreError.corruptObject(id, reason: "not a valid chunk list (\(DecodingError.describe(error)))")
        }
        guard list.format == formatName else {
            throw StoreError.corruptObject(id, reason: "unknown chunk list format \(list.format)")
        }
        guard list.chunks.allSatisfy({ $0.size >= 0 }), list.size == list.chunks.reduce(0, { $0 + $1.size }) else {
            throw StoreError.corruptObject(id, reason: "chunk sizes do not add up to the declared size \(list.size)")
        }
        return list
    }
}
