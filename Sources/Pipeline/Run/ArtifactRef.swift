import Foundation
import Lineage
import Store

/// A stored artifact as the runner passes it between steps: the lineage's artifact row (object
/// id, file or directory, the name it is recorded under — `sft.model`, `configs/sft.yaml` — and
/// its size), so what a step produced is recorded as it is, with no conversion.
public typealias ArtifactRef = ArtifactRecord

extension ArtifactRecord {
    init(_ result: AddResult, name: String) {
        self.init(id: result.id.description, kind: result.kind.rawValue, name: name, size: result.size)
    }

    public var isDirectory: Bool { kind == AddResult.Kind.directory.rawValue }
}

/// Names of log edges: `log/stdout.log`. Declared outputs cannot contain `/`, so they never clash.
enum LogEdge {
    static let prefix = "log/"
    static func isLog(_ name: String) -> Bool { name.hasPrefix(prefix) }
}
