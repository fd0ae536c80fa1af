import Basics
import Foundation

/// A directory as an object: every file, symbolic link and directory below it, sorted by path
/// bytes, with its mode, size and content id. Entry paths are validated whenever a manifest is
/// read, so a crafted manifest can never write outside the destination directory.
public struct Manifest: Codable, Equatable, Sendable {
    public static let formatName = "iopo-exp/manifest/1"

    public enum EntryType: String, Codable, Sendable { case file, directory = "dir", symlink }

    public struct Entry: Codable, Equatable, Sendable {
        /// Relative path with `/` separators.
        public var path: String
        public var type: EntryType
        /// Permission bits (the low 9 bits of st_mode); nil for symbolic links.
        public var mode: Int?
        /// Content size in bytes for files.
        public var size: Int?
        /// Blob or chunk list id for files.
        public var id: ObjectID?
        /// Link target, stored as written and never followed.
        public var target: String?
    }

    public var format: String
    public var entries: [Entry]

    public init(entries: [Entry]) {
        self.format = Manifest.formatName
        self.entries = entries.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
    }

    /// Canonical JSON: sorted keys, no whitespace, `/` unescaped (`JSONWriter.canonical`).
    func encoded() throws -> [UInt8] { JSONWriter.canonical.bytes(try JSONValueEncoder.encode(self)) }

    public static func decode(_ bytes: [UInt8], id: ObjectID) throws -> Manifest {
        let manifest: Manifest
        do { manifest = try JSONDecoder().decode(Manifest.self, from: Data(bytes)) } catch {
            throw StoreError.invalidManifest(id, reason: "not a valid manifest (\(DecodingError.describe(error)))")
        }
        guard manifest.format == formatName else {
            throw StoreError.invalidManifest(id, reason: "unknown manifest format \(manifest.format)")
        }
        try manifest.validate(id: id)
        return manifest
    }

    /// Rejects absolute paths, `..`, `.` and empty components, duplicates, files without ids,
    /// and any entry below a symbolic link (which would let extraction escape the tree).
    func validate(id: ObjectID) throws {
        var seen = Set<String>()
        var links = Set<String>()
        for entry in entries {
            let path = entry.path
            if path.hasPrefix("/") { throw StoreError.invalidManifest(id, reason: "entry \"\(path)\" is an absolute path") }
            if path.isEmpty || path.contains("\0") { throw StoreError.invalidManifest(id, reason: "entry \"\(path)\" is not a valid path") }
            let components = path.split(separator: "/", omittingEmptySubsequences: false)
            for component in components {
                if component == ".." { throw StoreError.invalidManifest(id, reason: "entry \"\(path)\" climbs out of the directory with \"..\"") }
                if component.isEmpty || component == "." { throw StoreError.invalidManifest(id, reason: "entry \"\(path)\" has an empty or \".\" component") }
            }
            if !seen.insert(path).inserted { throw StoreError.invalidManifest(id, reason: "entry \"\(path)\" appears twice") }
            var prefix = ""
            for component in components.dropLast() {
                prefix += prefix.isEmpty ? String(component) : "/" + component
                if links.contains(prefix) {
                    throw StoreError.invalidManifest(id, reason: "entry \"\(path)\" lies below the symbolic link \"\(prefix)\"")
                }
            }
            switch entry.type {
            case .file:
                guard entry.id != nil, let size = entry.size, size >= 0 else {
                    throw StoreError.invalidManifest(id, reason: "file entry \"\(path)\" lacks an id or size")
                }
            case .symlink:
                guard entry.target != nil else { throw StoreError.invalidManifest(id, reason: "link entry \"\(path)\" lacks a target") }
                links.insert(path)
            case .directory:
                break
            }
            if let mode = entry.mode, !(0...0o777).contains(mode) {
                throw StoreError.invalidManifest(id, reason: "entry \"\(path)\" has mode \(String(mode, radix: 8)) outside 0...777")
            }
        }
        if entries.map(\.path) != entries.map(\.path).sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            throw StoreError.invalidManifest(id, reason: "entries are not sorted by path")
        }
    }
}
