import Foundation
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
    static func remove(_ url: URL) {
        makeWritable(url)
        try? FileManager.default.removeItem(at: url)
    }

    private static func makeWritable(_ url: URL) {
        var info = stat()
        guard lstat(url.path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else { return }
        chmod(url.path, (info.st_mode | 0o700) & 0o7777)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? [] {
            makeWritable(url.appendingPathComponent(name))
        }
    }

    /// Creates `url` fresh (removing whatever a crashed earlier attempt left).
    static func fresh(_ url: URL) throws {
        if FileManager.default.fileExists(atPath: url.path) { remove(url) }
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// Removes `url` if it is an empty directory.
    static func removeIfEmpty(_ url: URL) {
        if let names = try? FileManager.default.contentsOfDirectory(atPath: url.path), names.isEmpty {
            try? FileManager.default.removeItem(at: url)
        }
    }
}
