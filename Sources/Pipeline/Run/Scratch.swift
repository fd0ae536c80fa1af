import Basics
import Foundation
import Lineage
#if canImport(Glibc)
import Glibc
#endif

/// Scratch directories: where inputs are extracted and steps run. Inputs are made read-only so
/// that a step cannot change what it was given (and so a later step or a replay sees the same).
enum Scratch {
    /// Removes write permission below `url` (files and directories, never following links).
    static func makeReadOnly(_ url: URL) {
        var info = stat()
        guard lstat(url.path, &info) == 0 else { return }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? [] {
                makeReadOnly(url.appendingPathComponent(name))
            }
        }
        if (info.st_mode & S_IFMT) != S_IFLNK { chmod(url.path, info.st_mode & ~mode_t(0o222) & 0o7777) }
    }

    /// Deletes a tree even where it was made read-only.
    static func remove(_ url: URL) { FileTree.remove(url) }

    /// Creates `url` fresh (removing whatever a crashed earlier attempt left).
    static func fresh(_ url: URL) throws {
        if FileManager.default.fileExists(atPath: url.path) { remove(url) }
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// Removes the scratch directories that killed runs left in `root`: those of runs the lineage
    /// marks interrupted, and replays' (`replay-<run>-<pid>`) whose process is gone. Directories
    /// of failed runs and of runs with `--keep-scratch` were kept on purpose and stay (until
    /// `store gc --apply`). Returns the names removed.
    @discardableResult
    static func removeAbandoned(in root: URL, lineage: LineageDatabase) throws -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        guard !names.isEmpty else { return [] }
        let interrupted = Set(try lineage.runs(status: .interrupted).map(\.id))
        var removed: [String] = []
        for name in names.sorted() {
            let abandoned: Bool
            if name.hasPrefix("replay-"), let pid = Int32(name.split(separator: "-").last ?? "") {
                abandoned = pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH
            } else {
                abandoned = interrupted.contains(name)
            }
            guard abandoned else { continue }
            remove(root.appendingPathComponent(name))
            removed.append(name)
        }
        return removed
    }

    /// Removes `url` if it is an empty directory.
    static func removeIfEmpty(_ url: URL) {
        if let names = try? FileManager.default.contentsOfDirectory(atPath: url.path), names.isEmpty {
            try? FileManager.default.removeItem(at: url)
        }
    }
}
