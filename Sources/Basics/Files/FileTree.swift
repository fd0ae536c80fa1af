import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Whole directory trees: their size, and removal even where parts were made read-only (the
/// pipeline makes a step's inputs read-only so the step cannot change what it was given).
public enum FileTree {
    /// Bytes of the regular files at or below `url` (links are not followed); 0 when absent.
    public static func size(_ url: URL) -> Int {
        var info = stat()
        guard lstat(url.path, &info) == 0 else { return 0 }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return Int(info.st_size)
        case S_IFDIR:
            let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
            return names.reduce(0) { $0 + size(url.appendingPathComponent($1)) }
        default: return 0
        }
    }

    /// Deletes a file or tree, first giving its directories write permission back.
    public static func remove(_ url: URL) {
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
}
