import Foundation
import Store

/// Names the first place two stored artifacts differ.
enum ArtifactComparison {
    /// nil when identical; otherwise a short description: `"weights/adapter.safetensors differs"`,
    /// `"only in the replay: extra.txt"`, `"first difference at byte 1234 (sizes 2048 and 2050)"`.
    static func firstDifference(_ store: ObjectStore, recorded: String, replayed: String) -> String? {
        guard recorded != replayed else { return nil }
        guard let a = try? ObjectID(parsing: recorded), let b = try? ObjectID(parsing: replayed) else { return "ids differ" }
        let kindA = try? store.kind(of: a), kindB = try? store.kind(of: b)
        if kindA == .manifest, kindB == .manifest, let ma = try? store.manifest(a), let mb = try? store.manifest(b) {
            let entriesA = Dictionary(ma.entries.map { ($0.path, $0) }, uniquingKeysWith: { x, _ in x })
            let entriesB = Dictionary(mb.entries.map { ($0.path, $0) }, uniquingKeysWith: { x, _ in x })
            let paths = Set(entriesA.keys).union(entriesB.keys).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            for path in paths {
                switch (entriesA[path], entriesB[path]) {
                case (nil, _): return "only in the replay: \(path)"
                case (_, nil): return "only in the recorded run: \(path)"
                case (let x?, let y?) where x != y:
                    if let ix = x.id, let iy = y.id, ix != iy, let inner = firstDifference(store, recorded: ix.description, replayed: iy.description) {
                        return "\(path): \(inner)"
                    }
                    return "\(path) differs (type, mode or link target)"
                default: continue
                }
            }
            return "the directory listings differ"
        }
        if kindA == .manifest || kindB == .manifest { return "one is a directory, the other a file" }
        let limit = 16 << 20
        guard let bytesA = try? store.content(of: a), let bytesB = try? store.content(of: b), bytesA.count <= limit, bytesB.count <= limit else {
            return "contents differ"
        }
        let common = min(bytesA.count, bytesB.count)
        let offset = (0..<common).first { bytesA[$0] != bytesB[$0] } ?? common
        let line = bytesA.prefix(offset).filter { $0 == 0x0A }.count + 1
        return "first difference at byte \(offset) (line \(line); sizes \(bytesA.count) and \(bytesB.count))"
    }
}
