import Foundation

/// What `verify` found.
public struct VerifyReport: Sendable, Codable, Equatable {
    public var checkedObjects = 0
    /// Objects whose bytes do not hash to their id or cannot be decoded.
    public var corrupt: [Problem] = []
    /// Ids that a chunk list, manifest or root references but the store lacks.
    public var missing: [Problem] = []
    /// Objects that no root reaches (reported only when roots are given).
    public var dangling: [ObjectID] = []
    /// Temporary files left by writers that died mid-write (harmless; gc removes them).
    public var temporaryFiles = 0

    public struct Problem: Sendable, Codable, Equatable {
        public var id: ObjectID
        public var detail: String
    }

    public var isClean: Bool { corrupt.isEmpty && missing.isEmpty }
}

extension ObjectStore {
    /// Re-hashes every object. With `deep`, also parses every chunk list and manifest and checks
    /// that what they reference exists. With `roots`, reports objects no root reaches as dangling.
    public func verify(deep: Bool, roots: [ObjectID]? = nil) throws -> VerifyReport {
        var report = VerifyReport()
        let ids = try allObjectIDs()
        var present = Set(ids)
        for id in ids {
            report.checkedObjects += 1
            do {
                let (kind, bytes) = try read(id)
                guard deep else { continue }
                for child in try children(kind: kind, bytes: bytes, id: id) where !contains(child) {
                    report.missing.append(.init(id: child, detail: "referenced by \(id)"))
                }
            } catch let error as StoreError {
                report.corrupt.append(.init(id: id, detail: error.description))
                present.remove(id)
            }
        }
        if let roots {
            for root in roots where !contains(root) {
                report.missing.append(.init(id: root, detail: "referenced by the lineage database"))
            }
            let reachable = try reachableObjects(from: roots)
            report.dangling = ids.filter { present.contains($0) && !reachable.contains($0) }
        }
        report.temporaryFiles = ((try? FileManager.default.contentsOfDirectory(atPath: temporaryDirectory.path)) ?? []).count
        return report
    }

    /// The ids an object references directly.
    func children(kind: ObjectKind, bytes: [UInt8], id: ObjectID) throws -> [ObjectID] {
        switch kind {
        case .blob: return []
        case .chunkList: return try ChunkList.decode(bytes, id: id).chunks.map(\.id)
        case .manifest: return try Manifest.decode(bytes, id: id).entries.compactMap(\.id)
        }
    }

    /// Every object reachable from `roots` through manifests and chunk lists. Missing or
    /// corrupt structured objects stop the walk below them but not elsewhere.
    public func reachableObjects(from roots: [ObjectID]) throws -> Set<ObjectID> {
        var seen = Set<ObjectID>()
        var stack = roots
        while let id = stack.popLast() {
            guard seen.insert(id).inserted, contains(id) else { continue }
            guard let kind = try? self.kind(of: id), kind != .blob else { continue }
            guard let (_, bytes) = try? read(id), let next = try? children(kind: kind, bytes: bytes, id: id) else { continue }
            stack.append(contentsOf: next)
        }
        return seen
    }
}
