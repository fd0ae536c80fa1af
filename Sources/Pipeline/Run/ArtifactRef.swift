import Foundation
import Lineage
import Store

/// A stored artifact as the runner passes it between steps: object id, whether it is a file or
/// a directory, the name it is recorded under (`sft.model`, `configs/sft.yaml`) and its size.
public struct ArtifactRef: Sendable, Equatable, Codable {
    public var id: String
    public var kind: String
    public var name: String
    public var size: Int

    public init(id: String, kind: String, name: String, size: Int) {
        self.id = id
        self.kind = kind
        self.name = name
        self.size = size
    }

    init(_ result: AddResult, name: String) {
        self.init(id: result.id.description, kind: result.kind.rawValue, name: name, size: result.size)
    }

    init(_ record: ArtifactRecord) {
        self.init(id: record.id, kind: record.kind, name: record.name, size: record.size)
    }

    /// The lineage row.
    var record: ArtifactRecord {
        get throws { ArtifactRecord(id: id, kind: kind, name: name, size: size) }
    }
    public var isDirectory: Bool { kind == AddResult.Kind.directory.rawValue }
}

/// Names of log edges: `log/stdout.log`. Declared outputs cannot contain `/`, so they never clash.
enum LogEdge {
    static let prefix = "log/"
    static func isLog(_ name: String) -> Bool { name.hasPrefix(prefix) }
}
